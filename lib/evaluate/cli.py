"""``python -m lib evaluate``: evaluate models on a test file, headless (CI pipelines).

The run is stored like one started from the app (so it appears under Results, and a repeat
is answered from the store). ``--json`` prints exactly::

    {"models": {"<model>": {"n", "accuracy", "invalid",
                            "per_class": {"<label>": {"precision", "recall", "f1", "support"}},
                            "confusion": {"labels": [...], "matrix": [[...]]}}}}

labels normalised, matrix rows = gold, columns = predicted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lib.core.errors import UserError

HELP = "evaluate one or more models on a test file (chat or prompt/completion)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("test_file", type=Path, help="chat or prompt/completion test file")
    parser.add_argument("--model", action="append", required=True, help="a model (repeat for more)")
    parser.add_argument(
        "--base-url", default=None, help="an OpenAI-compatible API (key from OPENAI_API_KEY)"
    )
    parser.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    parser.add_argument("--top-k", type=int, default=5, help="top logprobs per token (0–20)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests at the same time")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")


def run(args: argparse.Namespace) -> int:
    from lib import runner
    from lib.core.db import get_engine
    from lib.evaluate import testset as tests
    from lib.evaluate.requests import ModelSpec
    from lib.evaluate.results import load, reports
    from lib.evaluate.runs import create_evaluation, run_evaluation

    if not args.test_file.is_file():
        raise UserError(f"{args.test_file}: no such file")
    if not 1 <= args.concurrency <= 256:
        raise UserError("--concurrency must be between 1 and 256")
    testset = tests.from_file(args.test_file, file_name=str(args.test_file))
    engine = get_engine()
    specs = [ModelSpec(model=m, base_url=args.base_url) for m in args.model]
    run_id = create_evaluation(
        engine, testset, specs, created_by="command line", task="classification", top_k=args.top_k
    )
    options = runner.RunOptions(concurrency=args.concurrency, timeout_s=args.timeout)
    progress = run_evaluation(engine, run_id, options=options)
    if progress.failed:
        print(f"warning: {progress.failed} request(s) failed; counted as invalid", file=sys.stderr)
    data = load(engine, run_id)
    by_model = reports(data)
    if args.json:
        print(
            json.dumps(
                {"models": {m: r.as_json() for m, r in by_model.items()}}, ensure_ascii=False
            )
        )
        return 0
    for model, report in by_model.items():
        print(
            f"{model}: n={report.n} accuracy={report.accuracy:.4f} invalid={report.invalid} macro-F1={report.macro.f1:.4f}"
        )
        for label, scores in report.per_class.items():
            print(
                f"  {label!r:>20} precision={scores.precision:.3f} recall={scores.recall:.3f} f1={scores.f1:.3f} support={scores.support}"
            )
    print(f"run {run_id} is stored; open Results in the app for charts")
    return 0
