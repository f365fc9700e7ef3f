"""Evaluation: test sets × models through the request runner, then metrics and charts.

- :mod:`lib.evaluate.testset` — a snapshot's split or a test file, with gold answers.
- :mod:`lib.evaluate.requests` — prompts formatted as in training; which endpoint per model.
- :mod:`lib.evaluate.runs` — create, run, resume an evaluation; ``runs_for_model`` lineage.
- :mod:`lib.evaluate.results` — predictions aligned per example and the metrics on them.
- :mod:`lib.evaluate.review` — suspicious examples back to the review queue.
- :mod:`lib.evaluate.votes` — blind A/B preferences of reviewers.
- :mod:`lib.evaluate.report` — HTML report and CSV of predictions.
"""

from lib.evaluate.requests import ModelSpec
from lib.evaluate.runs import KIND, create_evaluation, run_evaluation, runs_for_model, start

__all__ = ["KIND", "ModelSpec", "create_evaluation", "run_evaluation", "runs_for_model", "start"]
