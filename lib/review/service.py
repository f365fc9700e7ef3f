"""Review use cases: every read and write the review screens make, in one place.

Each function takes the store engine, the ids (and, for a change, the version the reviewer
saw) it acts on and the acting :class:`Actor`; it checks the role with ``require``, owns its
transaction and returns a typed result. A change names its target by id and version, never by
a position in a list: if the example changed since it was drawn, or left the filtered set the
reviewer is working through, nothing is written and the result says what changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lib.core.assignments import require_review
from lib.core.errors import NotFoundError, StaleVersionError, UserError
from lib.core.example_store import (  # noqa: F401 - STATUSES, ExampleRow: for the screens
    STATUSES,
    Change,
    ExampleRow,
    get_example,
    revert_to,
    undo_batch,
    update_example,
)
from lib.core.identity import Actor, Role, require
from lib.core.tables import examples
from lib.datasets.service import (
    DatasetInfo,
    classification_labels,
    get_dataset,
    get_guidelines,
    label_counts,
    set_guidelines,
)
from lib.review import agreement, bulk, drafts, query, sampling
from lib.review.drafts import Draft
from lib.review.edit import CellEdit, change_for_edit, edited_state
from lib.review.history import HistoryEntry, history, restore_original, state_at_version
from lib.review.merge import Conflict, FieldConflict, Side, change_for, three_way

_UNSET: Any = object()


def may_read(actor: Actor | None) -> None:
    """Refuse a signed-in person without the viewer role (screens that cache reads call it)."""
    _may_read(actor)


def _may_read(actor: Actor | None) -> None:
    # Local mode lets anyone at the keyboard read without typing a name first; a signed-in
    # person needs at least the viewer role.
    if actor is not None:
        require(actor, Role.VIEWER, action="read the examples")


def _reviewer(actor: Actor | None, action: str) -> str:
    return require(actor, Role.REVIEWER, action=action).name


def _editor(
    engine: Engine,
    actor: Actor | None,
    action: str,
    *,
    dataset_id: int | None = None,
    example_id: int | None = None,
) -> str:
    """The reviewer role AND the dataset assigned to them (trainers, admins and local mode may
    edit every dataset); the dataset is found from the example when only that is named."""
    who = require(actor, Role.REVIEWER, action=action)
    if dataset_id is None and example_id is not None:
        with engine.connect() as conn:
            try:
                dataset_id = get_example(conn, example_id).dataset_id
            except NotFoundError:
                dataset_id = None  # the action itself says the example is gone
    if dataset_id is not None:
        require_review(engine, who, dataset_id, action=action)
    return who.name


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Target:
    """The example as the reviewer saw it: an action is refused if either has moved on."""

    example_id: int
    version: int

    @classmethod
    def of(cls, example: ExampleRow) -> Target:
        return cls(example.id, example.version)


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What a change did: ``ok`` and the example as it is now, else why nothing was written."""

    ok: bool
    message: str
    example: ExampleRow | None = None
    conflict: Conflict | None = None


@dataclass(frozen=True, slots=True)
class LabelChoice:
    """A label as the reviewer reads it (``plain``) and as the data spells it (``spelled``)."""

    plain: str
    spelled: str
    count: int


