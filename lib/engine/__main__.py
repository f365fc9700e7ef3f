"""``python -m lib.engine``: the engine alone, as its own program (no app module is loaded;
:func:`lib.engine.local.start_engine` starts it this way). ``--data-dir`` is required here; the
app's ``python -m lib engine`` defaults it to the app's data folder."""

from __future__ import annotations

import argparse
import sys

from lib.engine.cli import HELP, EngineCliError, add_arguments, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.engine", description=HELP)
    add_arguments(parser)
    try:
        return serve(parser.parse_args(argv))
    except EngineCliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
