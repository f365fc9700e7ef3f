"""``python -m lib runs list|show|resume|cancel``: evaluation and synthetic runs, headless.

A run whose process died (a kill, a crash, a closed laptop) is listed as ``interrupted`` and
``resume`` carries it on in place: the same run, its answers kept, only what is missing or
failed asked again. ``resume`` exits 1 when requests are still failed afterwards, like
``evaluate``. It sits with evaluation, the runs' main user; synthetic runs resume through
``lib.synth.service``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from lib.core.errors import UserError

HELP = "list, show, resume or cancel evaluation and synthetic-data runs"
KINDS = ("evaluation", "synthetic")
EXIT_FAILED_REQUESTS = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="runs, newest first, with their progress")
    listing.add_argument("--kind", choices=KINDS, help="only runs of this kind")
    listing.add_argument("--json", action="store_true", help="one JSON array")
    show = sub.add_parser("show", help="one run: progress, cost, failures by kind")
    show.add_argument("run", type=int, metavar="RUN")
    show.add_argument("--json", action="store_true", help="one JSON object")
    resume = sub.add_parser("resume", help="carry a run on in place (failed requests included)")
    resume.add_argument("run", type=int, metavar="RUN")
    resume.add_argument("--concurrency", type=int, default=8, help="requests at the same time")
    resume.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    cancel = sub.add_parser("cancel", help="stop a run (its answers stay; resume carries on)")
    cancel.add_argument("run", type=int, metavar="RUN")


def _list(engine: Any, kind: str | None, as_json: bool) -> int:
    from lib.core.columns import text_table
    from lib.core.identity import CLI_ACTOR
    from lib.runner.service import run_rows

    rows = run_rows(engine, kind=kind, actor=CLI_ACTOR)
    if as_json:
        print(json.dumps([r.as_json() for r in rows], ensure_ascii=False))
        return 0
    if not rows:
        print("No runs yet.")
        return 0
    print(
        text_table(
            ["id", "kind", "status", "done", "failed", "pending", "reused", "created", "name"],
            [
                [
                    str(r.id),
                    r.kind,
                    r.status,
                    str(r.done),
                    str(r.failed),
                    str(r.pending),
                    str(r.reused),
                    f"{r.created_at:%Y-%m-%d %H:%M}",
                    r.name,
                ]
                for r in rows
            ],  # fmt: skip
            right={0, 3, 4, 5, 6},
        )
    )
    return 0


def _show(engine: Any, run_id: int, as_json: bool) -> int:
    from lib.core.identity import CLI_ACTOR
    from lib.runner.service import FAILURE_REASONS, run_row

    row = run_row(engine, run_id, actor=CLI_ACTOR)
    if as_json:
        print(json.dumps(row.as_json(), ensure_ascii=False))
        return 0
    lines = [
        f"Run {row.id} ({row.kind}): {row.name}",
        f"Status: {row.status}" + (" — resume it with: python -m lib runs resume "
                                    f"{row.id}" if row.resumable else ""),
        f"Requests: {row.total} · answered {row.done} ({row.reused} reused from earlier runs) "
        f"· failed {row.failed} · pending {row.pending}",
        f"Cost so far: ${row.cost:.4f}",
        f"Created: {row.created_at:%Y-%m-%d %H:%M} by {row.created_by}",
    ]  # fmt: skip
    if row.error:
        lines.append(f"Error: {row.error}")
    for kind, (count, example) in sorted(row.failures.items(), key=lambda kv: -kv[1][0]):
        lines.append(f"Failed: {count} × {kind}: {FAILURE_REASONS[kind]} ({example[:200]})")
    print("\n".join(lines))
    return 0


def _progress(progress: Any) -> None:
    print(
        f"\r{progress.done + progress.failed}/{progress.total} requests"
        + (f", {progress.failed} failed" if progress.failed else ""),
        end="",
        file=sys.stderr,
    )


def _resume(engine: Any, args: argparse.Namespace) -> int:
    from lib.core.identity import CLI_ACTOR
    from lib.runner import service as runner
    from lib.runner.service import run_row

    if not 1 <= args.concurrency <= 256:
        raise UserError("--concurrency must be between 1 and 256")
    before = run_row(engine, args.run, actor=CLI_ACTOR)
    if before.status == "running":
        raise UserError(f"run {args.run} is running in another process; cancel it first")
    options = runner.RunOptions(concurrency=args.concurrency, timeout_s=args.timeout)
    made = ""
    if before.kind == "evaluation":
        from lib.evaluate.service import resume_and_wait

        resume_and_wait(engine, args.run, options=options, on_progress=_progress, actor=CLI_ACTOR)
    elif before.kind == "synthetic":
        from lib.synth.service import resume_and_wait as resume_synthetic

        resumed = resume_synthetic(
            engine, args.run, options=options, on_progress=_progress, actor=CLI_ACTOR
        )
        if resumed.dataset is not None:
            d = resumed.dataset
            made = f"; dataset {d.dataset_id} {d.name!r}: {d.n_examples} examples"
    else:
        raise UserError(
            f"run {args.run} is a {before.kind} run; only {', '.join(KINDS)} resume here"
        )
    print(file=sys.stderr)
    after = run_row(engine, args.run, actor=CLI_ACTOR)
    print(
        f"run {after.id}: {after.status}, {after.done} of {after.total} answered "
        f"({after.done - before.done} now), {after.failed} failed{made}"
    )
    if after.failed:
        from lib.runner.service import FAILURE_REASONS

        for kind, (count, example) in after.failures.items():
            print(
                f"error: {count} request(s) failed: {kind}: {FAILURE_REASONS[kind]} ({example[:200]})",
                file=sys.stderr,
            )
        return EXIT_FAILED_REQUESTS
    return 0


def _cancel(engine: Any, run_id: int) -> int:
    from lib.core.identity import CLI_ACTOR
    from lib.runner.service import cancel_run

    status = cancel_run(engine, run_id, actor=CLI_ACTOR)
    if status == "cancelled":
        print(f"run {run_id} is cancelled; resume it with: python -m lib runs resume {run_id}")
    else:
        print(f"run {run_id} was asked to stop; it stops within a few seconds")
    return 0


def run(args: argparse.Namespace) -> int:
    from lib.core.db import get_engine

    engine = get_engine()
    if args.action == "list":
        return _list(engine, args.kind, args.json)
    if args.action == "show":
        return _show(engine, args.run, args.json)
    if args.action == "resume":
        return _resume(engine, args)
    return _cancel(engine, args.run)