@dataclass(frozen=True, slots=True)
class Overview:
    """A dataset at a glance: statuses, labels, progress "k of N reviewed"."""

    statuses: dict[str, int]
    labels: dict[str, int]
    label_choices: tuple[LabelChoice, ...] | None  # classification datasets only

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def reviewed(self) -> int:
        return self.total - self.statuses.get("unreviewed", 0)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of matching examples, and how many match (counted a bound past the page)."""

    rows: list[ExampleRow]
    total: query.Count


@dataclass(frozen=True, slots=True)
class FocusView:
    """The example the focus view draws, whether it still matches, and my draft of it."""

    example: ExampleRow | None
    in_filter: bool
    draft: Draft | None
    matching: query.Count  # examples matching the filters (counted a bound past those seen)


@dataclass(frozen=True, slots=True)
class TableSave:
    saved: int
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reads


def overview(engine: Engine, dataset_id: int, *, actor: Actor | None) -> Overview:
    _may_read(actor)
    labels = label_counts(engine, dataset_id, actor=actor)
    with engine.connect() as conn:
        statuses = query.status_counts(conn, dataset_id)
        choices = _label_choices(conn, dataset_id)
    return Overview(statuses, labels, choices)


def _label_choices(conn: Any, dataset_id: int) -> tuple[LabelChoice, ...] | None:
    """The known labels of a classification dataset, each with the spelling the data uses
    most (" positive" with its leading space), so a picked label is written exactly so."""
    counts = classification_labels(conn, dataset_id)
    if not counts:
        return None
    c = examples.c
    spelled: dict[str, tuple[int, str]] = {}
    rows = conn.execute(
        sa.select(c.label, c.completion, sa.func.count().label("n"))
        .where(c.dataset_id == dataset_id, c.deleted.is_(False), c.label.in_(list(counts)))
        .group_by(c.label, c.completion)
    )
    for row in rows:
        if row.label not in spelled or row.n > spelled[row.label][0]:
            spelled[row.label] = (row.n, row.completion)
    return tuple(
        LabelChoice(plain, spelled.get(plain, (0, plain))[1], n) for plain, n in counts.items()
    )


def page(
    engine: Engine,
    dataset_id: int,
    filters: query.Filters,
    *,
    offset: int,
    limit: int,
    actor: Actor | None,
) -> Page:
    _may_read(actor)
    with engine.connect() as conn:
        rows = query.page(conn, dataset_id, filters, offset=offset, limit=limit)
        if len(rows) < limit and (rows or offset <= 0):
            # A short page is the end of the matches: offset + its rows is the exact count
            # (what the bounded count below would say, its bound being past the page), known
            # without a second pass. A rare text that every row must be read for ("kettle
            # kettle" in 200,000 rows, which no trigram index narrows) is then read once.
            return Page(rows, query.Count(max(0, offset) + len(rows)))
        return Page(
            rows, query.bounded_count(conn, dataset_id, filters, past=max(0, offset) + limit)
        )


def focus(
    engine: Engine,
    dataset_id: int,
    filters: query.Filters,
    *,
    example_id: int | None,
    seen: Sequence[int] = (),
    actor: Actor | None,
) -> FocusView:
    """The example to draw: ``example_id`` when it is in the dataset (even if it left the
    filters since: the reviewer is told), else the first matching one this pass has not seen."""
    _may_read(actor)
    with engine.connect() as conn:
        matching = query.bounded_count(conn, dataset_id, filters, past=len(seen))
        example = None
        if example_id is not None:
            try:
                found = get_example(conn, example_id)
            except NotFoundError:
                found = None
            if found is not None and found.dataset_id == dataset_id and not found.deleted:
                example = found
        if example is None:
            first = query.next_unseen(conn, dataset_id, filters, after=None, seen=tuple(seen))
            if first is None and seen:
                first = query.next_unseen(conn, dataset_id, filters, after=None)
            example = get_example(conn, first) if first is not None else None
        if example is None:
            return FocusView(None, False, None, matching)
        in_filter = query.matches(conn, dataset_id, filters, example.id)
        draft = drafts.get(conn, actor.name, example.id) if actor is not None else None
    return FocusView(example, in_filter, draft, matching)


def example(engine: Engine, example_id: int, *, actor: Actor | None) -> ExampleRow:
    _may_read(actor)
    with engine.connect() as conn:
        return get_example(conn, example_id)


def next_example(
    engine: Engine,
    dataset_id: int,
    filters: query.Filters,
    *,
    after: ExampleRow,
    seen: Sequence[int],
    actor: Actor | None,
) -> int | None:
    """The next example of the pass that was not shown yet (None when the pass is done)."""
    _may_read(actor)
    with engine.connect() as conn:
        return query.next_unseen(conn, dataset_id, filters, after=after, seen=tuple(seen))


def previous_example(
    engine: Engine,
    dataset_id: int,
    filters: query.Filters,
    *,
    before: ExampleRow,
    actor: Actor | None,
) -> int | None:
    _may_read(actor)
    with engine.connect() as conn:
        return query.previous_of(conn, dataset_id, filters, before=before)


def history_of(engine: Engine, example_id: int, *, actor: Actor | None) -> list[HistoryEntry]:
    _may_read(actor)
    with engine.connect() as conn:
        return history(conn, example_id)


def guidelines(engine: Engine, dataset_id: int, *, actor: Actor | None) -> str:
    _may_read(actor)
    with engine.connect() as conn:
        return get_guidelines(conn, dataset_id)


def dataset(engine: Engine, dataset_id: int, *, actor: Actor | None) -> DatasetInfo:
    _may_read(actor)
    with engine.connect() as conn:
        return get_dataset(conn, dataset_id)


# ---------------------------------------------------------------- saving one example


def _changed_message(target: Target, now: ExampleRow) -> str:
    who = f" by {now.updated_by}" if now.updated_by else ""
    return (
        f"Example {target.example_id} was changed{who} after you opened it (you saw version "
        f"{target.version}, it is now version {now.version}, status {now.status}). Nothing was "
        "written; it is shown as it is now."
    )


def save(
    engine: Engine,
    dataset_id: int,
    target: Target,
    *,
    actor: Actor | None,
    data: dict[str, Any] | None = None,
    comment: str | None = _UNSET,
    status: str | None = None,
    filters: query.Filters | None = None,
    reason: str = "focus edit",
) -> ActionResult:
    """Save edits and/or a verdict on the example the reviewer saw.

    Refused, with nothing written, when the example is not in the dataset, is not at the
    version the reviewer saw (with edits of mine: a three-way ``conflict`` to resolve), or no
    longer matches ``filters`` (the set the reviewer was working through when it was drawn).
    A successful save clears the reviewer's draft of it.
    """
    who = _editor(engine, actor, "save a review", dataset_id=dataset_id)
    if status is not None and status not in STATUSES:
        raise UserError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    with engine.connect() as conn:
        try:
            now = get_example(conn, target.example_id)
        except NotFoundError:
            return ActionResult(False, f"Example {target.example_id} does not exist any more.")
        if now.dataset_id != dataset_id:
            return ActionResult(
                False, f"Example {target.example_id} is not in this dataset; nothing was written."
            )
        draft = drafts.get(conn, who, target.example_id)
        base = draft.base if draft is not None and draft.base_version == target.version else None
        if base is None and now.version != target.version:
            base = state_at_version(conn, target.example_id, target.version)
        in_filter = filters is None or query.matches(conn, dataset_id, filters, now.id)
    mine_edits = data is not None or comment is not _UNSET
    if now.version != target.version:
        if not mine_edits or base is None:
            return ActionResult(False, _changed_message(target, now), now)
        mine = {
            **base,
            "data": data if data is not None else base["data"],
            "comment": (comment or None) if comment is not _UNSET else base.get("comment"),
        }
        if status is not None:
            mine["status"] = status
        conflict = Conflict(now.id, now.version, mine, now.state(), base)
        return ActionResult(False, _changed_message(target, now), now, conflict)
    if not in_filter:
        return ActionResult(
            False,
            f"Example {target.example_id} no longer matches the filters (status "
            f"{now.status}); nothing was written.",
            now,
        )
    extra: dict[str, Any] = {}
    if comment is not _UNSET:
        extra["comment"] = comment or None
    change = Change(target.example_id, target.version, data=data, status=status, **extra)
    try:
        updated = update_example(engine, change, author=who, reason=reason)
    except StaleVersionError:
        with engine.connect() as conn:
            latest = get_example(conn, target.example_id)
        return ActionResult(False, _changed_message(target, latest), latest)
    with engine.begin() as conn:
        drafts.delete(conn, who, target.example_id)
    verdict = f": {status}" if status else ""
    return ActionResult(True, f"Example {updated.id} saved{verdict}.", updated)


def resolve_conflict(
    engine: Engine,
    conflict: Conflict,
    *,
    picks: Mapping[str, Side] | None = None,
    actor: Actor | None,
) -> ActionResult:
    """Write the three-way merge of a refused save: my fields, their fields, and for fields
    both changed the side ``picks`` names (mine when not named: "keep mine"). If it changed
    yet again, the result carries the new conflict against the newest version."""
    who = _editor(engine, actor, "resolve a conflict", example_id=conflict.example_id)
    merged = three_way(conflict, picks)
    reason = "conflict: kept mine" if not picks else "conflict: merged"
    try:
        updated = update_example(
            engine, change_for(conflict, merged.state), author=who, reason=reason
        )
    except StaleVersionError as exc:
        again = Conflict.from_error(exc, mine=merged.state, base=conflict.theirs)
        return ActionResult(
            False, "It changed again meanwhile; here is the newest version.", None, again
        )
    with engine.begin() as conn:
        drafts.delete(conn, who, conflict.example_id)
    return ActionResult(True, f"Example {updated.id} saved (merged).", updated)


def conflict_choices(conflict: Conflict) -> tuple[FieldConflict, ...]:
    """Only what both sides changed: the fields a person has to choose between."""
    return three_way(conflict).choices


def keep_theirs(engine: Engine, conflict: Conflict, *, actor: Actor | None) -> ActionResult:
    """Drop my side: nothing is written, my draft of it is discarded."""
    who = _editor(engine, actor, "resolve a conflict", example_id=conflict.example_id)
    with engine.begin() as conn:
        drafts.delete(conn, who, conflict.example_id)
    return ActionResult(True, f"Kept their version of example {conflict.example_id}.")


def revert(
    engine: Engine,
    target: Target,
    *,
    revision_id: int | None,
    actor: Actor | None,
) -> ActionResult:
    """Put an example back to its state after ``revision_id`` (None: as imported)."""
    who = _editor(engine, actor, "revert an example", example_id=target.example_id)
    try:
        if revision_id is None:
            updated = restore_original(
                engine, target.example_id, expected_version=target.version, author=who
            )
        else:
            updated = revert_to(
                engine, target.example_id, revision_id, expected_version=target.version, author=who
            )
    except StaleVersionError as exc:
        return ActionResult(False, str(exc))
    with engine.begin() as conn:
        drafts.delete(conn, who, target.example_id)
    return ActionResult(True, f"Example {updated.id} reverted.", updated)


def change_guidelines(engine: Engine, dataset_id: int, text: str, *, actor: Actor | None) -> None:
    _editor(engine, actor, "edit the guidelines", dataset_id=dataset_id)
    set_guidelines(engine, dataset_id, text)


# ---------------------------------------------------------------- drafts


def keep_draft(
    engine: Engine,
    dataset_id: int,
    target: Target,
    *,
    data: dict[str, Any],
    comment: str,
    actor: Actor | None,
) -> Draft | None:
    """Keep what the reviewer typed into the example they saw at ``target.version``.

    A draft that equals what it started from is removed (returns None). A draft started on an
    older version keeps that older base, so saving it later merges instead of overwriting.
    """
    who = _editor(engine, actor, "keep a draft", dataset_id=dataset_id)
    with engine.begin() as conn:
        existing = drafts.get(conn, who, target.example_id)
        if existing is not None:
            base_version, base = existing.base_version, existing.base
        else:
            current = get_example(conn, target.example_id)
            if current.dataset_id != dataset_id:
                raise UserError(f"example {target.example_id} is not in this dataset")
            base_version = target.version
            base = (
                current.state()
                if current.version == target.version
                else state_at_version(conn, target.example_id, target.version) or current.state()
            )
        if data == base.get("data") and (comment or "") == (base.get("comment") or ""):
            drafts.delete(conn, who, target.example_id)
            return None
        drafts.put(
            conn,
            reviewer=who,
            example_id=target.example_id,
            dataset_id=dataset_id,
            base_version=base_version,
            base=base,
            data=data,
            comment=comment,
        )
        return drafts.get(conn, who, target.example_id)


def discard_draft(engine: Engine, example_id: int, *, actor: Actor | None) -> None:
    who = _editor(engine, actor, "discard a draft", example_id=example_id)
    with engine.begin() as conn:
        drafts.delete(conn, who, example_id)


def drafts_of(engine: Engine, dataset_id: int, *, actor: Actor | None) -> list[Draft]:
    """The acting reviewer's unsaved drafts in a dataset (empty without a name)."""
    if actor is None:
        return []
    _may_read(actor)
    with engine.connect() as conn:
        return [d for d in drafts.of_dataset(conn, actor.name, dataset_id) if d.dirty]


