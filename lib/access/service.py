"""Access use cases: who is who, roles, reviewers' datasets, review queues, activity.

What this records as the author is ``Actor.label``: the verified identity when signed in, the
typed name marked "(unverified)" in local mode, so history never passes a typed name off as a
verified one.

Every function takes the store, the ids it acts on and the acting :class:`Actor`, checks the
role with ``require``, owns its transaction and returns a typed result. Signed-in people get
their role from here (:func:`actor_for`): an admin named in config, else the role an admin
granted, else viewer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from lib.access import queues, roles
from lib.access.activity import ActivityEntry, ActivityFilter, read_activity
from lib.access.queues import (
    Disagreement,
    Item,
    PairAgreement,
    QueueInfo,
    ReviewerProgress,
    Selection,
)
from lib.access.roles import Grant, normalise, parse_admins
from lib.core import assignments
from lib.core.activity import log_activity
from lib.core.errors import UserError
from lib.core.example_store import Change, ExampleRow, get_example, update_example
from lib.core.identity import Actor, PermissionDeniedError, Role, require
from lib.core.tables import datasets
from lib.review.edit import with_label

__all__ = [
    "ActivityEntry",
    "ActivityFilter",
    "Disagreement",
    "Grant",
    "Item",
    "PairAgreement",
    "QueueInfo",
    "ReviewerProgress",
    "Selection",
    "actor_for",
    "parse_admins",
]

# --- who is who ------------------------------------------------------------------------


def actor_for(engine: Engine, identity: str, *, admins: Iterable[str] = ()) -> Actor:
    """The verified actor for a signed-in identity, with its role from config or the store."""
    person = normalise(identity)
    if not person:
        raise UserError("the sign-in provider returned no email and no subject")
    if person in {normalise(a) for a in admins}:
        role = Role.ADMIN
    else:
        with engine.connect() as conn:
            role = roles.stored_role(conn, person) or Role.VIEWER
    return Actor(name=person, verified=True, roles=frozenset({role}))


def role_of(actor: Actor) -> str:
    """The role as the sidebar shows it."""
    if actor.local:
        return "local mode: every role"
    for role in (Role.ADMIN, Role.TRAINER, Role.REVIEWER, Role.VIEWER):
        if role in actor.roles:
            return role.value
    return Role.VIEWER.value


def list_grants(engine: Engine, actor: Actor | None, *, admins: Iterable[str] = ()) -> list[Grant]:
    """Everyone holding a role above viewer: the admins from config first, then the store."""
    require(actor, Role.ADMIN, action="see who holds which role")
    configured = sorted({normalise(a) for a in admins})
    out = [Grant(a, Role.ADMIN, "config", None, from_config=True) for a in configured]
    with engine.connect() as conn:
        out += [g for g in roles.grants(conn) if g.person not in configured]
    return out


def grant_role(
    engine: Engine,
    actor: Actor | None,
    person: str,
    role: Role | str,
    *,
    admins: Iterable[str] = (),
) -> Grant:
    """Give ``person`` a role (viewer removes what they held)."""
    who = require(actor, Role.ADMIN, action="grant roles")
    target = normalise(person)
    if not target:
        raise UserError("name the person by the email (or subject) they sign in with")
    if len(target) > 200:
        raise UserError("that name is longer than 200 characters")
    try:
        new_role = Role(role)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise UserError(f"unknown role {role!r}; use one of {names}") from None
    if target in {normalise(a) for a in admins} and new_role is not Role.ADMIN:
        raise UserError(
            f"{target} is an admin named in the configuration (TUNELAB_ADMINS); change it there"
        )
    with engine.begin() as conn:
        roles.set_role(conn, target, new_role, by=who.label)
        log_activity(conn, person=who.label, action="granted role", detail=f"{target}: {new_role}")
    return Grant(target, new_role, who.name, None)


# --- reviewers' datasets ---------------------------------------------------------------


def may_review(engine: Engine, actor: Actor | None, dataset_id: int) -> bool:
    """May ``actor`` edit examples of the dataset and give verdicts on them?

    Local mode, trainers and admins: every dataset. Reviewers: the datasets assigned to them
    (directly, or by a review queue, which assigns its dataset). Viewers and nobody: none.
    """
    return assignments.may_review(engine, actor, dataset_id)


def require_review(engine: Engine, actor: Actor | None, dataset_id: int, *, action: str) -> Actor:
    """``require`` for edits and verdicts: the reviewer role and the dataset assigned."""
    return assignments.require_review(engine, actor, dataset_id, action=action)


def reviewers_of(engine: Engine, actor: Actor | None, dataset_id: int) -> list[str]:
    require(actor, Role.VIEWER, action="see who reviews a dataset")
    with engine.connect() as conn:
        return roles.reviewers_of(conn, dataset_id)


def assigned_datasets(engine: Engine, actor: Actor | None) -> list[int]:
    """The datasets assigned to the acting reviewer."""
    who = require(actor, Role.VIEWER, action="see your datasets")
    with engine.connect() as conn:
        return roles.datasets_of(conn, who.name)


def assign_dataset(
    engine: Engine, actor: Actor | None, dataset_id: int, reviewers: Sequence[str]
) -> int:
    """Let the reviewers edit the dataset; returns how many were newly assigned."""
    who = require(actor, Role.ADMIN, action="assign datasets to reviewers")
    people = _people(reviewers)
    with engine.begin() as conn:
        name = _dataset_name(conn, dataset_id)
        added = sum(roles.assign(conn, dataset_id, p, by=who.label) for p in people)
        log_activity(
            conn,
            person=who.label,
            action="assigned dataset",
            dataset_id=dataset_id,
            dataset_name=name,
            detail=", ".join(people),
        )
    return added


def unassign_dataset(engine: Engine, actor: Actor | None, dataset_id: int, reviewer: str) -> bool:
    who = require(actor, Role.ADMIN, action="unassign datasets")
    with engine.begin() as conn:
        name = _dataset_name(conn, dataset_id)
        removed = roles.unassign(conn, dataset_id, reviewer)
        if removed:
            log_activity(
                conn,
                person=who.label,
                action="unassigned dataset",
                dataset_id=dataset_id,
                dataset_name=name,
                detail=normalise(reviewer),
            )
    return removed


def _people(reviewers: Sequence[str]) -> list[str]:
    people = list(dict.fromkeys(normalise(r) for r in reviewers if r and r.strip()))
    if not people:
        raise UserError("name at least one reviewer")
    return people


def _dataset_name(conn, dataset_id: int) -> str:  # noqa: ANN001 - a Connection
    name = conn.execute(
        datasets.select().with_only_columns(datasets.c.name).where(datasets.c.id == dataset_id)
    ).scalar_one_or_none()
    if name is None:
        raise UserError(f"dataset {dataset_id} does not exist")
    return str(name)


# --- queues ----------------------------------------------------------------------------


def create_queue(
    engine: Engine,
    actor: Actor | None,
    dataset_id: int,
    *,
    reviewers: Sequence[str],
    overlap: int,
    selection: Selection | None = None,
    name: str | None = None,
) -> QueueInfo:
    """Assign the selected examples to the reviewers, each example to ``overlap`` of them.

    The reviewers get the dataset assigned too (they may edit what they review).
    """
    who = require(actor, Role.ADMIN, action="assign review queues")
    selection = selection or Selection()
    people = _people(reviewers)
    if not 1 <= overlap <= len(people):
        raise UserError(
            f"overlap {overlap} needs between 1 and {len(people)} reviewers per example "
            f"(there are {len(people)} reviewers)"
        )
    with engine.begin() as conn:
        dataset_name = _dataset_name(conn, dataset_id)
        ids = queues.select_examples(conn, dataset_id, selection)
        if not ids:
            raise UserError(f"no example of {dataset_name} matches: {selection.describe()}")
        if len(ids) > queues.MAX_QUEUE:
            raise UserError(
                f"a queue holds at most {queues.MAX_QUEUE:,} examples; "
                f"{len(ids):,} match — take a random sample"
            )
        title = (name or "").strip() or f"{dataset_name}: {len(ids)} × {overlap}"
        queue_id = queues.create(
            conn,
            dataset_id=dataset_id,
            name=title[:300],
            overlap=overlap,
            scope=selection.describe(),
            rows=queues.plan(ids, people, overlap),
            by=who.label,
        )
        for person in people:
            roles.assign(conn, dataset_id, person, by=who.label)
        log_activity(
            conn,
            person=who.label,
            action="created review queue",
            dataset_id=dataset_id,
            dataset_name=dataset_name,
            detail=f"{len(ids)} examples, overlap {overlap}, to {', '.join(people)}",
        )
        return queues.get(conn, queue_id)


def list_queues(
    engine: Engine, actor: Actor | None, dataset_id: int | None = None
) -> list[QueueInfo]:
    require(actor, Role.ADMIN, action="see every review queue")
    with engine.connect() as conn:
        return queues.all_queues(conn, dataset_id)


@dataclass(frozen=True, slots=True)
class MyQueue:
    info: QueueInfo
    items: list[Item]

    @property
    def labelled(self) -> int:
        return sum(item.own_label is not None for item in self.items)

    @property
    def next_item(self) -> Item | None:
        return next((item for item in self.items if item.own_label is None), None)


def my_queues(engine: Engine, actor: Actor | None) -> list[MyQueue]:
    """The acting reviewer's queues, each with that reviewer's own labels only."""
    who = require(actor, Role.REVIEWER, action="open a review queue")
    with engine.connect() as conn:
        return [
            MyQueue(info, queues.items_of(conn, info.id, who.name))
            for info in queues.queues_of(conn, who.name)
        ]


def queue_example(
    engine: Engine, actor: Actor | None, queue_id: int, example_id: int
) -> ExampleRow:
    """An example of the acting reviewer's queue (refused when it is not in their queue)."""
    who = require(actor, Role.REVIEWER, action="open a review queue")
    with engine.connect() as conn:
        if who.name not in queues.reviewers_of_example(conn, queue_id, example_id):
            raise PermissionDeniedError(
                f"example {example_id} is not in {who.name}'s part of review queue {queue_id}"
            )
        return get_example(conn, example_id)


