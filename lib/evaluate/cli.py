"""``python -m lib evaluate``: evaluate candidates on a test file, headless (CI pipelines).

A candidate is a model with the bare prompt (``--model M``) or a base model prompted with
instructions and K demonstrations from a training file (``--few-shot M=K --shots-from TRAIN``,
named ``M+K-shot``; ``--instructions`` replaces the default template, ``{labels}`` lists the
labels). The run is stored like one started from the app (so it appears under Results, and
``python -m lib runs resume RUN`` retries what failed).

A request that failed for good is not an answer: it is never scored, its example is left out
of every candidate's metrics (which say over how many examples they were computed), and the
command exits 1 when more requests failed than ``--max-failures`` allows (none by default),
with one line per kind of failure on stderr. Answers are stored per server, model and request:
a repeat against the same server is answered from the store (``reused`` says how many), never
from another server; ``--fresh`` asks again. With ``--base-url`` no key is sent unless
``--api-key-env NAME`` names the variable it comes from; ``OPENAI_API_KEY`` is sent only to
OpenAI's own API. ``--json`` prints exactly::

    {"run", "examples", "left_out", "reused", "fresh",
     "failures": {"<kind>": {"count", "reason", "example"}},
     "models": {"<candidate>": {"n", "failed", "accuracy", "invalid",
                 "per_class": {"<label>": {"precision", "recall", "f1", "support"}},
                 "confusion": {"labels": [...], "matrix": [[...]]},
                 "shots", "label_restricted_accuracy", "label_answers", "ece",
                 "prompt_tokens_mean", "completion_tokens_mean", "cost_per_1k", "priced_as",
                 "training_cost"}}}

with ``--reference R`` (one of the candidates), every other candidate also has ``"agreement"``
(share of examples whose normalised answer equals R's) and ``"agreement_kappa"`` (Cohen's
kappa with R; null when undefined). R's answers may come from the store: a model recorded
before it was shut down is answered from its recording.

labels normalised, matrix rows = gold, columns = predicted; ``n`` = examples scored
(``accuracy`` null when there is none); ``shots`` null for a bare prompt;
``ece`` null when the candidate never answered with a label; ``cost_per_1k`` (US dollars per
1,000 predictions from the run's mean tokens and the price table) null when no price is known.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lib.core.errors import UserError

HELP = "evaluate one or more models on a test file (chat or prompt/completion)"
EXIT_FAILED_REQUESTS = 1
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


@dataclass(frozen=True, slots=True)
class FailureBudget:
    """How many failed requests a run may have and still pass: a count or a share."""

    count: int | None = None
    share: float | None = None

    @classmethod
    def parse(cls, text: str) -> FailureBudget:
        value = text.strip()
        try:
            if value.endswith("%"):
                share = float(value[:-1]) / 100
                if not 0 <= share <= 1:
                    raise ValueError
                return cls(share=share)
            count = int(value)
            if count < 0:
                raise ValueError
            return cls(count=count)
        except ValueError:
            raise UserError(
                f"--max-failures takes a count (e.g. 3) or a share (e.g. 5%), not {text!r}"
            ) from None

    def allows(self, failed: int, total: int) -> bool:
        if self.share is not None:
            return failed <= self.share * total
        return failed <= (self.count or 0)

    def __str__(self) -> str:
        return f"{self.share * 100:g}%" if self.share is not None else str(self.count or 0)


class _InOrder(argparse.Action):
    """Collects ``--model`` and ``--few-shot`` in one list, in the order they were given (the
    first candidate is the reference the others are compared with)."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN204
        found = list(getattr(namespace, self.dest, None) or [])
        found.append((option_string, values))
        setattr(namespace, self.dest, found)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("test_file", type=Path, help="chat or prompt/completion test file")
    parser.add_argument(
        "--model", action=_InOrder, dest="candidates", default=[],
        help="a model with the bare prompt (repeat; candidates keep the command line's order)",
    )  # fmt: skip
    parser.add_argument(
        "--few-shot", action=_InOrder, dest="candidates", metavar="M=K",
        help="add candidate M+K-shot: K demonstrations from --shots-from and the labels listed",
    )  # fmt: skip
    parser.add_argument(
        "--shots-from", type=Path, default=None, help="training file the demonstrations come from"
    )
    parser.add_argument(
        "--instructions", default=None,
        help="instructions for --few-shot candidates ({labels} lists the labels)",
    )  # fmt: skip
    parser.add_argument(
        "--nearest", action="store_true",
        help="demonstrations: the K most similar to each test example (default: K fixed, stratified)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="seed for drawing demonstrations")
    parser.add_argument(
        "--base-url", default=None, help="an OpenAI-compatible API (no key sent unless named)"
    )
    parser.add_argument(
        "--api-key-env", default=None, metavar="NAME",
        help="environment variable holding the key to send to --base-url",
    )  # fmt: skip
    parser.add_argument(
        "--fresh", action="store_true", help="ask again instead of reusing stored answers"
    )
    parser.add_argument(
        "--max-failures", default="0", metavar="N|P%",
        help="failed requests allowed before the exit status is 1 (default 0)",
    )  # fmt: skip
    parser.add_argument(
        "--reference", default=None, metavar="CANDIDATE",
        help="compare every other candidate with this one's answers (agreement, kappa)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    parser.add_argument("--top-k", type=int, default=5, help="top logprobs per token (0–20)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests at the same time")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")


def _candidates(args: argparse.Namespace) -> list[Any]:
    from lib.evaluate.recipes import DEFAULT_INSTRUCTIONS, MAX_SHOTS, Recipe
    from lib.evaluate.requests import ModelSpec

    specs = []
    for option, item in args.candidates:
        if option == "--model":
            specs.append(
                ModelSpec(model=item, base_url=args.base_url, api_key_env=args.api_key_env)
            )
            continue
        model, equals, count = str(item).rpartition("=")
        if not equals or not model or not count.strip().isdigit():
            raise UserError(f"--few-shot {item!r}: write MODEL=K, e.g. gpt-4o-mini=8")
        recipe = Recipe(
            shots=int(count),
            instructions=args.instructions or DEFAULT_INSTRUCTIONS,
            selection="nearest" if args.nearest else "fixed",
            seed=args.seed,
        )
        if recipe.shots > MAX_SHOTS:
            raise UserError(f"--few-shot {item!r}: at most {MAX_SHOTS} demonstrations")
        specs.append(
            ModelSpec(
                model=model, base_url=args.base_url, recipe=recipe, api_key_env=args.api_key_env
            )
        )
    if not specs:
        raise UserError("name at least one candidate: --model M or --few-shot M=K")
    return specs


def _money(value: float | None) -> str:
    return "unknown price" if value is None else f"${value:.4f}/1k"


def failure_lines(data: Any) -> list[str]:
    """One line per kind of failure: how many, what to do, and one provider message."""
    from lib.runner.service import FAILURE_REASONS

    lines = []
    for kind, predictions in sorted(data.failures_by_kind().items(), key=lambda kv: -len(kv[1])):
        example = (predictions[0].error or "").splitlines()[0][:200]
        lines.append(
            f"{len(predictions)} request(s) failed: {kind}: {FAILURE_REASONS[kind]} ({example})"
        )
    return lines


def _run_json(data: Any) -> dict[str, Any]:
    """The run-wide part of ``--json``: what was scored, left out, reused, and why."""
    from lib.runner.service import FAILURE_REASONS

    return {
        "run": data.run.id,
        "examples": data.n,
        "left_out": data.left_out,
        "reused": data.reused,
        "fresh": bool(data.run.settings.get("fresh")),
        "failures": {
            kind: {
                "count": len(found),
                "reason": FAILURE_REASONS[kind],
                "example": (found[0].error or "")[:500],
            }
            for kind, found in data.failures_by_kind().items()
        },
    }


def run(args: argparse.Namespace) -> int:
    from lib.core.db import get_engine
    from lib.evaluate import testset as tests
    from lib.evaluate.candidates import calibration_or_none, measured_costs
    from lib.evaluate.compare import as_json
    from lib.evaluate.reference import agreement
    from lib.evaluate.results import load, reports
    from lib.evaluate.runs import create_evaluation, run_evaluation
    from lib.runner import service as runner

    if not args.test_file.is_file():
        raise UserError(f"{args.test_file}: no such file")
    if not 1 <= args.concurrency <= 256:
        raise UserError("--concurrency must be between 1 and 256")
    if args.api_key_env and not args.base_url:
        raise UserError("--api-key-env names the key for --base-url; give --base-url too")
    if args.api_key_env and not _ENV_NAME.match(args.api_key_env):
        raise UserError("--api-key-env takes the NAME of an environment variable, not a key")
    budget = FailureBudget.parse(args.max_failures)
    specs = _candidates(args)
    if args.reference is not None and args.reference not in {s.name for s in specs}:
        raise UserError(f"--reference {args.reference!r} must be one of the candidates")
    shots = None
    if args.shots_from is not None:
        if not args.shots_from.is_file():
            raise UserError(f"{args.shots_from}: no such file")
        shots = tests.from_file(args.shots_from, file_name=str(args.shots_from))
    testset = tests.from_file(args.test_file, file_name=str(args.test_file))
    engine = get_engine()
    run_id = create_evaluation(
        engine, testset, specs, created_by="command line", task="classification",
        top_k=args.top_k, shots_from=shots, fresh=args.fresh,
    )  # fmt: skip
    options = runner.RunOptions(concurrency=args.concurrency, timeout_s=args.timeout)
    progress = run_evaluation(engine, run_id, options=options)
    data = load(engine, run_id)
    by_model = reports(data)
    costs = measured_costs(engine, data)
    calibrations = {m: calibration_or_none(data, m) for m in data.models}
    agreements = {} if args.reference is None else agreement(data, args.reference)
    if args.json:
        out = {}
        for m, report in by_model.items():
            cal = calibrations[m]
            out[m] = {
                **report.as_json(),
                **as_json(costs[m]),
                "label_answers": costs[m].label_answers,
                "ece": None if cal is None else cal.ece,
                "failed": data.failed_count(m),
                # Over no example there is no accuracy: null, never a 0 that reads as a score.
                **({} if report.n else {"accuracy": None}),
                **(agreements[m].as_json() if m in agreements else {}),
            }
        print(json.dumps({**_run_json(data), "models": out}, ensure_ascii=False))
        return _exit_status(data, progress, budget, run_id)
    for model, report in by_model.items():
        cost, cal = costs[model], calibrations[model]
        if not report.n:
            print(f"{model}: n=0 failed={data.failed_count(model)}: no example was scored")
            continue
        ece = "no label answers" if cal is None else f"{cal.ece:.4f}"
        print(
            f"{model}: n={report.n} failed={data.failed_count(model)} "
            f"accuracy={report.accuracy:.4f} "
            f"label-restricted={cost.label_restricted_accuracy:.4f} invalid={report.invalid} "
            f"macro-F1={report.macro.f1:.4f} ECE={ece} "
            f"prompt-tokens={cost.prompt_tokens_mean:.1f} cost={_money(cost.cost_per_1k)}"
        )
        if model in agreements:
            found = agreements[model]
            print(
                f"  agreement with {args.reference}={found.agreement:.4f} "
                f"kappa={found.kappa:.4f} disagreements={len(found.disagreements)}"
            )
        for label, scores in report.per_class.items():
            print(
                f"  {label!r:>20} precision={scores.precision:.3f} recall={scores.recall:.3f} f1={scores.f1:.3f} support={scores.support}"
            )
    print(
        f"metrics over {data.n} of {data.n + data.left_out + data.pending} examples"
        f" ({data.left_out} left out: a request failed); {progress.done - data.reused}"
        f" new answers, {data.reused} reused from earlier runs of the same server"
    )
    print(f"run {run_id} is stored; open Results in the app for charts")
    return _exit_status(data, progress, budget, run_id)


def _exit_status(data: Any, progress: Any, budget: FailureBudget, run_id: int) -> int:
    """0, or 1 with the reasons on stderr when more requests failed than the budget allows."""
    for line in failure_lines(data):
        print(f"error: {line}", file=sys.stderr)
    if progress.failed and not budget.allows(progress.failed, progress.total):
        print(
            f"error: {progress.failed} of {progress.total} requests failed (allowed: {budget});"
            f" retry them with: python -m lib runs resume {run_id}",
            file=sys.stderr,
        )
        return EXIT_FAILED_REQUESTS
    return 0