# ---------------------------------------------------------------- the table


def save_table_edits(
    engine: Engine,
    dataset_id: int,
    schema: str,
    edits: Sequence[CellEdit],
    *,
    actor: Actor | None,
) -> TableSave:
    """Save table rows, each against the version its row showed; stale rows become conflicts."""
    who = _editor(engine, actor, "save table edits", dataset_id=dataset_id)
    saved, conflicts, problems = 0, [], []
    for edit in edits:
        try:
            with engine.connect() as conn:
                row = get_example(conn, edit.example_id)
            if row.dataset_id != dataset_id:
                raise UserError("it is not in this dataset")
            change = change_for_edit(schema, row, edit)
            if change is None:
                continue
            update_example(engine, change, author=who, reason="table edit")
            saved += 1
        except StaleVersionError as exc:
            with engine.connect() as conn:
                base = state_at_version(conn, edit.example_id, edit.expected_version)
            mine = edited_state(schema, base or exc.theirs, dict(edit.values))
            conflicts.append(Conflict.from_error(exc, mine=mine, base=base))
        except UserError as exc:
            problems.append(f"example {edit.example_id}: {exc}")
    return TableSave(saved, conflicts, problems)


def bulk_preview(
    engine: Engine,
    dataset_id: int,
    filters: query.Filters,
    action: bulk.BulkAction,
    *,
    actor: Actor | None,
) -> int:
    _may_read(actor)
    return bulk.preview(engine, dataset_id, filters, action)


