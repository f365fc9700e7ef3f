"""AppTest of Fine-tune and Jobs & models against the built-in engine."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.core.db import get_engine
from lib.core.paths import REPO_ROOT

TRAIN = str(REPO_ROOT / "pages" / "train.py")
JOBS = str(REPO_ROOT / "pages" / "jobs.py")


@pytest.fixture
def app_env(app_store, engine_url, monkeypatch):
    monkeypatch.setenv("TUNELAB_ENGINE_URL", engine_url)
    yield app_store


@pytest.fixture
def snapshot(app_env, tmp_path):
    from tests.unit.train.conftest import make_snapshot

    return make_snapshot(get_engine(), tmp_path, rows=200)


def _run(at: AppTest) -> AppTest:
    at.run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [t.value for t in at.text] + [c.value for c in at.code]
    parts += (
        [m.value for m in at.success] + [m.value for m in at.info] + [m.value for m in at.warning]
    )
    parts += [m.value for m in at.error]
    return "\n".join(str(p) for p in parts).replace("\\", "")  # messages are markdown-escaped


def _jobs():
    from lib.train import list_jobs

    with get_engine().connect() as conn:
        return list_jobs(conn)


def test_no_snapshot_says_where_to_make_one(app_env):
    at = _run(AppTest.from_file(TRAIN, default_timeout=120))
    assert "There are no snapshots yet" in _texts(at)


def test_review_then_launch_once(snapshot):
    at = AppTest.from_file(TRAIN, default_timeout=120)
    at.session_state["reviewer_name"] = "Ana"
    _run(at)
    model = at.selectbox(key="train_model_Built-in engine")
    assert model.value == "tunelab-base"
    at.number_input(key="train_epochs").set_value(1)
    at.text_input(key="train_suffix").set_value("apptest")
    _run(at)
    at.button(key="train_review_button").click()
    _run(at)
    text = _texts(at)
    assert "The format checks found" in text
    assert "Estimated cost: $0.00" in text
    launch_button = at.button(key="train_launch")
    override = [c for c in at.checkbox if c.key == "train_override"]
    if override:
        assert launch_button.disabled
        override[0].check()
        _run(at)
    assert not at.button(key="train_launch").disabled
    at.button(key="train_launch").click()
    _run(at)
    assert any("Launched job ftjob-" in s.value for s in at.success), _texts(at)
    (job,) = _jobs()
    assert job.created_by == "Ana (unverified)" and job.suffix == "apptest"
    # A second press (a double click, a rerun) finds the same job.
    at.button(key="train_launch").click()
    _run(at)
    assert len(_jobs()) == 1
    assert "already created job" in _texts(at)
    # The banner belongs to those settings: other settings do not show "Launched job … (job 1)".
    at.text_input(key="train_suffix").set_value("another")
    _run(at)
    assert not any("Launched job" in s.value for s in at.success), _texts(at)


def test_launch_is_refused_without_a_name(snapshot):
    at = _run(AppTest.from_file(TRAIN, default_timeout=120))
    at.button(key="train_review_button").click()
    _run(at)
    assert at.button(key="train_launch").disabled
    assert "Enter your name in the sidebar" in _texts(at)


def test_jobs_page_shows_a_finished_job_with_chart_events_and_model(snapshot):
    from lib.train import LaunchRequest, launch, launch_key, wait_for_job

    engine = get_engine()
    request = LaunchRequest(
        snapshot_id=snapshot.id, provider="Built-in engine", model="tunelab-base"
    )
    result = launch(
        engine, request, key=launch_key(engine, request), author="Ana", override_warnings=True
    )
    job = wait_for_job(engine, result.job.id, timeout=120)
    at = AppTest.from_file(JOBS, default_timeout=120)
    at.session_state["reviewer_name"] = "Ana"  # deleting a model records who did it
    at = _run(at)
    table = at.dataframe[0].value
    assert list(table["status"]) == ["succeeded"]
    assert list(table["resulting model"]) == [job.fine_tuned_model]
    codes = [c.value for c in at.code]
    assert job.fine_tuned_model in codes
    assert any("The job has successfully completed" in c for c in codes)
    charts = at.get("plotly_chart")
    assert len(charts) >= 1
    assert "Metrics from the result file." in [c.value for c in at.caption]
    (bar,) = at.get("progress")
    assert bar.proto.text.startswith("Finished after ") and bar.proto.value == 100
    smoothing = at.slider(key="jobs_smoothing")
    assert smoothing.value == 0.6
    smoothing.set_value(0.0)
    _run(at)
    assert len(at.get("plotly_chart")) >= 1
    # Try the new model from its job: the answer and its token probabilities.
    assert at.selectbox(key=f"jobs_try_{job.id}_model").value == job.fine_tuned_model
    at.text_area(key=f"jobs_try_{job.id}_prompt").set_value("Great product, works well")
    at.button(key=f"jobs_try_{job.id}_send").click()
    _run(at)
    answer = at.text_area(key=f"jobs_try_{job.id}_output").value
    assert answer.strip(), _texts(at)
    assert any(t.value.startswith("Probability of the whole answer: ") for t in at.text)
    tokens = [d.value for d in at.dataframe if "alternatives" in d.value.columns]
    assert tokens and tokens[0]["token"].iloc[0], "no table of the answer's tokens"
    assert "Lineage" in [h.value for h in at.subheader]

    # Fine-tuned models tab: delete with confirmation.
    at.selectbox(key="jobs_delete_choice").set_value(job.fine_tuned_model)
    at.button(key="jobs_delete").click()
    _run(at)
    assert any("cannot be undone" in w.value for w in at.warning)
    at.button(key="jobs_delete_yes").click()
    _run(at)
    assert f"Deleted {job.fine_tuned_model} from Built-in engine." in _texts(at)
