"""Tunelab's command line: ``python -m lib <subcommand> ...`` (``--help`` lists them)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

from lib.core.errors import UserError

# Subcommand → the feature module that implements it. Each module defines ``HELP`` (one line),
# ``add_arguments(parser)`` and ``run(args) -> int``; errors are raised as ``UserError``.
SUBCOMMANDS: dict[str, str] = {
    "check": "lib.checks.cli",
    "engine": "lib.providers.engine_cli",
    "evaluate": "lib.evaluate.cli",
    "export": "lib.snapshots.export_cli",
    "import": "lib.datasets.cli",
    "jobs": "lib.train.cli",
    "migrate": "lib.migrate.cli",
    "prepare": "lib.checks.prepare_cli",
    "runs": "lib.evaluate.runs_cli",
    "snapshot": "lib.snapshots.cli",
    "synth": "lib.synth.cli",
}


def _subcommands() -> dict[str, str]:
    """Subcommand name → module name, known without importing any of them.

    Importing every subcommand module (and with them SQLAlchemy, the checks, the engine …)
    cost most of a second before any work; only the chosen one is imported now.
    """
    return dict(sorted(SUBCOMMANDS.items()))


def _static_help(module_name: str) -> str | None:
    """The module's ``HELP = "…"`` read from its source, or None when it has no literal one."""
    import ast

    path = (
        Path(__file__).resolve().parent.parent.joinpath(*module_name.split(".")).with_suffix(".py")
    )
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    has_entry_points = {"run", "add_arguments"} <= {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef)
    }
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        if any(isinstance(t, ast.Name) and t.id == "HELP" for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return None
            return value if isinstance(value, str) and has_entry_points else None
    return "" if has_entry_points else None


def _load(module_name: str) -> ModuleType | None:
    module = importlib.import_module(module_name)
    if hasattr(module, "run") and hasattr(module, "add_arguments"):
        return module
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the subcommand named in ``argv`` (if any) is imported and complete."""
    parser = argparse.ArgumentParser(
        prog="python -m lib",
        description="Tunelab: prepare, review and evaluate data for fine-tuning language models.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = next((a for a in argv or () if not a.startswith("-")), None)
    known = _subcommands()
    for name, module_name in known.items():
        if name == chosen:
            module = _load(module_name)
            if module is None:
                continue
            help_text = getattr(module, "HELP", "")
        elif chosen in known:
            # Another subcommand runs: its help is never shown, so its source is not parsed
            # (``ast`` over ten modules cost ~10 ms of every command's start).
            help_text, module = "", None
        else:
            help_text = _static_help(module_name)
            if help_text is None:  # no literal HELP: ask the module itself
                module = _load(module_name)
                if module is None:
                    continue
                help_text = getattr(module, "HELP", "")
            module = None
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        if module is not None:
            module.add_arguments(sub_parser)
            sub_parser.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
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
