"""The engine's own command line: its flags and :func:`serve`, which runs it in the foreground.

Two programs use it: ``python -m lib.engine`` (the engine alone; :func:`lib.engine.local.
start_engine` starts that) and the app's ``python -m lib engine`` subcommand
(:mod:`lib.providers.engine_cli`, which adds the app's default data folder). Nothing here
imports the app: errors leave as :class:`EngineCliError`, which each program reports its way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "run the built-in engine (a local OpenAI-compatible server that trains small models)"


class EngineCliError(Exception):
    """Bad settings or a port that cannot be had: one sentence, exit status 2."""

    exit_code = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (loopback by default)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="state folder (files, jobs, models, log)"
    )
    parser.add_argument(
        "--max-body-mb", type=float, default=None, help="refuse larger request bodies with 413"
    )
    parser.add_argument(
        "--fault-429", type=float, default=None, help="share of requests answered 429"
    )
    parser.add_argument(
        "--fault-500", type=float, default=None, help="share of requests answered 500"
    )
    parser.add_argument(
        "--latency-ms", type=float, default=None, help="latency added to each request"
    )
    parser.add_argument("--fault-seed", type=int, default=None, help="seed for repeatable faults")
    parser.add_argument(
        "--retry-after-ms", type=int, default=None, help="Retry-After sent with 429s"
    )
    parser.add_argument(
        "--train-step-delay-ms", type=float, default=None, help="slow training down (demos, tests)"
    )
    parser.add_argument("--port-file", type=Path, default=None, help="write the bound port here")
    parser.add_argument(
        "--exit-with-parent",
        type=int,
        default=None,
        metavar="PID",
        help="stop when process PID (the app that started the engine) has exited",
    )


def serve(args: argparse.Namespace) -> int:
    """Listen and answer until stopped; ``args.data_dir`` is required."""
    from lib.engine.config import EngineConfig
    from lib.engine.serve import build_server, listen_socket

    if args.data_dir is None:
        raise EngineCliError("say where the engine keeps its state: --data-dir FOLDER")
    folder = Path(args.data_dir)
    try:
        config = EngineConfig.from_env(
            folder,
            host=args.host,
            port=args.port,
            max_body_mb=args.max_body_mb,
            fault_429=args.fault_429,
            fault_500=args.fault_500,
            latency_ms=args.latency_ms,
            fault_seed=args.fault_seed,
            retry_after_ms=args.retry_after_ms,
            train_step_delay_ms=args.train_step_delay_ms,
        )
    except ValueError as exc:
        raise EngineCliError(f"engine settings: {exc}") from None
    try:
        sock = listen_socket(args.host, args.port)
    except OSError as exc:
        raise EngineCliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    port = sock.getsockname()[1]
    if args.port_file:
        tmp = args.port_file.with_suffix(".tmp")
        tmp.write_text(str(port))
        tmp.replace(args.port_file)
    print(f"Tunelab engine on http://{args.host}:{port}/v1 (data: {folder})", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            "warning: the engine accepts any API key; listening beyond loopback lets anyone "
            "who can reach this address use and change its files, jobs and models",
            file=sys.stderr,
            flush=True,
        )
    server = build_server(config)
    if args.exit_with_parent:
        from lib.engine.lifeline import watch_parent

        def _parent_gone() -> None:
            print("the app that started the engine has stopped: stopping", flush=True)
            server.should_exit = True

        watch_parent(args.exit_with_parent, _parent_gone)
    server.run(sockets=[sock])
    return 0