def label_options(engine: Engine, actor: Actor | None, dataset_id: int) -> list[str]:
    """The labels the dataset's examples carry now (the reviewer may also type a new one)."""
    require(actor, Role.VIEWER, action="read labels")
    import sqlalchemy as sa

    from lib.core.tables import examples

    with engine.connect() as conn:
        query = (
            sa.select(examples.c.label)
            .where(
                examples.c.dataset_id == dataset_id,
                examples.c.deleted.is_(False),
                examples.c.label.is_not(None),
            )
            .distinct()
            .order_by(examples.c.label)
            .limit(200)
        )
        return [str(v) for v in conn.execute(query).scalars()]


@dataclass(frozen=True, slots=True)
class LabelResult:
    settled: bool  # the example's label was written (overlap 1, or every reviewer agreed)
    revision_version: int | None


def submit_label(
    engine: Engine, actor: Actor | None, queue_id: int, example_id: int, label: str
) -> LabelResult:
    """Record the acting reviewer's label for an example of their queue.

    Overlap 1: the label is the example's label at once (a revision by the reviewer). Overlap
    N: it stays the reviewer's own until all N have labelled; when they agree it is written
    to the example, otherwise an admin settles it.
    """
    who = require(actor, Role.REVIEWER, action="label examples")
    text = (label or "").strip()
    if not text:
        raise UserError("choose or type a label")
    if len(text) > queues.MAX_LABEL_LENGTH:
        raise UserError(f"a label is at most {queues.MAX_LABEL_LENGTH:,} characters")
    with engine.begin() as conn:
        info = queues.get(conn, queue_id)
        by = queues.reviewers_of_example(conn, queue_id, example_id)
        if who.name not in by:
            raise PermissionDeniedError(
                f"You cannot label example {example_id}: it is not in {who.name}'s part of "
                f"the queue {info.name}"
            )
        if queues.settled_label(conn, queue_id, example_id) is not None:
            raise UserError(f"example {example_id} is already settled in {info.name}")
        queues.set_label(conn, queue_id, example_id, who.name, text)
        by[who.name] = text
        labels = [v for v in by.values() if v is not None]
        agreed = len(labels) == len(by) and len(set(labels)) == 1
        if agreed:
            queues.mark_settled(conn, queue_id, example_id, text, by=who.label)
    if not agreed:
        return LabelResult(settled=False, revision_version=None)
    reason = (
        f"review queue {info.name}: label"
        if info.overlap == 1
        else f"review queue {info.name}: {len(by)} reviewers agreed ({', '.join(sorted(by))})"
    )
    row = _write_label(engine, example_id, text, author=who.label, reason=reason)
    return LabelResult(settled=True, revision_version=row.version)


