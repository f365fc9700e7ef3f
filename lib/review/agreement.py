"""Blind double review: two (or more) reviewers label the same sample without seeing each
other's labels; Cohen's kappa per pair; disagreements settled by a third person.

Per-reviewer labels live in ``review_labels`` (not on the example) so that neither reviewer's
label leaks into what the other sees; only settling writes a label to the example, as a
revision.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lib.core.errors import UserError
from lib.core.example_store import Change, ExampleRow, update_example
from lib.core.stats import cohen_kappa
from lib.core.tables import utcnow
from lib.datasets.service import get_dataset
from lib.review.edit import with_label
from lib.review.sampling import draw_sample, get_sample
from lib.review.tables import review_labels, review_sample_items

MAX_LABEL_LENGTH = 2_000


@dataclass(frozen=True, slots=True)
class PairAgreement:
    reviewer_a: str
    reviewer_b: str
    n_common: int
    agreement: float  # share of common items with the same label
    kappa: float  # NaN when undefined (see stats.cohen_kappa)


@dataclass(frozen=True, slots=True)
class Disagreement:
    example_id: int
    labels: dict[str, str]  # reviewer -> label
    settled_label: str | None
    settled_by: str | None


def _clean(name: str | None) -> str:
    clean = (name or "").strip()
    if not clean:
        raise UserError("choose a reviewer name first: every label records who gave it")
    return clean


def start_double_review(
    engine: Engine,
    dataset_id: int,
    *,
    n: int,
    seed: int,
    reviewers: tuple[str, ...],
    author: str,
) -> int:
    """Assign a seeded sample of ``n`` examples to the named reviewers (at least two)."""
    names = tuple(dict.fromkeys(_clean(r) for r in reviewers))
    if len(names) < 2:
        raise UserError("a double review needs two different reviewers")
    with engine.connect() as conn:
        if get_dataset(conn, dataset_id).schema == "preference":
            raise UserError("preference (DPO) examples have no label to double-review")
    return draw_sample(
        engine,
        dataset_id,
        n=n,
        seed=seed,
        author=author,
        kind="double",
        reviewers=names,
        name=f"double review by {' & '.join(names)} ({n}, seed {seed})",
    )


def _assigned(conn: Connection, sample_id: int, reviewer: str) -> None:
    info = get_sample(conn, sample_id)
    if info.kind != "double":
        raise UserError(f"sample {sample_id} is not a double review")
    if reviewer not in info.reviewers:
        raise UserError(
            f"{reviewer!r} is not one of this double review's reviewers "
            f"({', '.join(info.reviewers)}); set your name in the sidebar"
        )


def set_label(
    engine: Engine, sample_id: int, example_id: int, *, reviewer: str, label: str
) -> None:
    """Record (or change) one reviewer's own label for one sampled example."""
    who = _clean(reviewer)
    text = (label or "").strip()
    if not text:
        raise UserError("the label is empty")
    if len(text) > MAX_LABEL_LENGTH:
        raise UserError(f"a label can have at most {MAX_LABEL_LENGTH:,} characters")
    now = utcnow()
    with engine.begin() as conn:
        _assigned(conn, sample_id, who)
        in_sample = conn.execute(
            sa.select(review_sample_items.c.id).where(
                review_sample_items.c.sample_id == sample_id,
                review_sample_items.c.example_id == example_id,
            )
        ).first()
        if in_sample is None:
            raise UserError(f"example {example_id} is not in double review {sample_id}")
        c = review_labels.c
        where = (c.sample_id == sample_id, c.example_id == example_id, c.reviewer == who)
        updated = conn.execute(
            review_labels.update().where(*where).values(label=text, updated_at=now)
        )
        if updated.rowcount == 0:
            conn.execute(
                review_labels.insert().values(
                    sample_id=sample_id,
                    example_id=example_id,
                    reviewer=who,
                    label=text,
                    created_at=now,
                    updated_at=now,
                )
            )


def own_labels(conn: Connection, sample_id: int, *, reviewer: str) -> dict[int, str]:
    """Only this reviewer's labels: what the blind view may show them."""
    c = review_labels.c
    query = sa.select(c.example_id, c.label).where(c.sample_id == sample_id, c.reviewer == reviewer)
    return {row.example_id: row.label for row in conn.execute(query)}


def _all_labels(conn: Connection, sample_id: int) -> dict[int, dict[str, str]]:
    c = review_labels.c
    by_example: dict[int, dict[str, str]] = {}
    for row in conn.execute(
        sa.select(c.example_id, c.reviewer, c.label).where(c.sample_id == sample_id)
    ):
        by_example.setdefault(row.example_id, {})[row.reviewer] = row.label
    return by_example


def kappa_by_pair(conn: Connection, sample_id: int) -> list[PairAgreement]:
    """Cohen's kappa and raw agreement for every pair of reviewers over their common items."""
    labels = _all_labels(conn, sample_id)
    reviewers = sorted({r for per in labels.values() for r in per})
    result = []
    for a, b in itertools.combinations(reviewers, 2):
        common = [(per[a], per[b]) for per in labels.values() if a in per and b in per]
        if not common:
            result.append(PairAgreement(a, b, 0, math.nan, math.nan))
            continue
        xs, ys = zip(*common, strict=True)
        agreement = sum(x == y for x, y in common) / len(common)
        result.append(PairAgreement(a, b, len(common), agreement, cohen_kappa(xs, ys)))
    return result


def disagreements(conn: Connection, sample_id: int) -> list[Disagreement]:
    """Sampled examples whose reviewers gave different labels, in sample order."""
    labels = _all_labels(conn, sample_id)
    items = review_sample_items.c
    rows = conn.execute(
        sa.select(items.example_id, items.settled_label, items.settled_by)
        .where(items.sample_id == sample_id)
        .order_by(items.position)
    )
    return [
        Disagreement(row.example_id, labels[row.example_id], row.settled_label, row.settled_by)
        for row in rows
        if len(set(labels.get(row.example_id, {}).values())) > 1
    ]


def settle(
    engine: Engine,
    sample_id: int,
    example: ExampleRow,
    *,
    label: str,
    author: str,
) -> ExampleRow:
    """A third person settles a disagreement: the label is written to the example (a revision)."""
    who = _clean(author)
    text = (label or "").strip()
    if not text:
        raise UserError("the settled label is empty")
    with engine.connect() as conn:
        info = get_sample(conn, sample_id)
        schema = get_dataset(conn, example.dataset_id).schema
    if who in info.reviewers:
        raise UserError(f"{who} labelled this sample; a disagreement is settled by a third person")
    updated = update_example(
        engine,
        Change(
            example_id=example.id,
            expected_version=example.version,
            data=with_label(schema, example.data, text),
            status="approved",
        ),
        author=who,
        reason=f"double review settled as {text!r}",
    )
    items = review_sample_items.c
    with engine.begin() as conn:
        conn.execute(
            review_sample_items.update()
            .where(items.sample_id == sample_id, items.example_id == example.id)
            .values(settled_label=text, settled_by=who, settled_at=utcnow())
        )
    return updated
