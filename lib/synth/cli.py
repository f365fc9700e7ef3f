"""``python -m lib synth``: generate a synthetic dataset from a template, headless.

The specification is a JSON file with the keys of :class:`lib.synth.plan.SynthSpec`
(``generation_template``, ``training_template``, ``values`` {placeholder: [values]},
``samples``, ``provider`` (a provider's name, default the built-in engine), ``model``,
``temperature``, ``max_tokens``, ``system``, ``training_system``, ``output`` ("completion" or
"chat"), ``dataset_name``, ``seed``, ``near_duplicate``), or ``--demo`` for the marketing example.
The run is stored like one started from the app: ``--resume RUN`` carries on after a stop.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from lib.core.errors import ReadError, UserError

HELP = "generate a synthetic dataset from a template and lists of values"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("spec", nargs="?", type=Path, help="JSON file with the specification")
    source.add_argument("--demo", action="store_true", help="the marketing example (162 requests)")
    source.add_argument("--resume", type=int, metavar="RUN", help="resume a stored synthetic run")
    parser.add_argument("--name", help="name of the new dataset (overrides the file)")
    parser.add_argument("--model", help="generating model (overrides the file)")
    parser.add_argument("--provider", help="provider name as configured in the app")
    parser.add_argument("--dry-run", action="store_true", help="show the estimate, send nothing")
    parser.add_argument(
        "--fresh", action="store_true", help="ask again instead of reusing stored answers"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="requests at the same time")
    parser.add_argument(
        "--allow-partial", action="store_true", help="make the dataset even if requests failed"
    )
    parser.add_argument("--author", default="command line", help="recorded as who made it")


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReadError(str(path), f"not valid JSON: {exc.msg}", line=exc.lineno) from exc
    if not isinstance(data, dict):
        raise ReadError(str(path), "the specification must be a JSON object")
    return data


def _spec(args: argparse.Namespace) -> Any:
    from lib.synth import SynthSpec, demo

    if args.demo:
        data: dict[str, Any] = {
            "generation_template": demo.GENERATION_TEMPLATE,
            "training_template": demo.TRAINING_TEMPLATE,
            "values": demo.values(),
            "samples": demo.SAMPLES,
            "temperature": demo.TEMPERATURE,
            "max_tokens": demo.MAX_TOKENS,
            "dataset_name": demo.DATASET_NAME,
        }
    else:
        data = _load(args.spec)
    for key, value in (("dataset_name", args.name), ("model", args.model)):
        if value:
            data[key] = value
    if args.provider:
        data["provider"] = args.provider
    try:
        return SynthSpec.from_json(data)
    except UserError as exc:
        raise UserError(f"{args.spec}: {exc}") from exc


def _print_progress(progress: Any) -> None:
    print(f"\r{progress.done + progress.failed}/{progress.total} requests", end="", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from lib import synth
    from lib.core.db import get_engine
    from lib.core.pricing import get_price_table
    from lib.providers.service import get_provider
    from lib.runner import service as runner

    if args.spec is not None and not args.spec.is_file():
        raise UserError(f"{args.spec}: no such file")
    if not 1 <= args.concurrency <= 256:
        raise UserError("--concurrency must be between 1 and 256")
    engine = get_engine()
    if args.resume is not None:
        run_id = args.resume
        synth.spec_of_run(engine, run_id)  # refuses a run that is not synthetic
    else:
        spec = _spec(args)
        plan = synth.make_plan(spec)
        config = get_provider(engine, spec.provider)
        with engine.connect() as conn:
            table = get_price_table(conn)
        estimate = synth.estimate(
            plan, table=table, provider_kind=config.kind, provider_name=config.name
        )
        print(estimate.summary())
        for warning in plan.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if args.dry_run:
            for row in plan.preview(n=3):
                print(f"--- {row.training_prompt}\n{row.generation_prompt}")
            return 0
        run_id = synth.create_synthetic_run(engine, spec, created_by=args.author, fresh=args.fresh)
        print(f"run {run_id} stored; resume it with: python -m lib synth --resume {run_id}")
    options = runner.RunOptions(concurrency=args.concurrency)
    progress = synth.run_synthetic(engine, run_id, options=options, on_progress=_print_progress)
    print(file=sys.stderr)
    if progress.failed:
        print(f"warning: {progress.failed} request(s) failed", file=sys.stderr)
    result = synth.finish(engine, run_id, author=args.author, allow_partial=args.allow_partial)
    print(
        f"dataset {result.dataset_id} {result.name!r}: {result.n_examples} examples, "
        f"{result.n_flagged} flagged for review"
    )
    return 0