def settle(
    engine: Engine, actor: Actor | None, queue_id: int, example_id: int, label: str
) -> ExampleRow:
    """A third person decides a disagreement: the label is written to the example."""
    who = require(actor, Role.ADMIN, action="settle disagreements")
    text = (label or "").strip()
    if not text:
        raise UserError("choose the label that settles the example")
    with engine.begin() as conn:
        info = queues.get(conn, queue_id)
        by = queues.reviewers_of_example(conn, queue_id, example_id)
        if not by:
            raise UserError(f"example {example_id} is not in the queue {info.name}")
        if who.name in by:
            raise PermissionDeniedError(
                f"You cannot settle example {example_id}: you labelled it yourself; "
                "a third person settles"
            )
        queues.mark_settled(conn, queue_id, example_id, text, by=who.label)
    return _write_label(
        engine, example_id, text, author=who.label, reason=f"review queue {info.name}: settled"
    )


def _write_label(
    engine: Engine, example_id: int, label: str, *, author: str, reason: str
) -> ExampleRow:
    with engine.connect() as conn:
        row = get_example(conn, example_id)
        schema = conn.execute(
            datasets.select()
            .with_only_columns(datasets.c.schema)
            .where(datasets.c.id == row.dataset_id)
        ).scalar_one()
    change = Change(
        example_id=row.id,
        expected_version=row.version,
        data=with_label(schema, row.data, label),
        status="approved",
    )
    return update_example(engine, change, author=author, reason=reason)


