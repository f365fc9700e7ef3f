"""Review queues in the store: which examples go to whom, each reviewer's own label, progress,
and agreement per pair of reviewers (SQL and arithmetic; the rules are in ``service``).

With overlap N every example of the queue goes to N different reviewers, spread round-robin so
that each reviewer gets about the same share and each pair of reviewers shares examples to
compare. A reviewer's label stays in ``queue_assignments`` (never on the example) until the
example is settled, so no reviewer sees another's label first.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lib.access.tables import queue_assignments, queue_settled, review_queues
from lib.core.errors import NotFoundError, UserError
from lib.core.stats import cohen_kappa
from lib.core.tables import examples, utcnow

MAX_QUEUE = 50_000
MAX_LABEL_LENGTH = 2_000


@dataclass(frozen=True, slots=True)
class Selection:
    """Which examples of a dataset a queue holds: all live ones, a filtered subset, a sample."""

    label: str | None = None
    status: str | None = None
    contains: str | None = None
    sample: int | None = None  # draw this many at random from what the filters leave
    seed: int = 0

    def describe(self) -> str:
        parts = []
        if self.label is not None:
            parts.append(f"label = {self.label}")
        if self.status:
            parts.append(f"status = {self.status}")
        if self.contains:
            parts.append(f"text contains {self.contains}")
        what = "all examples" if not parts else "examples where " + " and ".join(parts)
        if self.sample:
            what = f"random sample of {self.sample} (seed {self.seed}) of {what}"
        return what


@dataclass(frozen=True, slots=True)
class QueueInfo:
    id: int
    dataset_id: int
    name: str
    overlap: int
    scope: str
    created_by: str
    created_at: datetime
    reviewers: tuple[str, ...]
    n_examples: int


@dataclass(frozen=True, slots=True)
class ReviewerProgress:
    person: str
    assigned: int
    labelled: int

    @property
    def done(self) -> bool:
        return self.assigned > 0 and self.labelled >= self.assigned


@dataclass(frozen=True, slots=True)
class PairAgreement:
    reviewer_a: str
    reviewer_b: str
    n_common: int
    agreement: float  # share of examples both labelled with the same label (NaN if none)
    kappa: float  # Cohen's kappa over those examples (NaN when undefined)


@dataclass(frozen=True, slots=True)
class Item:
    """One example of a reviewer's queue as that reviewer may see it: their own label only."""

    queue_id: int
    position: int
    example_id: int
    own_label: str | None
    settled_label: str | None


@dataclass(frozen=True, slots=True)
class Disagreement:
    example_id: int
    labels: dict[str, str]  # reviewer -> label


def select_examples(conn: Connection, dataset_id: int, selection: Selection) -> list[int]:
    c = examples.c
    query = sa.select(c.id).where(c.dataset_id == dataset_id, c.deleted.is_(False))
    if selection.label is not None:
        query = query.where(c.label == selection.label)
    if selection.status:
        query = query.where(c.status == selection.status)
    if selection.contains:
        needle = selection.contains.lower()
        query = query.where(
            sa.or_(
                sa.func.lower(c.prompt).contains(needle, autoescape=True),
                sa.func.lower(c.completion).contains(needle, autoescape=True),
            )
        )
    ids = list(conn.execute(query.order_by(c.position, c.id)).scalars())
    if selection.sample is not None:
        if selection.sample < 1:
            raise UserError("a random sample holds at least 1 example")
        ids = sorted(random.Random(selection.seed).sample(ids, min(selection.sample, len(ids))))
    return ids


def plan(example_ids: Sequence[int], reviewers: Sequence[str], overlap: int) -> list[dict]:
    """Rows of ``queue_assignments``: each example to ``overlap`` distinct reviewers.

    Round-robin from a moving start: example i goes to reviewers i·N … i·N+N-1 (mod R), which
    balances the load within one example and, over the queue, pairs every reviewer with others.
    """
    count = len(reviewers)
    rows = []
    for position, example_id in enumerate(example_ids):
        start = position * overlap
        for k in range(overlap):
            person = reviewers[(start + k) % count]
            rows.append({"position": position, "example_id": example_id, "person": person})
    return rows


def create(
    conn: Connection,
    *,
    dataset_id: int,
    name: str,
    overlap: int,
    scope: str,
    rows: list[dict],
    by: str,
) -> int:
    key = conn.execute(
        review_queues.insert().values(
            dataset_id=dataset_id,
            name=name,
            overlap=overlap,
            scope=scope,
            created_by=by,
            created_at=utcnow(),
        )
    ).inserted_primary_key
    assert key is not None
    queue_id = int(key[0])
    conn.execute(queue_assignments.insert(), [{**row, "queue_id": queue_id} for row in rows])
    return queue_id


def _info(conn: Connection, row: sa.Row) -> QueueInfo:
    a = queue_assignments.c
    people = conn.execute(
        sa.select(a.person).where(a.queue_id == row.id).distinct().order_by(a.person)
    ).scalars()
    n = conn.execute(
        sa.select(sa.func.count(sa.distinct(a.example_id))).where(a.queue_id == row.id)
    ).scalar_one()
    return QueueInfo(
        id=row.id,
        dataset_id=row.dataset_id,
        name=row.name,
        overlap=row.overlap,
        scope=row.scope,
        created_by=row.created_by,
        created_at=row.created_at,
        reviewers=tuple(people),
        n_examples=int(n),
    )


