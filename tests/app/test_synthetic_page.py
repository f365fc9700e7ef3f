"""The Synthetic data screen wired together (AppTest): the pre-filled marketing example and its
estimate, errors that name the placeholder, a run against the built-in engine that ends in a
new dataset, and that dataset opened in the review workspace."""

from __future__ import annotations

import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

from lib import runner
from lib.core.example_store import list_examples
from lib.core.examples import Example
from lib.core.paths import REPO_ROOT
from lib.datasets.repo import import_examples, list_datasets
from lib.synth.output import PROVENANCE_KEY

PAGE = str(REPO_ROOT / "pages" / "synthetic.py")
REVIEW = str(REPO_ROOT / "pages" / "review.py")


@pytest.fixture
def store(app_store, engine_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TUNELAB_ENGINE_URL", engine_url)
    engine = app_store
    yield engine


def _app(reviewer: str | None = "Ana") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if reviewer:
        at.session_state["reviewer_name"] = reviewer
    return at


def _texts(at: AppTest) -> str:
    parts = [t.value for t in at.text] + [c.value for c in at.caption]
    parts += (
        [w.value for w in at.warning] + [e.value for e in at.error] + [s.value for s in at.success]
    )
    return "\n".join(str(p) for p in parts)


def _wait(engine, run_id: int, timeout: float = 120) -> runner.Progress:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            progress = runner.get_progress(conn, run_id)
        if progress.status in ("done", "cancelled", "failed") and not runner.is_running_here(
            engine, run_id
        ):
            return progress
        time.sleep(0.1)
    raise AssertionError("the synthetic run did not finish")


def test_prefilled_marketing_example_shows_estimate_preview_and_engine_note(store):
    at = _app().run()
    assert not at.exception
    assert at.text_area(key="synth_values_sector").value.splitlines()[0] == "Grocery Stores"
    assert at.text_input(key="synth_training").value == "{sector}, {city}, {size}"
    text = _texts(at)
    assert "54 combinations × 3 samples = 162 requests" in text
    assert "no charge" in text
    assert "The built-in engine is not a language model" in text
    assert "Real synthetic text needs an LLM provider" in text
    preview = at.dataframe[0].value
    assert list(preview["training prompt"]) == [
        "Grocery Stores, Brussels, small", "Grocery Stores, Brussels, medium", "Grocery Stores, Brussels, large",
    ]  # fmt: skip
    assert "- city where the stores are: Brussels" in at.code[0].value
    assert not at.button(key="synth_start").disabled


def test_missing_values_and_bad_braces_are_named(store):
    at = _app().run()
    at.text_area(key="synth_generation").set_value("Write for {region} and {city}.").run()
    assert not at.exception
    assert any("no values for {region}" in e.value for e in at.error)
    assert at.text_area(key="synth_values_region").value == ""
    at.text_area(key="synth_values_region").set_value("North\nSouth").run()
    assert not at.error
    assert "108 combinations × 3 samples = 324 requests" in _texts(at)
    assert any("the training prompt does not use {region}" in w.value for w in at.warning)
    assert any("the generation prompt does not use {sector}, {size}" in w.value for w in at.warning)
    # Values no template uses any more stay visible and are reported.
    at.text_input(key="synth_training").set_value("{region}, {city}").run()
    assert any(
        "values were given for {sector}, {size}, which neither template uses" in w.value
        for w in at.warning
    )
    assert "not used by the templates" in at.text_area(key="synth_values_size").label
    assert "6 combinations × 3 samples = 18 requests" in _texts(at)
    at.text_area(key="synth_generation").set_value("Write {city").run()
    assert any("the generation prompt, line 1, column 7" in e.value for e in at.error)
    assert not any(b.key == "synth_start" for b in at.button)


def test_without_a_reviewer_name_generate_is_disabled(store):
    at = _app(reviewer=None).run()
    assert at.button(key="synth_start").disabled
    assert "Enter your name in the sidebar to generate a dataset." in _texts(at)


def test_run_against_the_engine_makes_a_dataset_that_opens_in_review(store):
    at = _app().run()
    at.text_area(key="synth_values_sector").set_value("Bakeries\nFlorists")
    at.text_area(key="synth_values_city").set_value("Paris")
    at.text_area(key="synth_values_size").set_value("small\nlarge")
    at.number_input(key="synth_samples").set_value(2)
    at.text_input(key="synth_name").set_value("Demo synthetic")
    at.run()
    assert "4 combinations × 2 samples = 8 requests" in _texts(at)
    at.button(key="synth_start").click().run()
    assert not at.exception
    run_id = at.session_state["synth_run_id"]
    progress = _wait(store, run_id)
    assert (progress.status, progress.done) == ("done", 8)
    at.run()  # the progress fragment sees the end and makes the dataset
    assert not at.exception
    with store.connect() as conn:
        [info] = [d for d in list_datasets(conn) if d.name == "Demo synthetic"]
        rows = list_examples(conn, info.id)
    assert info.n_examples == 8 and info.schema == "completion"
    assert rows[0].prompt == "Bakeries, Paris, small"
    assert rows[0].data[PROVENANCE_KEY]["run_id"] == run_id
    assert any("Made dataset 'Demo synthetic': 8 examples" in s.value for s in at.success)
    assert "8 of 8 requests" in "\n".join(str(p.text) for p in at.get("progress"))  # count shown
    result = at.dataframe[-1].value  # the first rows of the new dataset
    assert list(result["prompt"])[:2] == ["Bakeries, Paris, small"] * 2
    assert set(result["status"]) <= {"unreviewed", "flagged"}
    # The same settings again would reuse the stored answers: the screen says so.
    at.text_input(key="synth_name").set_value("Demo synthetic 2").run()
    assert "8 of these 8 requests were answered before" in "\n".join(i.value for i in at.info)
    at.button(key="synth_open").click().run()
    assert at.session_state["selected_dataset_id"] == info.id
    # The review workspace shows the new rows.
    review = AppTest.from_file(REVIEW, default_timeout=60)
    review.session_state["selected_dataset_id"] = info.id
    review.session_state["reviewer_name"] = "Ana"
    review.run()
    assert not review.exception
    frame = review.dataframe[0].value
    assert "Bakeries, Paris, small" in list(frame["prompt"])
    assert len(frame) == 8


def test_values_from_a_dataset_column_fill_a_placeholder(store):
    rows = [
        Example(data={"prompt": f"p{i}", "completion": f" {label}"}, source_row=i + 1)
        for i, label in enumerate(["positive", "negative", "positive", "neutral"])
    ]
    import_examples(store, name="Reviews", schema="completion", rows=rows)
    at = _app().run()
    at.selectbox(key="synth_fill_field").set_value("label")
    at.selectbox(key="synth_fill_placeholder").set_value("size")
    at.button(key="synth_fill").click().run()
    assert not at.exception
    assert at.text_area(key="synth_values_size").value == "positive\nnegative\nneutral"
    assert any("3 values of label put into {size}" in s.value for s in at.success)
    assert "6 sectors" not in _texts(at) and "54 combinations" in _texts(at)


def test_an_interrupted_run_resumes_from_the_screen(store):
    from lib.synth import create_synthetic_run, run_synthetic
    from tests.unit.synth.conftest import small_spec

    # Half answered: an earlier run asked the bakeries' requests; this one was cancelled at once.
    half = {"sector": ["bakeries"], "city": ["Paris", "Berlin"], "size": ["small"]}
    run_synthetic(
        store,
        create_synthetic_run(store, small_spec(values=half, dataset_name="Half"), created_by="Ana"),
    )
    run_id = create_synthetic_run(store, small_spec(dataset_name="Resumed"), created_by="Ana")
    cancel = threading.Event()
    cancel.set()
    assert run_synthetic(store, run_id, cancel=cancel).pending == 4
    at = _app()
    at.session_state["synth_run_id"] = run_id
    at.run()
    assert not at.exception
    assert "status: cancelled" in _texts(at)
    assert "4 of 8 requests" in at.get("progress")[0].proto.text
    assert any(b.key == "synth_partial" for b in at.button)  # or keep what there is
    at.button(key="synth_resume").click().run()
    assert _wait(store, run_id).done == 8
    at.run()
    assert not at.exception
    with store.connect() as conn:
        [info] = [d for d in list_datasets(conn) if d.name == "Resumed"]
    assert info.n_examples == 8


def test_an_earlier_run_is_made_into_a_dataset_on_request_only(store):
    from lib.synth import create_synthetic_run, run_synthetic
    from tests.unit.synth.conftest import small_spec

    run_id = create_synthetic_run(store, small_spec(dataset_name="Earlier"), created_by="Ana")
    run_synthetic(store, run_id)
    at = _app().run()
    at.button(key=f"synth_pick_{run_id}").click().run()
    assert not at.exception
    with store.connect() as conn:
        assert [d.name for d in list_datasets(conn)] == []
    at.button(key="synth_make").click().run()
    assert not at.exception
    with store.connect() as conn:
        assert [d.name for d in list_datasets(conn)] == ["Earlier"]
    assert at.button(key="synth_open")
