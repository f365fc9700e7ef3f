"""AppTest of a first start: the samples load with a first snapshot of the reviews, Fine-tune and
Run evaluation open on it, pickers open on a classification dataset, and the support chat's
answers are not shown as labels."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.core.db import get_engine
from lib.core.paths import REPO_ROOT
from lib.datasets.repo import classification_labels, list_datasets
from lib.snapshots.repo import list_snapshots

PAGES = REPO_ROOT / "pages"


def _run(at: AppTest) -> AppTest:
    at.run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _first_start(monkeypatch, page: str) -> AppTest:
    monkeypatch.delenv("TUNELAB_NO_SAMPLES", raising=False)
    return _run(AppTest.from_file(str(PAGES / page), default_timeout=120))


def test_first_start_ships_a_snapshot_of_the_reviews(app_store, monkeypatch):
    at = _first_start(monkeypatch, "train.py")
    with get_engine().connect() as conn:
        snaps = list_snapshots(conn)
    assert [(s.name, s.dataset_name) for s in snaps] == [
        ("Product reviews (stars) — first split", "Product reviews (stars)")
    ]
    sizes = snaps[0].sizes
    assert sizes["train"] > 700 and sizes["valid"] > 50 and sizes["test"] > 50
    assert set(snaps[0].counts["test"]) == {"1", "2", "3", "4", "5"}  # stratified over stars
    picker = at.selectbox(key="train_snapshot")
    assert picker.value == snaps[0].id
    assert "Product reviews (stars) — first split" in picker.format_func(picker.value)
    # A second page (a later start of the same store) does not make another one.
    _run(AppTest.from_file(str(PAGES / "evaluate.py"), default_timeout=120))
    with get_engine().connect() as conn:
        assert len(list_snapshots(conn)) == 1


def test_run_evaluation_opens_on_the_first_snapshot(app_store, monkeypatch):
    at = _first_start(monkeypatch, "evaluate.py")
    picker = at.selectbox(key="eval_snapshot")
    assert "first split" in picker.format_func(picker.value)


def test_pickers_open_on_a_classification_dataset_and_chat_answers_are_not_labels(
    app_store, monkeypatch
):
    at = _first_start(monkeypatch, "checks.py")
    with get_engine().connect() as conn:
        infos = {i.name: i for i in list_datasets(conn)}
        chat = infos["Support chat (Plumtree Planner)"]
        assert classification_labels(conn, chat.id) is None  # 48 canned answers, not labels
        assert classification_labels(conn, infos["Product categories"].id) is not None
    picked = at.selectbox(key="checks_dataset").value
    assert picked != chat.id
    assert picked in {infos["Product reviews (stars)"].id, infos["Product categories"].id}
    datasets = _run(AppTest.from_file(str(PAGES / "datasets.py"), default_timeout=120))
    table = datasets.dataframe[0].value
    labels = dict(zip(table["Name"], table["Labels"], strict=True))
    assert labels["Support chat (Plumtree Planner)"] == "—"
    assert labels["Product categories"] == "11"
    # Listed in the manifest's order, the reviews on top and opened first.
    assert list(table["Name"])[0] == "Product reviews (stars)"
    assert (
        datasets.selectbox(key="datasets_details_pick").value == infos["Product reviews (stars)"].id
    )
    # A few raw rows of the chosen dataset, as stored.
    raw = [d.value for d in datasets.dataframe[1:] if "completion" in d.value.columns]
    assert raw and len(raw[0]) == 5 and raw[0]["prompt"].str.len().min() > 0