def bulk_apply(
    engine: Engine,
    dataset_id: int,
    filters: query.Filters,
    action: bulk.BulkAction,
    *,
    expected_count: int,
    actor: Actor | None,
) -> tuple[int | None, int]:
    who = _editor(engine, actor, "change examples in bulk", dataset_id=dataset_id)
    return bulk.apply(
        engine, dataset_id, filters, action, author=who, expected_count=expected_count
    )


def undo_bulk(engine: Engine, batch_id: int, *, actor: Actor | None) -> int | None:
    who = _reviewer(actor, "undo a bulk action")
    return undo_batch(engine, batch_id, author=who)


# ---------------------------------------------------------------- random samples


@dataclass(frozen=True, slots=True)
class SampleView:
    sample: sampling.SampleInfo
    progress: sampling.Progress
    position: int | None  # the first item without a verdict (None: done)
    example: ExampleRow | None


def samples_of(
    engine: Engine, dataset_id: int, kind: str, *, actor: Actor | None
) -> list[sampling.SampleInfo]:
    _may_read(actor)
    with engine.connect() as conn:
        return sampling.list_samples(conn, dataset_id, kind=kind)


def draw_sample(engine: Engine, dataset_id: int, *, n: int, seed: int, actor: Actor | None) -> int:
    who = _editor(engine, actor, "draw a review sample", dataset_id=dataset_id)
    return sampling.draw_sample(engine, dataset_id, n=n, seed=seed, author=who)


