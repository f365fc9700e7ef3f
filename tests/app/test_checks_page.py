"""The checks page wired together (AppTest): run checks, open rows in review, preview and apply
a fix, undo it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.checks.stored import example_ids_with_findings
from lib.core.example_store import iter_examples, list_batches
from lib.core.examples import Example
from lib.core.paths import REPO_ROOT
from lib.datasets.repo import import_examples

PAGE = str(REPO_ROOT / "pages" / "checks.py")


@pytest.fixture
def store(app_store):
    engine = app_store
    rows = [
        Example(
            data={"prompt": f"ticket number {i}", "completion": f"answer {i}"}, source_row=i + 2
        )
        for i in range(60)
    ]
    rows.append(
        Example(data={"prompt": "ticket number 0", "completion": "answer 0"}, source_row=62)
    )
    dataset_id = import_examples(engine, name="Tickets", schema="completion", rows=rows).dataset_id
    yield engine, dataset_id


def _app(dataset_id: int, reviewer: str | None = "Ana") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["selected_dataset_id"] = dataset_id
    if reviewer:
        at.session_state["reviewer_name"] = reviewer
    return at.run()


def _button(at: AppTest, label: str, nth: int = 0):
    return [b for b in at.button if b.label == label][nth]


def _expander_texts(at: AppTest) -> list[str]:
    # Messages are markdown with the user's text escaped: read them without the escapes.
    return [t.value for t in at.text] + [m.value.replace("\\", "") for m in at.markdown]


def test_findings_preview_apply_and_undo(store) -> None:
    engine, dataset_id = store
    at = _app(dataset_id)
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert "Duplicated examples · 1 row" in labels  # titles in words, not check names
    assert any("do not start with a space" in text for text in _expander_texts(at))
    assert "Check: duplicates" in [c.value for c in at.caption]
    with engine.connect() as conn:
        assert example_ids_with_findings(conn, dataset_id)  # stored for the review filter
    # preview the leading-space fix
    index = [b.key for b in at.button].index(
        next(
            b.key
            for b in at.button
            if "completion_leading_space" in b.key and b.key.startswith("fix_")
        )
    )
    at.button[index].click().run()
    assert not at.exception
    assert any("61 examples change, 0 are removed." in m.value for m in at.markdown)
    diffs = [h.proto.body for h in at.get("html")]
    assert diffs and "<ins" in diffs[0] and "␣" in diffs[0]  # the added space, visible
    assert [e.value for e in at.code][:2] == [
        '{\n "prompt": "ticket number 0",\n "completion": "answer 0"\n}',
        '{\n "prompt": "ticket number 0",\n "completion": " answer 0"\n}',
    ]
    _button(at, "Apply the fix").click().run()
    assert not at.exception
    assert any("Applied" in s.value for s in at.success)
    assert all(row.data["completion"].startswith(" ") for row in iter_examples(engine, dataset_id))
    assert not any("do not start with a space" in text for text in _expander_texts(at))
    # undo the batch from the list of recent changes
    _button(at, "Undo").click().run()
    assert not at.exception
    assert not any(
        row.data["completion"].startswith(" ") for row in iter_examples(engine, dataset_id)
    )
    with engine.connect() as conn:
        assert (
            list_batches(conn, dataset_id)[1].undone_by == "Ana (unverified)"
        )  # a typed name, local mode


def test_apply_needs_a_reviewer_name(store) -> None:
    engine, dataset_id = store
    at = _app(dataset_id, reviewer=None)
    key = next(b.key for b in at.button if b.key.startswith("fix_") and "duplicates" in b.key)
    [b for b in at.button if b.key == key][0].click().run()
    _button(at, "Apply the fix").click().run()
    assert any("Enter your name before you apply a fix" in e.value for e in at.error)
    with engine.connect() as conn:
        assert list_batches(conn, dataset_id) == []


def test_review_button_hands_ids_to_review(store) -> None:
    engine, dataset_id = store
    at = _app(dataset_id)
    key = next(b.key for b in at.button if b.key.startswith("review_") and "duplicates" in b.key)
    [b for b in at.button if b.key == key][0].click().run()
    ids = at.session_state["review_example_ids"]
    last = list(iter_examples(engine, dataset_id))[-1]
    assert ids == [last.id]


def test_leakage_of_a_snapshot(store) -> None:
    from lib.snapshots.repo import create_snapshot

    engine, _ = store
    rows = [
        Example(
            data={"prompt": f"question {i % 10}", "completion": f" answer {i}"}, source_row=i + 1
        )
        for i in range(100)
    ]
    leaky = import_examples(engine, name="Leaky", schema="completion", rows=rows).dataset_id
    create_snapshot(engine, leaky, author="Ana", name="first", seed=1)
    at = _app(leaky)
    assert "Leakage in snapshots" in [h.value for h in at.subheader]
    at.toggle(key="checks_leak_run").set_value(True).run()
    assert not at.exception
    assert "Leakage found." in [w.value for w in at.warning]
    assert any("in test have the same prompt as a training example" in t.value for t in at.text)


def test_convert_to_chat_from_other_fixes(store) -> None:
    engine, dataset_id = store
    at = _app(dataset_id)
    at.selectbox(key="checks_other_fix").set_value("convert_to_chat").run()
    _button(at, "Preview").click().run()
    assert any("61 examples change, 0 are removed." in m.value for m in at.markdown)
    _button(at, "Apply the fix").click().run()
    assert not at.exception
    from lib.datasets.repo import get_dataset

    with engine.connect() as conn:
        assert get_dataset(conn, dataset_id).schema == "chat"
    first = next(iter_examples(engine, dataset_id))
    assert first.data["messages"][-1] == {"role": "assistant", "content": "answer 0"}
