"""Sending examples an evaluation finds suspicious back to the review queue.

Only examples with lineage (a snapshot row that names its dataset example) can go back; each
is flagged with a "check label: …" comment, all as ONE revision batch (one undo). An example
changed since the snapshot is still flagged: the flag is about the label the model disputes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from lib.core.errors import NotFoundError, UserError
from lib.core.example_store import Change, apply_changes, get_example
from lib.evaluate.results import Prediction


@dataclass(frozen=True, slots=True)
class SentToReview:
    batches: dict[int, int | None]  # dataset id → revision batch id (None: nothing changed)
    flagged: int
    skipped_no_lineage: int
    skipped_missing: int


def comment_for(prediction: Prediction) -> str:
    return (
        f"check label: the model {prediction.model} answered {prediction.label!r} "
        f"(p={prediction.p_label:.2f}); the label is {prediction.gold!r}"
    )


def send_to_review(
    engine: Engine, predictions: Sequence[Prediction], *, author: str
) -> SentToReview:
    """Flag the examples behind ``predictions`` with a "check label" comment (one batch per
    dataset — an evaluation's test set comes from one dataset, so normally one batch)."""
    if not (author or "").strip():
        raise UserError("choose a reviewer name first: every change records who made it")
    by_dataset: dict[int, list[Change]] = defaultdict(list)
    no_lineage = missing = 0
    seen: set[int] = set()
    with engine.connect() as conn:
        for prediction in predictions:
            if prediction.example_id is None or prediction.dataset_id is None:
                no_lineage += 1
                continue
            if prediction.example_id in seen:
                continue
            try:
                current = get_example(conn, prediction.example_id)
            except NotFoundError:
                missing += 1
                continue
            if current.deleted:
                missing += 1
                continue
            seen.add(prediction.example_id)
            by_dataset[current.dataset_id].append(
                Change(
                    example_id=current.id,
                    expected_version=current.version,
                    status="flagged",
                    comment=comment_for(prediction),
                )
            )
    if not by_dataset:
        raise UserError(
            "none of these examples can go back to review: they did not come from a dataset "
            "(an uploaded test file) or were deleted since"
        )
    batches = {
        dataset_id: apply_changes(
            engine, dataset_id, changes, author=author, reason="evaluation: check label"
        )
        for dataset_id, changes in by_dataset.items()
    }
    flagged = sum(len(c) for c in by_dataset.values())
    return SentToReview(batches, flagged, no_lineage, missing)
