"""The review page wired together (AppTest): table edits, focus view, verdicts, conflicts,
samples, double review and guidelines, against a real SQLite store in a private data dir."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib.core.db import dispose_all, get_engine
from lib.core.example_store import Change, get_example, list_revisions, update_example
from lib.core.examples import Example
from lib.core.paths import REPO_ROOT
from lib.datasets.repo import import_examples, set_guidelines

PAGE = str(REPO_ROOT / "pages" / "review.py")
HTML_PROMPT = '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=1</script>'


@pytest.fixture
def store(app_store):
    engine = app_store
    rows = [
        Example(data={"prompt": f"Prompt {i}", "completion": f" {'ab'[i % 2]}"}, source_row=i + 1)
        for i in range(60)
    ]
    rows[1] = Example(data={"prompt": HTML_PROMPT, "completion": " b"}, source_row=2)
    ds = import_examples(engine, name="Stars", schema="completion", rows=rows).dataset_id
    yield engine, ds


def _app(ds: int, reviewer: str | None = "Ana", mode: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["selected_dataset_id"] = ds
    if reviewer:
        at.session_state["reviewer_name"] = reviewer
    if mode:
        at.session_state["review_mode"] = mode
    return at.run()


def _example(engine, example_id):
    with engine.connect() as conn:
        return get_example(conn, example_id)


def _area(at: AppTest, example_id: int, name: str):
    """The focus view's text area for one field (its key carries version and generation)."""
    (area,) = [
        t
        for t in at.text_area
        if t.key.startswith(f"rv_{example_id}_") and t.key.endswith(f"_{name}")
    ]
    return area


def _edit(at: AppTest, rows: dict) -> AppTest:
    state = at.session_state  # AppTest's session state has no .get()
    nonce = state["review_table_nonce"] if "review_table_nonce" in state else 0  # noqa: SIM401
    key = f"review_table_{nonce}"
    at.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    return at.run()


def test_table_shows_one_page_from_the_store(store):
    engine, ds = store
    at = _app(ds)
    assert not at.exception
    frame = at.dataframe[0].value
    assert len(frame) == 50  # one page, not the dataset
    assert HTML_PROMPT in list(frame["prompt"])  # HTML is a cell's text
    assert any("60 matching examples" in c.value for c in at.caption)
    at.number_input(key="review_page").set_value(2).run()
    assert len(at.dataframe[0].value) == 10


def test_a_broad_search_is_counted_as_far_as_the_pages_reach(store, monkeypatch):
    from lib.review import query

    monkeypatch.setattr(query, "COUNT_STEP", 20)
    engine, ds = store
    at = _app(ds)
    at.selectbox(key="review_page_size").set_value(25).run()
    at.text_input(key="review_f_text").input("Prompt").run()  # every row (the stored JSON too)
    assert not at.exception
    assert any("more than 40 matching examples" in c.value for c in at.caption)
    pager = at.number_input(key="review_page")
    assert (pager.label, pager.max) == ("Page (of 2+)", 2)
    pager.set_value(2).run()  # the last page counted so far counts further
    assert any("60 matching examples" in c.value for c in at.caption)
    assert at.number_input(key="review_page").label == "Page (of 3)"
    at.number_input(key="review_page").set_value(3).run()
    assert len(at.dataframe[0].value) == 10
    at.text_input(key="review_f_text").input("Prompt 1").run()  # 1 and 10-19 (1 holds HTML)
    assert any("10 matching examples" in c.value for c in at.caption)
    at.text_input(key="review_f_text").input("teapot").run()
    assert not at.exception
    assert any("0 matching examples" in c.value for c in at.caption)
    assert [i.value for i in at.info] == ["No example matches the filters."]
    at = _app(ds, mode="Focus")
    at.text_input(key="review_f_text").input("Prompt").run()
    assert any("this pass: 1 of more than 20 matching seen" in c.value for c in at.caption)


