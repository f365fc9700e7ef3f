"""``python -m lib jobs list|show|launch``: fine-tuning jobs, headless.

``launch`` goes through the same exactly-once launch as the Fine-tune screen: its key comes
from the settings, so the same command run twice at once (or again after a crash) makes one
job and says so; ``--again`` asks for another job with identical settings on purpose.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from lib.core.errors import UserError

HELP = "list, show or launch fine-tuning jobs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="every job, newest first (as last refreshed)")
    listing.add_argument("--json", action="store_true", help="one JSON array")
    show = sub.add_parser("show", help="refresh one job from its provider and print it")
    show.add_argument("job", type=int, metavar="ID", help="the job's number in Tunelab")
    show.add_argument("--events", type=int, default=20, help="how many last events (default 20)")
    launch = sub.add_parser("launch", help="fine-tune a model on a snapshot, exactly once")
    launch.add_argument("snapshot", type=int, metavar="SNAPSHOT", help="the snapshot's number")
    launch.add_argument("--provider", required=True, help="a provider's name as configured")
    launch.add_argument("--model", required=True, help="the base (or fine-tuned) model")
    launch.add_argument("--method", default="supervised", help="supervised (default) or dpo")
    launch.add_argument("--epochs", type=int, default=None, help="epochs (default: auto)")
    launch.add_argument("--batch-size", type=int, default=None, help="batch size (default: auto)")
    launch.add_argument(
        "--learning-rate-multiplier", type=float, default=None, help="default: auto"
    )
    launch.add_argument("--suffix", default=None, help="added to the resulting model's name")
    launch.add_argument("--seed", type=int, default=None, help="the provider's training seed")
    launch.add_argument(
        "--no-valid", action="store_true", help="do not upload the validation split"
    )
    launch.add_argument(
        "--override-warnings",
        action="store_true",
        help="launch although the format checks warned (errors always stop a launch)",
    )
    launch.add_argument(
        "--again", action="store_true", help="another job even if these settings made one"
    )
    launch.add_argument("--json", action="store_true", help="print the job as one JSON object")


def _job_json(job: Any) -> dict[str, Any]:
    return {
        "id": job.id, "status": job.status, "status_label": job.status_label,
        "provider": job.provider, "provider_job_id": job.provider_job_id,
        "snapshot_id": job.snapshot_id, "base_model": job.base_model, "method": job.method,
        "fine_tuned_model": job.fine_tuned_model, "created_by": job.created_by,
        "created_at": job.created_at.isoformat(timespec="seconds"), "error": job.error,
    }  # fmt: skip


def _list(as_json: bool) -> int:
    from lib.core.columns import text_table
    from lib.core.db import get_engine
    from lib.core.identity import CLI_ACTOR
    from lib.train.service import job_list

    jobs = job_list(get_engine(), actor=CLI_ACTOR)
    if as_json:
        print(json.dumps([_job_json(j) for j in jobs], ensure_ascii=False))
        return 0
    if not jobs:
        print("No fine-tuning jobs yet.")
        return 0
    print(
        text_table(
            ["id", "status", "provider", "base model", "resulting model"],
            [
                [str(j.id), j.status_label, j.provider, j.base_model, j.fine_tuned_model or "—"]
                for j in jobs
            ],
            right={0},
        )
    )
    return 0


def _show(job_id: int, n_events: int) -> int:
    from lib.core.db import get_engine
    from lib.core.identity import CLI_ACTOR
    from lib.train.service import refresh_job

    detail = refresh_job(get_engine(), job_id, secrets=None, actor=CLI_ACTOR)
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


def _launch(args: argparse.Namespace) -> int:
    from lib.core.db import get_engine
    from lib.core.identity import CLI_ACTOR
    from lib.train.service import LaunchRequest, launch_job, launch_plan

    hyperparameters = {
        name: value
        for name, value in (
            ("n_epochs", args.epochs),
            ("batch_size", args.batch_size),
            ("learning_rate_multiplier", args.learning_rate_multiplier),
        )
        if value is not None
    }
    request = LaunchRequest(
        snapshot_id=args.snapshot, provider=args.provider, model=args.model.strip(),
        method=args.method, hyperparameters=hyperparameters, suffix=args.suffix or None,
        seed=args.seed, use_valid=not args.no_valid,
    )  # fmt: skip
    engine = get_engine()
    plan = launch_plan(engine, request, actor=CLI_ACTOR)
    key = plan.again_key if args.again else plan.key
    result = launch_job(
        engine, request, key=key, secrets=None, override_warnings=args.override_warnings,
        actor=CLI_ACTOR,
    )  # fmt: skip
    job = result.job
    if args.json:
        print(json.dumps({**_job_json(job), "created": result.created, "message": result.message}))
    else:
        print(f"{result.message} Tunelab job {job.id} ({job.status_label}).")
        if not result.created and not args.again:
            print("These settings launched it before; --again launches another such job.")
    if job.error:
        raise UserError(f"job {job.id}: {job.error}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list(args.json)
    if args.action == "launch":
        return _launch(args)
    return _show(args.job, args.events)
