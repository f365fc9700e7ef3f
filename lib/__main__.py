"""Tunelab's command line: ``python -m lib <subcommand> ...`` (``--help`` lists them)."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

import lib.cli
from lib.errors import UserError


def _subcommands() -> dict[str, object]:
    found = {}
    for info in sorted(pkgutil.iter_modules(lib.cli.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"lib.cli.{info.name}")
        if hasattr(module, "run") and hasattr(module, "add_arguments"):
            found[info.name.rstrip("_")] = module
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib",
        description="Tunelab: prepare, review and evaluate data for fine-tuning language models.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in _subcommands().items():
        help_text = getattr(module, "HELP", "")
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub_parser)  # type: ignore[attr-defined]
        sub_parser.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return int(args._module.run(args))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a missing file, a full disk, a refused connection …
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a person gets a sentence, a developer can ask
        if os.environ.get("TUNELAB_DEBUG") == "1":
            raise
        print(
            f"error: unexpected {type(exc).__name__}: {exc} (set TUNELAB_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