def test_table_edits_are_saved_with_the_version_read(store):
    engine, ds = store
    at = _app(ds)
    _edit(at, {0: {"completion": " b", "comment": "was wrong"}, 2: {"status": "approved"}})
    assert not at.exception
    first, third = _example(engine, 1), _example(engine, 3)
    assert first.data["completion"] == " b" and first.comment == "was wrong"
    assert first.version == 2 and first.updated_by == "Ana"
    assert third.status == "approved"
    with engine.connect() as conn:
        assert list_revisions(conn, 1)[0].reason == "table edit"
    frame = at.dataframe[0].value
    assert frame.loc[frame["id"] == 1, "completion"].item() == " b"


def test_table_edit_without_a_reviewer_is_kept_and_refused_with_a_hint(store):
    engine, ds = store
    at = _app(ds, reviewer=None)
    _edit(at, {0: {"completion": " b"}})
    assert any("Enter your name in the sidebar" in w.value for w in at.warning)
    assert _example(engine, 1).version == 1
    assert at.number_input(key="review_page").disabled  # no page change that would drop it
    at.sidebar.text_input(key="reviewer_name").input("Ana").run()
    assert _example(engine, 1).data["completion"] == " b"


def test_table_edit_over_someone_elses_save_opens_the_conflict_dialog(store):
    engine, ds = store
    at = _app(ds)
    update_example(
        engine, Change(1, 1, data={"prompt": "Ben's fix", "completion": " a"}), author="Ben"
    )
    _edit(at, {0: {"completion": " b"}})
    assert any("was saved by someone else" in m.value for m in at.markdown)
    texts = [t.value for t in at.text]
    assert "Only they changed: prompt (theirs is kept)" in texts
    assert "Only you changed: completion (yours will be saved)" in texts
    at.button(key="rv_conflict_mine").click().run()
    saved = _example(engine, 1)
    # Keep mine: my completion, and Ben's prompt, which I never touched.
    assert saved.data == {"prompt": "Ben's fix", "completion": " b"}
    with engine.connect() as conn:
        assert [r.author for r in list_revisions(conn, 1)] == ["Ben", "Ana"]


def test_focus_view_save_and_save_next(store):
    engine, ds = store
    at = _app(ds, mode="Focus")
    assert any("Source row 1 · id 1 · version 1" in c.value for c in at.caption)
    _area(at, 1, "prompt").input("A better prompt").run()
    at.button(key="rv_save_next").click().run()
    assert not at.exception
    assert _example(engine, 1).data["prompt"] == "A better prompt"
    assert any("Source row 2 · id 2 · version 1" in c.value for c in at.caption)
    assert _area(at, 2, "prompt").value == HTML_PROMPT  # inert text


def test_drafts_survive_navigation(store):
    engine, ds = store
    at = _app(ds, mode="Focus")
    _area(at, 1, "completion").input(" b").run()
    at.button(key="rv_next").click().run()
    assert any("Your unsaved drafts (1)" in str(e.proto) for e in at.expander)
    at.button(key="rv_prev").click().run()
    assert _area(at, 1, "completion").value == " b"
    assert _example(engine, 1).version == 1
    at.button(key="rv_save").click().run()
    assert _example(engine, 1).data["completion"] == " b"


def test_approve_with_a_comment_and_move_on(store):
    engine, ds = store
    at = _app(ds, mode="Focus")
    _area(at, 1, "comment").input("looks right").run()
    at.button(key="rv_approved").click().run()
    example = _example(engine, 1)
    assert (example.status, example.comment, example.updated_by) == (
        "approved",
        "looks right",
        "Ana",
    )
    assert any("· id 2 · version 1" in c.value for c in at.caption)
    at.button(key="rv_rejected").click().run()
    assert _example(engine, 2).status == "rejected"


def test_focus_conflict_keep_theirs_and_merge(store):
    engine, ds = store
    at = _app(ds, mode="Focus")
    _area(at, 1, "completion").input(" b").run()
    update_example(engine, Change(1, 1, data={"prompt": "Ben", "completion": " a"}), author="Ben")
    at.button(key="rv_save").click().run()
    assert at.button(key="rv_conflict_theirs")
    texts = [t.value for t in at.text]
    assert "Only they changed: prompt (theirs is kept)" in texts
    at.button(key="rv_conflict_mine").click().run()  # the merge: Ben's prompt, my completion
    assert _example(engine, 1).data == {"prompt": "Ben", "completion": " b"}
    # keep theirs writes nothing
    _area(at, 1, "completion").input(" a").run()
    update_example(engine, Change(1, 3, status="flagged"), author="Ben")
    at.button(key="rv_save").click().run()
    at.button(key="rv_conflict_theirs").click().run()
    example = _example(engine, 1)
    assert (example.version, example.status, example.data["completion"]) == (4, "flagged", " b")