@dataclass(frozen=True, slots=True)
class QueueReport:
    info: QueueInfo
    progress: list[ReviewerProgress]
    pairs: list[PairAgreement]
    disagreements: list[Disagreement]
    settled: int


def queue_report(engine: Engine, actor: Actor | None, queue_id: int) -> QueueReport:
    """Progress per reviewer, agreement per pair and open disagreements (admins only)."""
    require(actor, Role.ADMIN, action="see review progress and agreement")
    import sqlalchemy as sa

    from lib.access.tables import queue_settled

    with engine.connect() as conn:
        info = queues.get(conn, queue_id)
        settled = conn.execute(
            sa.select(sa.func.count()).where(queue_settled.c.queue_id == queue_id)
        ).scalar_one()
        return QueueReport(
            info=info,
            progress=queues.progress(conn, queue_id),
            pairs=queues.pair_agreement(conn, queue_id),
            disagreements=queues.disagreements(conn, queue_id),
            settled=int(settled),
        )


# --- activity --------------------------------------------------------------------------


def activity(engine: Engine, actor: Actor | None, filters: ActivityFilter) -> list[ActivityEntry]:
    """Who did what and when, newest first (admins only)."""
    require(actor, Role.ADMIN, action="see the activity of the team")
    with engine.connect() as conn:
        return read_activity(conn, filters)


def record(
    engine: Engine,
    actor: Actor,
    action: str,
    *,
    dataset_id: int | None = None,
    dataset_name: str | None = None,
    detail: str = "",
) -> None:
    """Log an action that leaves no row behind (another feature's service calls this)."""
    with engine.begin() as conn:
        log_activity(
            conn,
            person=actor.label,
            action=action,
            dataset_id=dataset_id,
            dataset_name=dataset_name,
            detail=detail,
        )


def activity_people(engine: Engine, actor: Actor | None) -> list[str]:
    """Everyone who appears in the activity, for the filter (admins only)."""
    require(actor, Role.ADMIN, action="see the activity of the team")
    from lib.access.activity import people

    with engine.connect() as conn:
        return people(conn)


def queue_example_for_admin(
    engine: Engine, actor: Actor | None, queue_id: int, example_id: int
) -> ExampleRow:
    """An example of a queue, for the admin who settles it."""
    require(actor, Role.ADMIN, action="settle disagreements")
    with engine.connect() as conn:
        if not queues.reviewers_of_example(conn, queue_id, example_id):
            raise UserError(f"example {example_id} is not in review queue {queue_id}")
        return get_example(conn, example_id)
