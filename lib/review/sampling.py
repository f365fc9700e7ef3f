"""Random-sample review: a seeded sample of N examples, stored so that progress survives
reloads, and the error rate of the whole dataset estimated from it (95 % Wilson interval).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lib.core.db import inserted_id
from lib.core.errors import NotFoundError, UserError
from lib.core.example_store import Change, ExampleRow, update_example
from lib.core.stats import Interval, wilson_interval
from lib.core.tables import examples, utcnow
from lib.review.tables import review_sample_items, review_samples

MAX_SAMPLE = 10_000
OUTCOMES = ("approved", "rejected", "flagged")
ERROR_OUTCOMES = ("rejected", "flagged")


@dataclass(frozen=True, slots=True)
class SampleInfo:
    id: int
    dataset_id: int
    kind: str
    name: str
    seed: int
    n: int
    population: int
    reviewers: tuple[str, ...]
    created_by: str


@dataclass(frozen=True, slots=True)
class Progress:
    n: int
    reviewed: int
    errors: int  # rejected or flagged

    @property
    def done(self) -> bool:
        return self.n > 0 and self.reviewed >= self.n

    def error_rate(self) -> Interval | None:
        """Estimated share of bad examples in the whole dataset (None before any verdict)."""
        return wilson_interval(self.errors, self.reviewed) if self.reviewed else None


def _require(name: str | None, what: str = "reviewer name") -> str:
    clean = (name or "").strip()
    if not clean:
        raise UserError(f"choose a {what} first: every change records who made it")
    return clean


def draw_sample(
    engine: Engine,
    dataset_id: int,
    *,
    n: int,
    seed: int,
    author: str,
    kind: str = "random",
    reviewers: tuple[str, ...] = (),
    name: str | None = None,
) -> int:
    """Store a seeded random sample of ``n`` live examples; the same seed draws the same ids."""
    who = _require(author)
    if not 1 <= n <= MAX_SAMPLE:
        raise UserError(f"a sample holds 1 to {MAX_SAMPLE:,} examples")
    with engine.begin() as conn:
        ids = list(
            conn.execute(
                sa.select(examples.c.id)
                .where(examples.c.dataset_id == dataset_id, examples.c.deleted.is_(False))
                .order_by(examples.c.id)
            ).scalars()
        )
        if not ids:
            raise UserError("the dataset has no examples to sample")
        chosen = random.Random(seed).sample(ids, min(n, len(ids)))
        sample_id = inserted_id(
            conn.execute(
                review_samples.insert().values(
                    dataset_id=dataset_id,
                    kind=kind,
                    name=name or f"{kind} sample of {len(chosen)} (seed {seed})",
                    seed=seed,
                    n=len(chosen),
                    population=len(ids),
                    reviewers=json.dumps(list(reviewers), ensure_ascii=False),
                    created_by=who,
                    created_at=utcnow(),
                )
            )
        )
        conn.execute(
            review_sample_items.insert(),
            [
                {"sample_id": sample_id, "position": i, "example_id": example_id}
                for i, example_id in enumerate(chosen)
            ],
        )
    return sample_id


def _info(row: sa.Row) -> SampleInfo:
    return SampleInfo(
        id=row.id,
        dataset_id=row.dataset_id,
        kind=row.kind,
        name=row.name,
        seed=row.seed,
        n=row.n,
        population=row.population,
        reviewers=tuple(json.loads(row.reviewers or "[]")),
        created_by=row.created_by,
    )


def get_sample(conn: Connection, sample_id: int) -> SampleInfo:
    row = conn.execute(sa.select(review_samples).where(review_samples.c.id == sample_id)).first()
    if row is None:
        raise NotFoundError(f"review sample {sample_id} does not exist")
    return _info(row)


def list_samples(conn: Connection, dataset_id: int, *, kind: str) -> list[SampleInfo]:
    query = (
        sa.select(review_samples)
        .where(review_samples.c.dataset_id == dataset_id, review_samples.c.kind == kind)
        .order_by(review_samples.c.id.desc())
    )
    return [_info(row) for row in conn.execute(query)]


def sample_ids(conn: Connection, sample_id: int) -> list[int]:
    """The sample's example ids in sample order."""
    query = (
        sa.select(review_sample_items.c.example_id)
        .where(review_sample_items.c.sample_id == sample_id)
        .order_by(review_sample_items.c.position)
    )
    return list(conn.execute(query).scalars())


def progress(conn: Connection, sample_id: int) -> Progress:
    items = review_sample_items.c
    row = conn.execute(
        sa.select(
            sa.func.count().label("n"),
            sa.func.count(items.outcome).label("reviewed"),
            sa.func.sum(sa.case((items.outcome.in_(ERROR_OUTCOMES), 1), else_=0)).label("errors"),
        ).where(items.sample_id == sample_id)
    ).one()
    return Progress(n=row.n, reviewed=row.reviewed, errors=int(row.errors or 0))


def next_position(conn: Connection, sample_id: int) -> int | None:
    """Position of the first example without a verdict (None when the sample is done)."""
    items = review_sample_items.c
    return conn.execute(
        sa.select(sa.func.min(items.position)).where(
            items.sample_id == sample_id, items.outcome.is_(None)
        )
    ).scalar_one_or_none()


def outcome_of(conn: Connection, sample_id: int, example_id: int) -> str | None:
    items = review_sample_items.c
    return conn.execute(
        sa.select(items.outcome).where(items.sample_id == sample_id, items.example_id == example_id)
    ).scalar_one_or_none()


def record_verdict(
    engine: Engine,
    sample_id: int,
    example: ExampleRow,
    *,
    outcome: str,
    author: str,
    comment: str | None = None,
) -> ExampleRow:
    """Approve, reject or flag a sampled example: the example's status (a revision) and the
    sample's tally. Refuses a stale example version like every other save."""
    who = _require(author)
    if outcome not in OUTCOMES:
        raise UserError(f"unknown verdict {outcome!r}; use one of {', '.join(OUTCOMES)}")
    items = review_sample_items.c
    with engine.connect() as conn:
        member = conn.execute(
            sa.select(items.id).where(items.sample_id == sample_id, items.example_id == example.id)
        ).first()
    if member is None:
        raise UserError(f"example {example.id} is not in review sample {sample_id}")
    change = Change(example_id=example.id, expected_version=example.version, status=outcome)
    if comment is not None:
        change = Change(example.id, example.version, status=outcome, comment=comment or None)
    updated = update_example(
        engine,
        change,
        author=who,
        reason=f"sample review: {outcome}",
    )
    with engine.begin() as conn:
        conn.execute(
            review_sample_items.update()
            .where(items.id == member.id)
            .values(outcome=outcome, decided_by=who, decided_at=utcnow())
        )
    return updated