def test_save_is_refused_without_a_reviewer(store):
    engine, ds = store
    at = _app(ds, reviewer=None, mode="Focus")
    assert at.button(key="rv_save").disabled and at.button(key="rv_approved").disabled
    assert any("Enter your name in the sidebar" in i.value for i in at.info)


def test_history_diff_and_revert(store):
    engine, ds = store
    update_example(
        engine, Change(1, 1, data={"prompt": "Edited", "completion": " a"}), author="Ben"
    )
    at = _app(ds, mode="Focus")
    codes = [c.value for c in at.code]
    assert "[-Prompt 0-]" in codes and "{+Edited+}" in codes  # word diff, side by side
    at.button(key="rv_restore_1").click().run()  # back to the imported text
    example = _example(engine, 1)
    assert (example.version, example.data["prompt"]) == (3, "Prompt 0")
    with engine.connect() as conn:
        revisions = list_revisions(conn, 1)
    assert [r.reason for r in revisions] == ["edit", "revert to version 1"]
    assert revisions[-1].author == "Ana"
    revert = [b for b in at.button if b.key == f"rv_revert_1_{revisions[0].id}"]
    revert[0].click().run()  # and forward again to Ben's edit
    assert _example(engine, 1).data["prompt"] == "Edited"


def test_guidelines_render_without_active_links(store):
    engine, ds = store
    set_guidelines(engine, ds, "Be kind. [x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    at = _app(ds, mode="Focus")
    # Guidelines are user text: shown as written, never rendered as Markdown or HTML.
    shown = [t.value for t in at.text if "Be kind" in t.value]
    assert shown == ["Be kind. [x](javascript:alert(1)) <img src=x onerror=alert(1)>"]
    assert not [m.value for m in at.markdown if "Be kind" in m.value]


def test_random_sample_progress_and_estimate(store):
    engine, ds = store
    at = _app(ds, mode="Random sample")
    at.number_input(key="review_rs_n").set_value(2)
    at.button(key="review_rs_draw").click().run()
    at.button(key="review_rs_rejected").click().run()
    assert any("1 of 2 reviewed" in str(p.proto) for p in at.get("progress"))
    at = _app(ds, mode="Random sample")  # a reload: progress is in the store
    assert any("1 of 2 reviewed" in str(p.proto) for p in at.get("progress"))
    at.button(key="review_rs_approved").click().run()
    assert any("Estimated error rate" in str(m.proto) for m in at.get("metric"))
    assert any("95% Wilson interval: 9.5% – 90.5%" in c.value for c in at.caption)


def test_double_review_is_blind_then_settled_by_a_third_person(store):
    engine, ds = store
    at = _app(ds, mode="Double review")
    at.text_input(key="review_dr_b").input("Ben")
    at.number_input(key="review_dr_n").set_value(1)
    at.button(key="review_dr_start").click().run()
    at.text_input(
        key=next(t.key for t in at.text_input if t.key.startswith("review_dr_type_"))
    ).input("a")
    at.button(key="review_dr_save").click().run()
    assert not at.exception
    ben = _app(ds, reviewer="Ben", mode="Double review")
    assert not [t for t in ben.text if t.value == "a"]  # Ana's label is not shown to Ben
    key = next(t.key for t in ben.text_input if t.key.startswith("review_dr_type_"))
    ben.text_input(key=key).input("b")
    ben.button(key="review_dr_save").click().run()
    assert any("Disagreements (1 open)" in s.value for s in ben.subheader)
    assert not [t for t in ben.text if "Ana: a" in t.value]  # still blind before settling
    cleo = _app(ds, reviewer="Cleo", mode="Double review")
    assert any("Ana: a · Ben: b" in t.value for t in cleo.text)
    cleo.button(
        key=next(b.key for b in cleo.button if b.key.startswith("review_dr_settle_btn_"))
    ).click().run()
    assert not cleo.exception
    assert any("settled as" in t.value for t in cleo.toast)


def test_chat_messages_can_be_edited_added_moved_and_removed(data_dir):
    st.cache_resource.clear()
    st.cache_data.clear()
    engine = get_engine()
    call = {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    data = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Order 7?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "assistant", "content": "Shipped."},
        ]
    }
    ds = import_examples(
        engine, name="Chat", schema="chat", rows=[Example(data=data, source_row=1)]
    ).dataset_id
    try:
        at = _app(ds, mode="Focus")
        assert any('"name": "lookup"' in c.value for c in at.code)  # tool call shown as JSON
        _area(at, 1, "content_1").input("Where is order 7?").run()
        at.button(key=next(b.key for b in at.button if b.key.endswith("_add"))).click().run()
        _area(at, 1, "content_4").input("Thanks!").run()
        at.button(key=next(b.key for b in at.button if b.key.endswith("_remove_0"))).click().run()
        at.button(key=next(b.key for b in at.button if b.key.endswith("_down_0"))).click().run()
        at.button(key="rv_save").click().run()
        assert not at.exception
        saved = _example(engine, 1).data["messages"]
        assert [m["role"] for m in saved] == ["assistant", "user", "assistant", "user"]
        assert saved[1]["content"] == "Where is order 7?"
        assert saved[0]["tool_calls"] == [call]  # kept as it was
        assert saved[3]["content"] == "Thanks!"
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
        dispose_all()


