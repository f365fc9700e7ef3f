"""Leakage: the same prompt in a snapshot's training data and in its test (or valid) data.

A test example whose prompt the model saw in training measures memory, not skill, so test
scores look better than the model is. Prompts are compared after normalisation (case,
spacing, punctuation), like the conflicting-labels check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lib.checks.base import Finding, n_examples, rows_text
from lib.checks.quality import leaked_prompts

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclass(frozen=True, slots=True)
class _Split:
    prompts: list[str]
    example_ids: list[int | None]
    rows: list[int | None]


def _read(engine: Engine, snapshot_id: int, split: str) -> _Split:
    from lib.snapshots.service import iter_split

    prompts, ids, rows = [], [], []
    for example in iter_split(engine, snapshot_id, split):
        prompts.append(example.prompt)
        ids.append(example.example_id)
        rows.append(example.source_row)
    return _Split(prompts, ids, rows)


def snapshot_leakage(engine: Engine, snapshot_id: int) -> list[Finding]:
    """One finding per held-out split (valid, test) that shares prompts with train."""
    train = _read(engine, snapshot_id, "train")
    findings = []
    for split in ("test", "valid"):
        held = _read(engine, snapshot_id, split)
        pairs = leaked_prompts(train.prompts, held.prompts)
        if not pairs:
            continue
        leaked = sorted({test for _, test in pairs})
        rows = [r for r in (held.rows[i] for i in leaked) if r is not None]
        findings.append(
            Finding(
                check="leakage",
                severity="warning",
                message=f"{n_examples(len(leaked))} in {split} have the same prompt as a training "
                f"example ({rows_text(rows)} of the dataset). Scores on {split} will look better "
                "than the model is; make a new snapshot after removing the duplicates.",
                rows=rows,
                example_ids=[i for i in (held.example_ids[j] for j in leaked) if i is not None],
                details={"split": split, "pairs": len(pairs)},
                indexes=leaked,
            )
        )
    return findings
