"""The snapshots page wired together (AppTest): preview counts, create, download, estimate."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.core.examples import Example
from lib.core.paths import REPO_ROOT
from lib.datasets.repo import import_examples
from lib.snapshots.repo import list_snapshots

PAGE = str(REPO_ROOT / "pages" / "snapshots.py")


@pytest.fixture
def store(app_store):
    engine = app_store
    rows = [
        Example(
            data={"prompt": f"ticket {i} ->", "completion": f" {'aab'[i % 3]}\n"}, source_row=i + 1
        )
        for i in range(90)
    ]
    dataset_id = import_examples(engine, name="Tickets", schema="completion", rows=rows).dataset_id
    yield engine, dataset_id


def _app(dataset_id: int, reviewer: str | None = "Ana") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["selected_dataset_id"] = dataset_id
    if reviewer:
        at.session_state["reviewer_name"] = reviewer
    return at.run()


def _texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def test_preview_create_download_and_estimate(store) -> None:
    engine, dataset_id = store
    at = _app(dataset_id)
    assert not at.exception
    # preview: sizes and per-class counts before anything is written
    assert [m.value for m in at.metric] == ["72", "9", "9"]
    preview = at.dataframe[0].value
    assert list(preview["label"]) == ["a", "b", "all labels"]
    assert list(preview["train"]) == [48, 24, 72]
    assert "This dataset has no snapshots yet." in [i.value for i in at.info]
    with engine.connect() as conn:
        assert list_snapshots(conn) == []

    at.button(key="snap_create").click().run()
    assert not at.exception
    assert "Snapshot 1 created: 90 examples." in [s.value for s in at.success]
    with engine.connect() as conn:
        assert [s.sizes for s in list_snapshots(conn)] == [{"train": 72, "valid": 9, "test": 9}]
    listed = at.dataframe[1].value
    assert list(listed["train"]) == [72] and list(listed["split"]) == ["stratified"]

    buttons = at.get("download_button")
    assert len(buttons) == 1
    assert "Tickets_snapshot1_train.jsonl" in " ".join(_texts(at))

    texts = _texts(at)
    assert "Training examples: 72; epochs: 3 (auto)" in texts
    assert any(t.startswith("Estimated cost: $") for t in texts)
    assert any(t.startswith("Break-even after") for t in texts)
    assert len(at.get("plotly_chart")) == 1
    assert any("Prices as read on" in c.value for c in at.caption)


def test_balance_preview_and_xlsx_download(store) -> None:
    _, dataset_id = store
    at = _app(dataset_id)
    at.selectbox(key="snap_balance").set_value("under").run()
    assert [m.value for m in at.metric] == ["48", "9", "9"]
    at.button(key="snap_create").click().run()
    at.selectbox(key="snap_export_format").set_value("xlsx").run()
    at.selectbox(key="snap_export_split").set_value("all").run()
    assert not at.exception
    assert "Tickets_snapshot1.xlsx" in " ".join(_texts(at))
    assert len(at.get("download_button")) == 1


def test_without_a_name_nothing_can_be_created(store) -> None:
    _, dataset_id = store
    at = _app(dataset_id, reviewer=None)
    assert at.button(key="snap_create").disabled
    assert any("Enter your name in the sidebar" in i.value for i in at.info)


def test_epochs_and_model_choice_change_the_estimate(store) -> None:
    _, dataset_id = store
    at = _app(dataset_id)
    at.button(key="snap_create").click().run()
    at.radio(key="snap_cost_epochs_mode").set_value("fixed").run()
    at.number_input(key="snap_cost_epochs").set_value(7).run()
    assert "Training examples: 72; epochs: 7 (chosen)" in _texts(at)
    at.selectbox(key="snap_cost_model").set_value("engine/tunelab-base").run()
    assert "Estimated cost: $0.00" in _texts(at)


def test_price_table_edit_changes_the_estimate(store) -> None:
    engine, dataset_id = store
    at = _app(dataset_id)
    at.button(key="snap_create").click().run()
    before = next(t for t in _texts(at) if t.startswith("Estimated cost:"))
    # gpt-4o-mini is row 4 of the built-in table: make its training 100× dearer
    at.session_state["price_editor"] = {
        "edited_rows": {4: {"training": 300.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.text_input(key="price_read_on").set_value("2026-11-21").run()
    at.button(key="price_save").click().run()
    assert not at.exception
    assert "Prices saved; the estimates above use them." in [s.value for s in at.success]
    after = next(t for t in _texts(at) if t.startswith("Estimated cost:"))
    assert before == "Estimated cost: $0.0039"  # 72 × 6 tokens × 3 epochs = 1,296 × $3/M
    assert after == "Estimated cost: $0.39"  # 1,296 × $300/M
    assert any("Prices as read on 2026-11-21" in c.value for c in at.caption)


def test_delete_a_snapshot(store) -> None:
    engine, dataset_id = store
    at = _app(dataset_id)
    at.button(key="snap_create").click().run()
    at.checkbox(key="snap_delete_sure_1").check().run()
    at.button(key="snap_delete_1").click().run()
    assert not at.exception
    with engine.connect() as conn:
        assert list_snapshots(conn) == []
    assert "This dataset has no snapshots yet." in [i.value for i in at.info]


def test_whole_dataset_export(store) -> None:
    _, dataset_id = store
    at = _app(dataset_id)
    at.selectbox(key="dataset_export_format").set_value("csv").run()
    at.toggle(key="dataset_export_go").set_value(True).run()
    assert not at.exception
    assert any(t.startswith("Tickets.csv · ") for t in _texts(at))
    assert len(at.get("download_button")) == 1
