"""The store on SQLite and (in CI) PostgreSQL: import, versions, batches, undo, revert."""

from __future__ import annotations

import threading

import pytest

from lib.core import example_store as ex
from lib.core.errors import NotFoundError, StaleVersionError, UserError
from lib.core.examples import Example
from lib.datasets import repo as ds


def _rows(n: int):
    for i in range(n):
        yield Example({"prompt": f"review {i}\n\n###\n\n", "completion": f" {i % 5 + 1}"}, i + 1)


def _import(db, name="reviews", n=30):
    return ds.import_examples(
        db, name=name, schema="completion", rows=_rows(n), source_name="r.jsonl"
    )


def test_import_then_read_back_gives_the_same_examples(any_db):
    summary = _import(any_db, n=30)
    assert (summary.n_examples, summary.n_labels, summary.classification) == (30, 5, True)
    with any_db.connect() as conn:
        rows = ex.list_examples(conn, summary.dataset_id, limit=100)
        info = ds.get_dataset(conn, summary.dataset_id)
        counts = ds.label_counts(conn, summary.dataset_id)
    assert [r.data for r in rows] == [e.data for e in _rows(30)]
    assert [r.source_row for r in rows] == list(range(1, 31))
    assert info.n_examples == 30 and info.schema == "completion"
    assert counts == {"1": 6, "2": 6, "3": 6, "4": 6, "5": 6}


def test_failed_import_writes_nothing(any_db):
    def broken():
        yield from _rows(10)
        raise UserError("bad.jsonl:11: malformed JSON")

    with pytest.raises(UserError, match="bad.jsonl:11"):
        ds.import_examples(any_db, name="broken", schema="completion", rows=broken())
    with any_db.connect() as conn:
        assert ds.list_datasets(conn) == []
        assert ds.find_dataset(conn, "broken") is None


def test_duplicate_name_and_rename_and_delete(any_db):
    first = _import(any_db, name="a")
    _import(any_db, name="b")
    with pytest.raises(UserError, match="exists already"):
        _import(any_db, name="a")
    with pytest.raises(UserError, match="exists already"):
        ds.rename_dataset(any_db, first.dataset_id, "b")
    assert ds.rename_dataset(any_db, first.dataset_id, "  renamed   set ") == "renamed set"
    ds.delete_dataset(any_db, first.dataset_id)
    with any_db.connect() as conn:
        assert [d.name for d in ds.list_datasets(conn)] == ["b"]
        with pytest.raises(NotFoundError):
            ds.get_dataset(conn, first.dataset_id)


def test_stale_version_is_refused_and_nothing_is_lost(any_db):
    summary = _import(any_db, n=3)
    with any_db.connect() as conn:
        first = ex.list_examples(conn, summary.dataset_id)[0]
    # Two reviewers read version 1; Ana saves first.
    ana = ex.update_example(
        any_db, ex.Change(first.id, 1, data={"prompt": "A", "completion": " 5"}), author="Ana"
    )
    assert ana.version == 2 and ana.label == "5"
    with pytest.raises(StaleVersionError) as refused:
        ex.update_example(
            any_db, ex.Change(first.id, 1, data={"prompt": "B", "completion": " 1"}), author="Ben"
        )
    assert refused.value.current == 2
    assert refused.value.theirs["data"] == {"prompt": "A", "completion": " 5"}
    with any_db.connect() as conn:
        assert ex.get_example(conn, first.id).data["prompt"] == "A"
        revs = ex.list_revisions(conn, first.id)
    assert [(r.author, r.version) for r in revs] == [("Ana", 2)]