def sample_view(engine: Engine, sample_id: int, *, actor: Actor | None) -> SampleView:
    _may_read(actor)
    with engine.connect() as conn:
        info = sampling.get_sample(conn, sample_id)
        prog = sampling.progress(conn, sample_id)
        position = sampling.next_position(conn, sample_id)
        example = None
        if position is not None:
            example = get_example(conn, sampling.sample_ids(conn, sample_id)[position])
    return SampleView(info, prog, position, example)


def sample_verdict(
    engine: Engine,
    sample_id: int,
    target: Target,
    *,
    outcome: str,
    comment: str | None,
    actor: Actor | None,
) -> ActionResult:
    """A verdict on the sampled example the reviewer saw (refused if it changed meanwhile)."""
    who = _editor(engine, actor, "give a verdict", example_id=target.example_id)
    with engine.connect() as conn:
        now = get_example(conn, target.example_id)
        if sampling.outcome_of(conn, sample_id, target.example_id) is not None:
            return ActionResult(False, f"Example {target.example_id} has a verdict already.", now)
    if now.version != target.version:
        return ActionResult(False, _changed_message(target, now), now)
    try:
        updated = sampling.record_verdict(
            engine, sample_id, now, outcome=outcome, author=who, comment=comment
        )
    except StaleVersionError:
        with engine.connect() as conn:
            latest = get_example(conn, target.example_id)
        return ActionResult(False, _changed_message(target, latest), latest)
    return ActionResult(True, f"Example {updated.id}: {outcome}.", updated)


