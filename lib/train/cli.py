"""``python -m lib jobs list|show ID``: the fine-tuning jobs in the store, and one in detail."""

from __future__ import annotations

import argparse

HELP = "list fine-tuning jobs, or show one (status, model, metrics, events) after refreshing it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", help="every job, newest first (as last refreshed)")
    show = sub.add_parser("show", help="refresh one job from its provider and print it")
    show.add_argument("job", type=int, metavar="ID", help="the job's number in Tunelab")
    show.add_argument("--events", type=int, default=20, help="how many last events (default 20)")


def _list() -> int:
    from lib.core.db import get_engine
    from lib.train import list_jobs

    with get_engine().connect() as conn:
        jobs = list_jobs(conn)
    if not jobs:
        print("No fine-tuning jobs yet.")
        return 0
    print(f"{'id':>4}  {'status':<16}{'provider':<20}{'base model':<28}resulting model")
    for job in jobs:
        print(
            f"{job.id:>4}  {job.status_label:<16}{job.provider[:19]:<20}"
            f"{job.base_model[:27]:<28}{job.fine_tuned_model or '—'}"
        )
    return 0


def _show(job_id: int, n_events: int) -> int:
    from lib.core.db import get_engine
    from lib.train import refresh_job

    detail = refresh_job(get_engine(), job_id)
    job = detail.job
    if detail.problem:
        print(f"Note: {detail.problem} (showing the last known state)")
    lines = [
        f"Job {job.id}: {job.status_label}",
        f"Provider: {job.provider} (job {job.provider_job_id or 'not created yet'})",
        f"Base model: {job.base_model}; method: {job.method}",
        f"Snapshot: #{job.snapshot_id} {job.snapshot_name or ''}".rstrip(),
        f"Resulting model: {job.fine_tuned_model or '—'}",
        f"Trained tokens: {job.trained_tokens if job.trained_tokens is not None else '—'}",
    ]
    if job.error:
        lines.append(f"Error: {job.error}")
    if detail.metrics:
        last = detail.metrics[-1]
        values = ", ".join(f"{k} {v:.4g}" for k, v in last.items() if k != "step")
        lines.append(
            f"Last metrics (step {last['step']}, from the {detail.metrics_source}): {values}"
        )
    print("\n".join(lines))
    if detail.events and n_events > 0:
        print("Events:")
        for line in detail.event_log.splitlines()[-n_events:]:
            print("  " + line)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list()
    return _show(args.job, args.events)