def test_concurrent_writers_on_one_version_only_one_wins(any_db):
    summary = _import(any_db, n=1)
    with any_db.connect() as conn:
        row = ex.list_examples(conn, summary.dataset_id)[0]
    results: list[str] = []

    def save(who: str) -> None:
        try:
            ex.update_example(any_db, ex.Change(row.id, 1, comment=who), author=who)
            results.append("saved")
        except StaleVersionError:
            results.append("refused")

    threads = [threading.Thread(target=save, args=(f"r{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refused"] * 7 + ["saved"]
    with any_db.connect() as conn:
        assert len(ex.list_revisions(conn, row.id)) == 1


def test_batch_is_all_or_nothing_and_undoes_as_a_unit(any_db):
    summary = _import(any_db, n=5)
    with any_db.connect() as conn:
        rows = ex.list_examples(conn, summary.dataset_id)
        version_before = ds.get_dataset(conn, summary.dataset_id).data_version
    changes = [ex.Change(r.id, r.version, data={**r.data, "completion": " 9"}) for r in rows]
    stale = [*changes[:4], ex.Change(rows[4].id, 7, deleted=True)]
    with pytest.raises(StaleVersionError):
        ex.apply_changes(any_db, summary.dataset_id, stale, author="Ana", reason="relabel")
    with any_db.connect() as conn:
        assert {r.label for r in ex.list_examples(conn, summary.dataset_id)} != {"9"}

    batch = ex.apply_changes(any_db, summary.dataset_id, changes, author="Ana", reason="relabel")
    with any_db.connect() as conn:
        assert ds.label_counts(conn, summary.dataset_id) == {"9": 5}
        assert ds.get_dataset(conn, summary.dataset_id).data_version == version_before + 1
    ex.undo_batch(any_db, batch, author="Ben")
    with any_db.connect() as conn:
        assert [r.data for r in ex.list_examples(conn, summary.dataset_id)] == [
            r.data for r in rows
        ]
        batches = ex.list_batches(conn, summary.dataset_id)
    assert batches[0].reason == "undo: relabel" and batches[1].undone_by == "Ben"
    with pytest.raises(UserError, match="undone already"):
        ex.undo_batch(any_db, batch, author="Ben")


def test_undo_is_refused_when_an_example_changed_since(any_db):
    summary = _import(any_db, n=2)
    with any_db.connect() as conn:
        rows = ex.list_examples(conn, summary.dataset_id)
    batch = ex.apply_changes(
        any_db,
        summary.dataset_id,
        [ex.Change(r.id, r.version, status="approved") for r in rows],
        author="Ana",
        reason="approve all",
    )
    ex.update_example(any_db, ex.Change(rows[0].id, 2, comment="checked"), author="Ben")
    with pytest.raises(UserError, match="was changed after it"):
        ex.undo_batch(any_db, batch, author="Ana")
    with any_db.connect() as conn:
        assert ex.get_example(conn, rows[1].id).status == "approved"


def test_drop_and_schema_switch_undo(any_db):
    summary = _import(any_db, n=4)
    with any_db.connect() as conn:
        rows = ex.list_examples(conn, summary.dataset_id)
    chat = [
        ex.Change(
            r.id,
            r.version,
            data={
                "messages": [
                    {"role": "user", "content": "q"},
                    {"role": "assistant", "content": r.completion},
                ]
            },
        )
        for r in rows
    ]
    batch = ex.apply_changes(
        any_db, summary.dataset_id, chat, author="Ana", reason="to chat", new_schema="chat"
    )
    with any_db.connect() as conn:
        assert ds.get_dataset(conn, summary.dataset_id).schema == "chat"
        assert ex.get_example(conn, rows[0].id).prompt == "user: q"
    ex.undo_batch(any_db, batch, author="Ana")
    with any_db.connect() as conn:
        assert ds.get_dataset(conn, summary.dataset_id).schema == "completion"
    dropped = ex.apply_changes(
        any_db,
        summary.dataset_id,
        [ex.Change(rows[0].id, 3, deleted=True)],
        author="A",
        reason="drop",
    )
    assert dropped is not None
    with any_db.connect() as conn:
        assert ds.get_dataset(conn, summary.dataset_id).n_examples == 3


def test_revert_is_itself_a_revision(any_db):
    summary = _import(any_db, n=1)
    with any_db.connect() as conn:
        row = ex.list_examples(conn, summary.dataset_id)[0]
    ex.update_example(any_db, ex.Change(row.id, 1, comment="one"), author="Ana")
    ex.update_example(any_db, ex.Change(row.id, 2, comment="two"), author="Ana")
    with any_db.connect() as conn:
        first_rev = ex.list_revisions(conn, row.id)[0]
    reverted = ex.revert_to(any_db, row.id, first_rev.id, expected_version=3, author="Ben")
    assert (reverted.comment, reverted.version) == ("one", 4)
    with any_db.connect() as conn:
        revs = ex.list_revisions(conn, row.id)
    assert revs[-1].reason == "revert to version 2" and revs[-1].author == "Ben"


def test_a_change_needs_a_reviewer_name(any_db):
    summary = _import(any_db, n=1)
    with any_db.connect() as conn:
        row = ex.list_examples(conn, summary.dataset_id)[0]
    with pytest.raises(UserError, match="reviewer name"):
        ex.update_example(any_db, ex.Change(row.id, 1, status="approved"), author="  ")