def test_examples_sent_from_another_screen_and_open_in_focus(store):
    engine, ds = store
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["selected_dataset_id"] = ds
    at.session_state["reviewer_name"] = "Ana"
    at.session_state["review_example_ids"] = [5, 9]
    at.run()
    assert list(at.dataframe[0].value["id"]) == [5, 9]
    assert any("another screen sent here" in i.value for i in at.info)
    at.selectbox(key="review_open_id").set_value(9)
    at.button(key="review_open_btn").click().run()
    assert not at.exception
    assert any("· id 9 · version 1" in c.value for c in at.caption)
    _area(at, 9, "prompt").input("changed").run()
    at.button(key="rv_prev").click().run()
    assert any("· id 5 · version 1" in c.value for c in at.caption)
    assert any("Your unsaved drafts (1)" in str(e.proto) for e in at.expander)
    at.button(key="review_draft_open_9").click().run()
    assert not at.exception
    assert _area(at, 9, "prompt").value == "changed"


def test_switching_dataset_drops_filters_that_do_not_apply(store):
    engine, ds = store
    other = import_examples(
        engine,
        name="Other",
        schema="completion",
        rows=[Example(data={"prompt": "x", "completion": " z"}, source_row=1)],
    ).dataset_id
    at = _app(ds)
    at.multiselect(key="review_f_label").set_value(["a"]).run()
    assert list(at.dataframe[0].value["label"].unique()) == ["a"]
    at.selectbox(key="review_dataset").set_value(other).run()
    assert not at.exception
    assert list(at.dataframe[0].value["label"]) == ["z"]


def test_the_label_picker_writes_the_label_as_the_data_spells_it_and_moves_on(store):
    engine, ds = store
    at = _app(ds, mode="Focus")
    buttons = {b.label: b for b in at.button if b.key.startswith("rv_label_")}
    assert set(buttons) == {"a", "b"}  # the plain labels; the data says " a" and " b"
    assert _example(engine, 1).completion == " a"
    buttons["b"].click().run()
    assert not at.exception
    example = _example(engine, 1)
    assert (example.data["completion"], example.status) == (" b", "approved")
    assert any("· id 2 · version 1" in c.value for c in at.caption)


def test_a_verdict_on_an_example_someone_changed_meanwhile_writes_nothing(store):
    engine, ds = store
    at = _app(ds, mode="Focus")
    at.multiselect(key="review_f_status").set_value(["unreviewed"]).run()
    update_example(engine, Change(1, 1, status="approved"), author="Ben")
    at.button(key="rv_rejected").click().run()
    assert [e.status for e in map(lambda i: _example(engine, i), (1, 2))] == [
        "approved",
        "unreviewed",
    ]
    assert any("Example 1 was changed by Ben" in w.value for w in at.warning)
    assert any("· id 1 · version 2" in c.value for c in at.caption)  # shown as it is now
