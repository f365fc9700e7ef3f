"""Filters, sorting, pagination, counts and bulk actions over the store."""

from __future__ import annotations

import pytest

from lib.core.errors import UserError
from lib.core.example_store import Change, list_batches, list_revisions, undo_batch, update_example
from lib.review import bulk, query
from lib.review.query import Filters


def _ids(db, ds, filters, **kw):
    with db.connect() as conn:
        return [row.id for row in query.page(conn, ds, filters, **kw)]


def _count(db, ds, filters):
    with db.connect() as conn:
        return query.count(conn, ds, filters)


def test_pages_cover_the_dataset_once_in_order(db, completion_ds):
    seen = []
    for offset in range(0, 30, 7):
        seen += _ids(db, completion_ds, Filters(), offset=offset, limit=7)
    assert len(seen) == 30 == len(set(seen))
    assert seen == sorted(seen)
    assert _ids(db, completion_ds, Filters(), offset=30, limit=7) == []


def test_filters_narrow_and_count(db, completion_ds):
    with db.connect() as conn:
        first = query.page(conn, completion_ds, Filters(), limit=3)
    update_example(db, Change(first[0].id, 1, status="approved", comment="fine"), author="Ana")
    update_example(db, Change(first[1].id, 1, status="rejected"), author="Ana")
    assert _count(db, completion_ds, Filters(statuses=("approved",))) == 1
    assert _count(db, completion_ds, Filters(statuses=("approved", "rejected"))) == 2
    assert _count(db, completion_ds, Filters(statuses=("unreviewed",))) == 28
    assert _count(db, completion_ds, Filters(labels=("positive",))) == 10
    assert _count(db, completion_ds, Filters(labels=(query.NO_LABEL,))) == 0
    assert _count(db, completion_ds, Filters(has_comment=True)) == 1
    assert _count(db, completion_ds, Filters(has_comment=False)) == 29
    assert _count(db, completion_ds, Filters(text="GREAT")) == 10  # case-insensitive
    assert _count(db, completion_ds, Filters(text="Review 1")) == 11  # 1, 10-19
    assert _count(db, completion_ds, Filters(text="100%")) == 0  # % is literal, not a wildcard
    assert _count(db, completion_ds, Filters(example_ids=(first[2].id, 999_999))) == 1
    with db.connect() as conn:
        counts = query.status_counts(conn, completion_ds)
    assert counts == {"unreviewed": 28, "approved": 1, "rejected": 1, "flagged": 0}


def test_length_range_and_sorts(db, completion_ds):
    with db.connect() as conn:
        rows = query.page(conn, completion_ds, Filters(sort="longest first"), limit=30)
        shortest = query.page(conn, completion_ds, Filters(sort="shortest first"), limit=1)[0]
        lengths = [len(r.prompt) + len(r.completion) for r in rows]
        assert lengths == sorted(lengths, reverse=True)
        assert len(shortest.prompt) + len(shortest.completion) == min(lengths)
        n = query.count(conn, completion_ds, Filters(min_chars=lengths[0], max_chars=lengths[0]))
        assert n == lengths.count(lengths[0])
        by_label = query.page(conn, completion_ds, Filters(sort="label"), limit=30)
        assert [r.label for r in by_label] == sorted(r.label for r in by_label)
        last_first = query.page(
            conn, completion_ds, Filters(sort="dataset order, last first"), limit=1
        )
        assert last_first[0].position == 30


def test_search_finds_chat_message_text(db, chat_ds):
    with db.connect() as conn:
        assert query.count(conn, chat_ds, Filters(text="question 3")) == 1
        assert query.count(conn, chat_ds, Filters(text="Be brief")) == 5


def test_invalid_filters_are_refused_with_a_reason(db, completion_ds):
    with db.connect() as conn:
        with pytest.raises(UserError, match="unknown status"):
            query.count(conn, completion_ds, Filters(statuses=("done",)))
        with pytest.raises(UserError, match="minimum length"):
            query.count(conn, completion_ds, Filters(min_chars=10, max_chars=5))


