"""Evaluation: test sets × models through the request runner, then metrics and charts.

- :mod:`lib.evaluate.testset` — a snapshot's split or a test file, with gold answers.
- :mod:`lib.evaluate.requests` — prompts formatted as in training; which endpoint per model;
  candidates (:class:`ModelSpec` = model + optional prompt recipe).
- :mod:`lib.evaluate.recipes` — prompt recipes: instructions, system message, K demonstrations.
- :mod:`lib.evaluate.compare` / :mod:`lib.evaluate.candidates` — measured accuracy and cost per
  candidate, break-even of fine-tuning against prompting.
- :mod:`lib.evaluate.runs` — create, run, resume an evaluation; ``runs_for_model`` lineage.
- :mod:`lib.evaluate.results` — predictions aligned per example and the metrics on them.
- :mod:`lib.evaluate.review` — suspicious examples back to the review queue.
- :mod:`lib.evaluate.votes` — blind A/B preferences of reviewers.
- :mod:`lib.evaluate.report` — HTML report and CSV of predictions.
"""

from typing import TYPE_CHECKING

from lib.core.lazy import lazy_exports

if TYPE_CHECKING:
    from lib.evaluate.requests import ModelSpec
    from lib.evaluate.runs import KIND, create_evaluation, run_evaluation, runs_for_model, start

lazy_exports(
    __name__,
    {
        "ModelSpec": "lib.evaluate.requests",
        "KIND": "lib.evaluate.runs",
        "create_evaluation": "lib.evaluate.runs",
        "run_evaluation": "lib.evaluate.runs",
        "runs_for_model": "lib.evaluate.runs",
        "start": "lib.evaluate.runs",
    },
)

__all__ = ["KIND", "ModelSpec", "create_evaluation", "run_evaluation", "runs_for_model", "start"]
