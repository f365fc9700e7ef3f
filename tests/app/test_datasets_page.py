"""AppTest of the Datasets screen: samples on first start, upload, map, import, list, manage."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.core.db import get_engine
from lib.core.paths import REPO_ROOT
from lib.datasets.repo import list_datasets

PAGE = str(REPO_ROOT / "pages" / "datasets.py")


def _app() -> AppTest:
    """The Datasets page with a name typed in the sidebar (imports record who made them)."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["reviewer_name"] = "Ana"
    return at


def _run(at: AppTest) -> AppTest:
    at.run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


class FakeUpload:
    """What st.file_uploader returns, for AppTest (which cannot drive the uploader)."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self._data = data
        self.file_id = name

    def getvalue(self) -> bytes:
        return self._data


def _with_upload(monkeypatch, name: str, data: bytes) -> None:
    import streamlit as st

    real = st.file_uploader

    def uploader(label, *args, **kwargs):
        real(label, *args, **kwargs)
        return FakeUpload(name, data)

    monkeypatch.setattr(st, "file_uploader", uploader)


def test_first_start_loads_the_sample_datasets(app_store, monkeypatch):
    monkeypatch.delenv("TUNELAB_NO_SAMPLES", raising=False)
    at = _run(AppTest.from_file(PAGE, default_timeout=60))
    names = list(at.dataframe[0].value["Name"]) if at.dataframe else []
    assert {"Product reviews (stars)"} <= set(names) or len(names) >= 4, names
    with get_engine().connect() as conn:
        infos = list_datasets(conn)
    assert len(infos) == 4
    assert all("Synthetic demo data" in (i.description or "") for i in infos)
    reviews = next(i for i in infos if "review" in i.name.lower())
    assert 900 <= reviews.n_examples <= 1100
    # The label chart is drawn for the chosen classification dataset.
    at.selectbox(key="datasets_details_pick").set_value(reviews.id)
    _run(at)
    assert at.get("plotly_chart"), "no label distribution chart"


def test_upload_map_and_import_a_csv(app_store, monkeypatch):
    csv = b"review_title,review_body,stars\nGreat,Works well,5\nBad,Broke fast,1\nOk,Fine,3\n"
    _with_upload(monkeypatch, "my_reviews.csv", csv)
    at = _run(_app())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Format"].lower().startswith("csv") and metrics["Rows"] == "3"
    assert metrics["Schema"] == "needs mapping"
    at.radio(key="import_map_target").set_value("prompt/completion")
    at.toggle(key="import_map_templates").set_value(True)
    _run(at)
    at.text_area(key="import_map_prompt/completion_prompt").set_value(
        "{review_title}\n\n{review_body}\n\n###\n\n"
    )
    at.text_area(key="import_map_prompt/completion_completion").set_value(" {stars}")
    _run(at)
    preview = at.dataframe[1].value  # beside the raw rows
    assert list(preview["prompt"])[0] == "Great\n\nWorks well\n\n###\n\n"
    assert list(preview["completion"]) == [" 5", " 1", " 3"]
    at.button(key="import_button").click()
    _run(at)
    assert any("Imported 3 examples" in s.value for s in at.success)
    with get_engine().connect() as conn:
        infos = list_datasets(conn)
    assert [(i.name, i.n_examples, i.schema) for i in infos] == [("my_reviews", 3, "completion")]


def test_a_bad_file_shows_the_line_and_imports_nothing(app_store, monkeypatch):
    _with_upload(monkeypatch, "broken.jsonl", b'{"prompt": "a", "completion": "b"}\n{"prompt": \n')
    at = _run(AppTest.from_file(PAGE, default_timeout=60))
    errors = [e.value for e in at.error]
    assert any("broken.jsonl:2" in e for e in errors), errors
    with get_engine().connect() as conn:
        assert list_datasets(conn) == []


def test_rename_and_delete_with_confirmation(app_store, monkeypatch):
    _with_upload(monkeypatch, "pairs.jsonl", b'{"prompt": "a", "completion": " x"}\n' * 3)
    at = _run(_app())
    at.button(key="import_button").click()
    _run(at)
    with get_engine().connect() as conn:
        dataset_id = list_datasets(conn)[0].id
    at.text_input(key=f"rename_input_{dataset_id}").set_value("renamed pairs")
    at.button[[b.label for b in at.button].index("Rename")].click()
    _run(at)
    with get_engine().connect() as conn:
        assert list_datasets(conn)[0].name == "renamed pairs"
    at.button(key=f"delete_{dataset_id}").click()
    _run(at)
    assert any("cannot be undone" in w.value for w in at.warning)
    at.button(key=f"delete_yes_{dataset_id}").click()
    _run(at)
    with get_engine().connect() as conn:
        assert list_datasets(conn) == []


def test_without_a_name_nothing_is_imported(app_store, monkeypatch):
    _with_upload(monkeypatch, "pairs.jsonl", b'{"prompt": "a", "completion": " x"}\n' * 3)
    at = _run(AppTest.from_file(PAGE, default_timeout=60))
    assert at.button(key="import_button").disabled
    assert any("Enter your name" in i.value for i in at.info)
    with get_engine().connect() as conn:
        assert list_datasets(conn) == []
