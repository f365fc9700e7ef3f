"""``python -m lib.engine``: the engine alone, without loading every ``python -m lib`` subcommand
(faster to start; :func:`lib.engine.local.start_engine` uses it). Same flags as ``python -m lib engine``."""

from __future__ import annotations

import argparse
import sys

from lib.core.errors import UserError
from lib.engine import cli as engine_cli


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.engine", description=engine_cli.HELP)
    engine_cli.add_arguments(parser)
    try:
        return engine_cli.run(parser.parse_args(argv))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