# ---------------------------------------------------------------- double review


@dataclass(frozen=True, slots=True)
class DoubleReviewView:
    """What one person may see of a double review. Blind: a reviewer of the sample never gets
    another reviewer's label of an unsettled example (not here, not anywhere)."""

    sample: sampling.SampleInfo
    n: int
    mine: dict[int, str]  # my labels (a reviewer of the sample), else {}
    next_example: ExampleRow | None  # the next one for me to label
    pairs: list[agreement.PairAgreement] | None  # agreement per pair; None while hidden
    disagreements: list[agreement.Disagreement]  # open ones only for a third person
    open_disagreements: int

    @property
    def reviewer(self) -> bool:
        return self.next_example is not None or bool(self.mine)


def double_review_view(engine: Engine, sample_id: int, *, actor: Actor | None) -> DoubleReviewView:
    _may_read(actor)
    name = actor.name if actor is not None else None
    with engine.connect() as conn:
        info = sampling.get_sample(conn, sample_id)
        ids = sampling.sample_ids(conn, sample_id)
        participant = name in info.reviewers
        mine = agreement.own_labels(conn, sample_id, reviewer=name) if participant and name else {}
        todo = [i for i in ids if i not in mine] if participant else []
        example = get_example(conn, todo[0]) if todo else None
        finished = participant and not todo
        pairs = agreement.kappa_by_pair(conn, sample_id) if (finished or not participant) else None
        disputes = agreement.disagreements(conn, sample_id)
    open_count = sum(1 for d in disputes if d.settled_label is None)
    if participant:
        disputes = [d for d in disputes if d.settled_label is not None]
    return DoubleReviewView(info, len(ids), mine, example, pairs, disputes, open_count)


def start_double_review(
    engine: Engine,
    dataset_id: int,
    *,
    n: int,
    seed: int,
    reviewers: tuple[str, ...],
    actor: Actor | None,
) -> int:
    who = _editor(engine, actor, "start a double review", dataset_id=dataset_id)
    return agreement.start_double_review(
        engine, dataset_id, n=n, seed=seed, reviewers=reviewers, author=who
    )


def give_label(
    engine: Engine, sample_id: int, example_id: int, label: str, *, actor: Actor | None
) -> ActionResult:
    """My own (blind) label of one sampled example."""
    who = _editor(engine, actor, "label an example", example_id=example_id)
    agreement.set_label(engine, sample_id, example_id, reviewer=who, label=label)
    return ActionResult(True, f"Your label of example {example_id} is kept.")


def settle(
    engine: Engine, sample_id: int, target: Target, label: str, *, actor: Actor | None
) -> ActionResult:
    """A third person settles a disagreement on the example they saw (a revision)."""
    who = _editor(engine, actor, "settle a disagreement", example_id=target.example_id)
    with engine.connect() as conn:
        now = get_example(conn, target.example_id)
    if now.version != target.version:
        return ActionResult(False, _changed_message(target, now), now)
    try:
        updated = agreement.settle(engine, sample_id, now, label=label, author=who)
    except StaleVersionError:
        with engine.connect() as conn:
            latest = get_example(conn, target.example_id)
        return ActionResult(False, _changed_message(target, latest), latest)
    return ActionResult(True, f"Example {updated.id} settled as {label.strip()!r}.", updated)
