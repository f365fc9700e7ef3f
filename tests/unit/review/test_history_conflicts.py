"""Revisions with readable diffs, revert, and two reviewers saving the same example."""

from __future__ import annotations

import pytest

from lib.core.errors import StaleVersionError, UserError
from lib.core.example_store import Change, get_example, list_revisions, revert_to, update_example
from lib.review.diff import messages_text, state_diff
from lib.review.history import history, state_at_version
from lib.review.merge import Conflict, change_for, keep_mine, three_way


def _first(db, ds):
    from lib.review import query

    with db.connect() as conn:
        return query.page(conn, ds, query.Filters(), limit=1)[0]


def _get(db, example_id):
    with db.connect() as conn:
        return get_example(conn, example_id)


def test_every_change_is_a_revision_with_a_readable_diff(db, completion_ds):
    row = _first(db, completion_ds)
    data = {**row.data, "prompt": row.prompt.replace("great", "superb")}
    update_example(db, Change(row.id, 1, data=data), author="Ana", reason="focus edit")
    update_example(db, Change(row.id, 2, status="approved", comment="ok"), author="Ben")
    with db.connect() as conn:
        entries = history(conn, row.id)
    assert [(e.revision.version, e.revision.author) for e in entries] == [(3, "Ben"), (2, "Ana")]
    newest = {d.field: (d.before, d.after) for d in entries[0].diffs}
    assert set(newest) == {"status", "comment"}
    assert newest["status"] == ("[-unreviewed-]", "{+approved+}")
    before, after = {d.field: (d.before, d.after) for d in entries[1].diffs}["prompt"]
    # Word by word, side by side: only the changed word is marked, no @@ hunks.
    assert before.startswith("Review 0: [-great-] product")
    assert after.startswith("Review 0: {+superb+} product")
    assert "@@" not in before + after


def test_revert_puts_an_old_state_back_as_a_new_revision(db, completion_ds):
    row = _first(db, completion_ds)
    original = row.data
    update_example(db, Change(row.id, 1, data={**original, "completion": " negative"}), author="A")
    update_example(db, Change(row.id, 2, data={**original, "completion": " neutral"}), author="B")
    first_edit = list_revisions(db.connect(), row.id)[0]
    reverted = revert_to(db, row.id, first_edit.id, expected_version=3, author="C")
    assert reverted.version == 4 and reverted.data["completion"] == " negative"
    with db.connect() as conn:
        assert state_at_version(conn, row.id, 1)["data"] == original
        assert state_at_version(conn, row.id, 3)["data"]["completion"] == " neutral"
        revs = list_revisions(conn, row.id)
    assert [r.author for r in revs] == ["A", "B", "C"]
    assert revs[-1].reason == "revert to version 2"
    with pytest.raises(StaleVersionError):  # a revert names the version it saw, too
        revert_to(db, row.id, first_edit.id, expected_version=3, author="C")


def test_saving_without_a_reviewer_is_refused(db, completion_ds):
    row = _first(db, completion_ds)
    with pytest.raises(UserError, match="reviewer name"):
        update_example(db, Change(row.id, 1, status="approved"), author="")
    assert _get(db, row.id).version == 1


def _two_reviewers_collide(db, ds):
    """Ana and Ben both read version 1; Ben saves first; Ana's save is refused."""
    ana_read = _first(db, ds)
    ben_read = _first(db, ds)
    ben = update_example(
        db,
        Change(ben_read.id, ben_read.version, data={**ben_read.data, "prompt": "Ben's prompt"}),
        author="Ben",
    )
    mine = {**ana_read.state(), "data": {**ana_read.data, "completion": " negative"}}
    with pytest.raises(StaleVersionError) as caught:
        update_example(db, Change(ana_read.id, ana_read.version, data=mine["data"]), author="Ana")
    exc = caught.value
    assert exc.expected == 1 and exc.current == 2
    assert exc.theirs["data"]["prompt"] == "Ben's prompt"  # both versions are at hand
    assert "nothing was saved" in str(exc)
    assert _get(db, ana_read.id).data == ben.data  # Ben's save stands untouched
    return Conflict.from_error(exc, mine=mine, base=ana_read.state()), ana_read


def test_keep_mine_writes_mine_and_keeps_what_only_they_changed(db, completion_ds):
    conflict, read = _two_reviewers_collide(db, completion_ds)
    saved = update_example(db, keep_mine(conflict), author="Ana", reason="conflict: kept mine")
    assert saved.version == 3 and saved.data["completion"] == " negative"
    assert saved.data["prompt"] == "Ben's prompt"  # Ben changed it, Ana did not: it stays
    with db.connect() as conn:
        revs = list_revisions(conn, read.id)
    assert revs[0].after["data"]["prompt"] == "Ben's prompt"  # Ben's update is not lost


def test_keep_theirs_writes_nothing(db, completion_ds):
    conflict, read = _two_reviewers_collide(db, completion_ds)
    assert _get(db, read.id).version == 2
    assert _get(db, read.id).data["prompt"] == "Ben's prompt"


def test_three_way_merge_keeps_both_sides_changes(db, completion_ds):
    conflict, read = _two_reviewers_collide(db, completion_ds)
    draft = three_way(conflict)
    assert draft.conflicts == ()  # Ben changed the prompt, Ana the completion
    assert draft.state["data"] == {"prompt": "Ben's prompt", "completion": " negative"}
    merged = update_example(db, change_for(conflict, draft.state), author="Ana")
    assert merged.data == {"prompt": "Ben's prompt", "completion": " negative"}
    assert merged.version == 3


def test_three_way_merge_reports_fields_both_changed():
    base = {"data": {"prompt": "p", "completion": " a"}, "status": "unreviewed", "comment": None}
    mine = {**base, "data": {"prompt": "mine", "completion": " a"}, "status": "approved"}
    theirs = {**base, "data": {"prompt": "theirs", "completion": " b"}, "deleted": False}
    draft = three_way(Conflict(1, 2, mine, theirs, base))
    assert draft.conflicts == ("prompt",)
    assert draft.state["data"] == {"prompt": "mine", "completion": " b"}
    assert draft.state["status"] == "approved"


def test_chat_diff_shows_messages_and_tool_calls_as_lines():
    call = [{"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]
    before = {"data": {"messages": [{"role": "user", "content": "Hi"}]}, "status": "unreviewed"}
    after = {
        "data": {
            "messages": [
                {"role": "user", "content": "Hello"},
                {"role": "assistant", "content": None, "tool_calls": call},
            ]
        },
        "status": "unreviewed",
    }
    diff = {d.field: (d.before, d.after) for d in state_diff(before, after)}
    assert list(diff) == ["messages"]
    assert "[-Hi-]" in diff["messages"][0] and "{+Hello" in diff["messages"][1]
    assert '"name": "lookup"' in messages_text(after["data"]["messages"])
