"""``python -m lib engine``: the built-in engine in the foreground, its state in the app's data
folder unless ``--data-dir`` says otherwise. The engine's flags and server are its own
(:mod:`lib.engine.cli`, reached through the launcher :mod:`lib.engine.local`); this subcommand
adds what the app knows (where its data lives) and reports errors as every subcommand does."""

from __future__ import annotations

import argparse

from lib.core.errors import UserError
from lib.core.paths import engine_data_dir

HELP = "run the built-in engine (a local OpenAI-compatible server that trains small models)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from lib.engine.local import add_engine_arguments

    add_engine_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from lib.engine.local import EngineStartError, serve_in_foreground

    if args.data_dir is None:
        args.data_dir = engine_data_dir()
    try:
        return serve_in_foreground(args)
    except EngineStartError as exc:
        raise UserError(str(exc)) from None