def get(conn: Connection, queue_id: int) -> QueueInfo:
    row = conn.execute(sa.select(review_queues).where(review_queues.c.id == queue_id)).first()
    if row is None:
        raise NotFoundError(f"review queue {queue_id} does not exist")
    return _info(conn, row)


def all_queues(conn: Connection, dataset_id: int | None = None) -> list[QueueInfo]:
    query = sa.select(review_queues).order_by(review_queues.c.id.desc())
    if dataset_id is not None:
        query = query.where(review_queues.c.dataset_id == dataset_id)
    return [_info(conn, row) for row in conn.execute(query)]


def queues_of(conn: Connection, person: str) -> list[QueueInfo]:
    a = queue_assignments.c
    ids = sa.select(a.queue_id).where(a.person == person).distinct()
    query = sa.select(review_queues).where(review_queues.c.id.in_(ids)).order_by(review_queues.c.id)
    return [_info(conn, row) for row in conn.execute(query)]


def progress(conn: Connection, queue_id: int) -> list[ReviewerProgress]:
    a = queue_assignments.c
    query = (
        sa.select(a.person, sa.func.count().label("n"), sa.func.count(a.label).label("done"))
        .where(a.queue_id == queue_id)
        .group_by(a.person)
        .order_by(a.person)
    )
    return [ReviewerProgress(r.person, int(r.n), int(r.done)) for r in conn.execute(query)]


def items_of(conn: Connection, queue_id: int, person: str) -> list[Item]:
    """The reviewer's examples in queue order, each with only that reviewer's label."""
    a = queue_assignments.c
    s = queue_settled.c
    query = (
        sa.select(a.position, a.example_id, a.label, s.label.label("settled"))
        .select_from(
            queue_assignments.outerjoin(
                queue_settled, sa.and_(s.queue_id == a.queue_id, s.example_id == a.example_id)
            )
        )
        .where(a.queue_id == queue_id, a.person == person)
        .order_by(a.position)
    )
    return [
        Item(queue_id, r.position, r.example_id, r.label, r.settled) for r in conn.execute(query)
    ]


def reviewers_of_example(conn: Connection, queue_id: int, example_id: int) -> dict[str, str | None]:
    a = queue_assignments.c
    query = sa.select(a.person, a.label).where(a.queue_id == queue_id, a.example_id == example_id)
    return {r.person: r.label for r in conn.execute(query)}


def set_label(conn: Connection, queue_id: int, example_id: int, person: str, label: str) -> None:
    a = queue_assignments.c
    conn.execute(
        queue_assignments.update()
        .where(a.queue_id == queue_id, a.example_id == example_id, a.person == person)
        .values(label=label, labelled_at=utcnow())
    )


def settled_label(conn: Connection, queue_id: int, example_id: int) -> str | None:
    s = queue_settled.c
    return conn.execute(
        sa.select(s.label).where(s.queue_id == queue_id, s.example_id == example_id)
    ).scalar_one_or_none()


def mark_settled(conn: Connection, queue_id: int, example_id: int, label: str, *, by: str) -> None:
    conn.execute(
        sa.delete(queue_settled).where(
            queue_settled.c.queue_id == queue_id, queue_settled.c.example_id == example_id
        )
    )
    conn.execute(
        queue_settled.insert().values(
            queue_id=queue_id,
            example_id=example_id,
            label=label,
            settled_by=by,
            settled_at=utcnow(),
        )
    )


def _labels_by_example(conn: Connection, queue_id: int) -> dict[int, dict[str, str]]:
    a = queue_assignments.c
    query = sa.select(a.example_id, a.person, a.label).where(
        a.queue_id == queue_id, a.label.is_not(None)
    )
    out: dict[int, dict[str, str]] = defaultdict(dict)
    for row in conn.execute(query):
        out[row.example_id][row.person] = row.label
    return out


def pair_agreement(conn: Connection, queue_id: int) -> list[PairAgreement]:
    """Agreement and Cohen's kappa for every pair of reviewers who labelled common examples."""
    labels = _labels_by_example(conn, queue_id)
    people = sorted({p for by in labels.values() for p in by})
    out = []
    for a, b in itertools.combinations(people, 2):
        common = [(by[a], by[b]) for by in labels.values() if a in by and b in by]
        if not common:
            continue
        xs, ys = [x for x, _ in common], [y for _, y in common]
        same = sum(x == y for x, y in common) / len(common)
        out.append(PairAgreement(a, b, len(common), same, cohen_kappa(xs, ys)))
    return out


def disagreements(conn: Connection, queue_id: int) -> list[Disagreement]:
    """Fully labelled examples whose reviewers disagree and that nobody has settled yet."""
    info = get(conn, queue_id)
    labels = _labels_by_example(conn, queue_id)
    settled = set(
        conn.execute(
            sa.select(queue_settled.c.example_id).where(queue_settled.c.queue_id == queue_id)
        ).scalars()
    )
    out = []
    for example_id, by in sorted(labels.items()):
        if example_id in settled or len(by) < info.overlap:
            continue
        if len(set(by.values())) > 1:
            out.append(Disagreement(example_id, dict(sorted(by.items()))))
    return out