def test_has_findings_filters_on_the_stored_check_findings(db, completion_ds):
    from lib.checks.base import Finding
    from lib.checks.stored import example_ids_with_findings, save_findings

    assert query.findings_available()
    findings = [
        Finding(check="duplicates", severity="warning", message="dup", example_ids=[2, 3]),
        Finding(check="long", severity="error", message="long", example_ids=[3, 9]),
        Finding(check="note", severity="info", message="fyi", example_ids=[20]),
    ]
    save_findings(db, completion_ds, 1, findings)
    with db.connect() as conn:
        expected = example_ids_with_findings(conn, completion_ds)
        with_findings = query.page(conn, completion_ds, Filters(has_findings=True), limit=50)
        without = query.count(conn, completion_ds, Filters(has_findings=False))
    assert {row.id for row in with_findings} == expected == {2, 3, 9}
    assert without == 27


def test_next_unreviewed_skips_reviewed_examples(db, completion_ds):
    with db.connect() as conn:
        rows = query.page(conn, completion_ds, Filters(), limit=3)
    update_example(db, Change(rows[1].id, 1, status="approved"), author="Ana")
    with db.connect() as conn:
        assert query.next_unreviewed_index(conn, completion_ds, Filters(), 0) == 2


def test_bulk_approve_counts_first_and_is_one_undoable_batch(db, completion_ds):
    with db.connect() as conn:
        first = query.page(conn, completion_ds, Filters(), limit=1)[0]
    update_example(db, Change(first.id, 1, status="approved"), author="Ana")
    filters = Filters(labels=("negative", "positive"))
    action = bulk.SetStatus("approved")
    assert bulk.preview(db, completion_ds, filters, action) == 19  # one positive already approved
    batch, n = bulk.apply(db, completion_ds, filters, action, author="Ben", expected_count=19)
    assert n == 19
    assert _count(db, completion_ds, Filters(statuses=("approved",))) == 20
    with db.connect() as conn:
        batches = list_batches(conn, completion_ds)
    assert [b.id for b in batches] == [batch] and batches[0].n_changes == 19
    undo_batch(db, batch, author="Ben")
    assert _count(db, completion_ds, Filters(statuses=("approved",))) == 1


def test_bulk_refuses_when_the_set_changed_since_the_count(db, completion_ds):
    action = bulk.SetStatus("flagged")
    n = bulk.preview(db, completion_ds, Filters(), action)
    with db.connect() as conn:
        row = query.page(conn, completion_ds, Filters(), limit=1)[0]
    update_example(db, Change(row.id, 1, status="flagged"), author="Ana")
    with pytest.raises(UserError, match="changed since you confirmed"):
        bulk.apply(db, completion_ds, Filters(), action, author="Ben", expected_count=n)
    assert _count(db, completion_ds, Filters(statuses=("flagged",))) == 1


def test_bulk_relabel_keeps_the_leading_space_and_writes_revisions(db, completion_ds):
    action = bulk.Relabel("neutral", "mixed")
    assert bulk.preview(db, completion_ds, Filters(), action) == 10
    assert bulk.preview(db, completion_ds, Filters(labels=("positive",)), action) == 0
    bulk.apply(db, completion_ds, Filters(), action, author="Ana")
    with db.connect() as conn:
        rows = query.page(conn, completion_ds, Filters(labels=("mixed",)), limit=50)
        assert len(rows) == 10
        assert {r.data["completion"] for r in rows} == {" mixed"}
        assert list_revisions(conn, rows[0].id)[-1].reason == "bulk: relabel 'neutral' as 'mixed'"


def test_bulk_relabel_of_chat_changes_the_last_assistant_message(db, chat_ds):
    bulk.apply(
        db, chat_ds, Filters(text="Question 2"), bulk.Relabel("Answer 2.", "Two."), author="A"
    )
    with db.connect() as conn:
        row = query.page(conn, chat_ds, Filters(text="Question 2"), limit=1)[0]
    assert row.data["messages"][-1] == {"role": "assistant", "content": "Two."}
    assert row.label == "Two."


def test_bulk_without_a_reviewer_is_refused(db, completion_ds):
    with pytest.raises(UserError, match="reviewer name"):
        bulk.apply(db, completion_ds, Filters(), bulk.SetStatus("approved"), author="  ")
