"""The evaluation screens wired together (AppTest) against a real store and the built-in engine."""

from __future__ import annotations

import re
import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib import runner
from lib.core.db import dispose_all
from lib.core.examples import Example
from lib.core.paths import REPO_ROOT
from lib.datasets.repo import import_examples
from lib.evaluate import ModelSpec, create_evaluation, run_evaluation
from lib.evaluate import testset as tests
from lib.snapshots.repo import create_snapshot
from tests.unit.evaluate.helpers import BASE, review_rows, train_classifier

EVALUATE = str(REPO_ROOT / "pages" / "evaluate.py")
RESULTS = str(REPO_ROOT / "pages" / "results.py")


@pytest.fixture(scope="module")
def tuned(engine_url: str) -> str:
    return train_classifier(engine_url, rows=review_rows()[:300])


@pytest.fixture
def store(app_store, engine_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TUNELAB_ENGINE_URL", engine_url)
    engine = app_store
    rows = [Example(data=r, source_row=i + 1) for i, r in enumerate(review_rows()[300:420])]
    rows[0] = Example(
        data={"prompt": "<script>window.__pwned=1</script>\n\n###\n\n", "completion": " 5"},
        source_row=1,
    )
    dataset = import_examples(engine, name="Reviews", schema="completion", rows=rows).dataset_id
    snapshot = create_snapshot(engine, dataset, author="Ana", train=0.5, valid=0.1, test=0.4)
    yield engine, getattr(snapshot, "id", snapshot)


def _results_of(engine, run_id: int) -> AppTest:  # noqa: ANN001
    """Run the evaluation, then open Results on it as Ana."""
    run_evaluation(engine, run_id)
    at = AppTest.from_file(RESULTS, default_timeout=60)
    at.session_state["reviewer_name"] = "Ana"
    at.session_state["eval_run_id"] = run_id
    at.run()
    assert not at.exception
    return at


def test_run_an_evaluation_from_the_page(store, tuned: str) -> None:
    engine, _snapshot = store
    at = AppTest.from_file(EVALUATE, default_timeout=60)
    at.session_state["reviewer_name"] = "Ana"
    at.run()
    assert not at.exception
    at.multiselect(key="eval_models").set_value([BASE, tuned]).run()
    summary = " ".join(t.value for t in at.text)
    assert "2 candidates" in summary and "classification" in summary
    at.button(key="eval_start").click().run()
    assert not at.exception and not at.error
    run_id = at.session_state["eval_run_id"]
    progress = runner.wait_until_finished(engine, run_id, timeout_s=120)
    assert progress.status == "done" and progress.done == progress.total > 0
    at.run()
    assert any("Finished" in s.value for s in at.success)


def test_evaluate_page_needs_a_reviewer_name(store) -> None:
    at = AppTest.from_file(EVALUATE, default_timeout=60).run()
    assert at.button(key="eval_start").disabled
    assert any("Enter your name" in c.value for c in at.caption)


def test_results_page_shows_metrics_and_sends_to_review(store, tuned: str) -> None:
    engine, snapshot = store
    testset = tests.from_snapshot(engine, snapshot)
    run_id = create_evaluation(
        engine, testset, [ModelSpec(BASE), ModelSpec(tuned)], created_by="Ana"
    )
    at = _results_of(engine, run_id)
    metrics_frame = at.dataframe[0].value
    assert list(metrics_frame["metric"])[:2] == ["accuracy", "macro F1"]
    assert any(c.startswith("Δ ") for c in metrics_frame.columns)
    assert "McNemar" in " ".join(m.value for m in at.markdown)
    texts = " ".join(t.value for t in at.text)
    assert f"{len(testset.examples)} examples" in texts
    # the user's prompt is shown as text, never as HTML
    assert not any("__pwned" in m.value for m in at.markdown)

    per_class = [d.value for d in at.dataframe if "candidate" in d.value.columns]
    assert per_class and per_class[0]["support"].notna().all()

    # Token probabilities: the list of examples narrows to the wrong ones. Hidden tabs are not
    # drawn until the user opens them (a click on a tab reruns the script).
    assert not any(re.fullmatch(r"[\d,]+ of [\d,]+ examples", c.value) for c in at.caption)
    at.session_state["res_tab"] = "Token probabilities"
    at.run()

    def shown() -> str:
        return next(
            c.value for c in at.caption if re.fullmatch(r"[\d,]+ of [\d,]+ examples", c.value)
        )

    every = shown()
    assert every == f"{len(testset.examples)} of {len(testset.examples)} examples"
    at.checkbox(key="res_tp_wrong").check().run()
    wrong = int(shown().split(" of ")[0])
    assert 0 < wrong <= len(testset.examples)
    at.checkbox(key="res_tp_low").check()
    at.slider(key="res_tp_threshold").set_value(0.0).run()
    assert any("No example matches" in i.value for i in at.info)
    at.session_state["res_tab"] = "Suspicious"
    at.run()
    at.slider(key="res_susp_conf").set_value(0.5).run()
    if at.button(key="res_susp_send").disabled is False:
        at.button(key="res_susp_send").click().run()
        assert any("Flagged" in s.value for s in at.success)


def test_results_page_without_runs(data_dir) -> None:
    st.cache_resource.clear()
    at = AppTest.from_file(RESULTS, default_timeout=60).run()
    assert not at.exception
    assert any("no evaluation runs" in i.value for i in at.info)
    dispose_all()


def test_batch_mode_from_the_page(store, tuned: str) -> None:
    engine, _snapshot = store
    at = AppTest.from_file(EVALUATE, default_timeout=60)
    at.session_state["reviewer_name"] = "Ana"
    at.run()
    at.multiselect(key="eval_models").set_value([BASE, tuned]).run()
    at.checkbox(key="eval_batch").check().run()
    at.button(key="eval_start").click().run()
    assert not at.exception and not at.error
    run_id = at.session_state["eval_run_id"]
    batches = runner.batch_status(engine, run_id)
    assert len(batches) == 2 and all(b["batch"] for b in batches)  # one batch per model
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        at.session_state[f"eval_batch_checked_{run_id}"] = 0.0  # due for a check
        at.run()
        if any("Finished" in s.value for s in at.success):
            break
        time.sleep(0.3)
    assert any("Finished" in s.value for s in at.success)
    with engine.connect() as conn:
        progress = runner.get_progress(conn, run_id)
    assert progress.done == progress.total and progress.cached == 0
    assert all(b["status"] == "collected" for b in runner.batch_status(engine, run_id))


def test_generation_results_side_by_side_and_blind_vote(store) -> None:
    engine, _snapshot = store
    rows = [
        Example(data={"prompt": f"Question {i}?", "completion": f" answer {i}"}, source_row=i + 1)
        for i in range(4)
    ]
    testset = tests.from_examples("completion", rows, file_name="gen.jsonl")
    run_id = create_evaluation(
        engine,
        testset,
        [ModelSpec(BASE), ModelSpec("tunelab-base")],
        created_by="Ana",
        max_tokens=6,
    )
    at = _results_of(engine, run_id)
    scores = at.dataframe[0].value
    assert list(scores["model"]) == [BASE, "tunelab-base"] and "chrF" in scores.columns
    side = at.dataframe[1].value
    assert {"prompt", "reference", BASE, "tunelab-base"} <= set(side.columns)
    assert "0 voted · 4 to go" in [t.value for t in at.text]
    (vote_a,) = [b for b in at.button if b.label == "A is better"]
    vote_a.click().run()
    assert not at.exception
    assert "1 voted · 3 to go" in [t.value for t in at.text]
    rates = next(d.value for d in at.dataframe if "wins" in d.value.columns)
    assert sorted(rates["wins"]) == [0, 1]


def test_prompted_and_fine_tuned_candidates_side_by_side(store, tuned: str) -> None:
    """Zero-shot base, 8-shot base (demonstrations from the snapshot's train split) and the
    fine-tuned model: run from the page, then measured accuracy, cost and recipes on Results."""
    engine, _snapshot = store
    at = AppTest.from_file(EVALUATE, default_timeout=60)
    at.session_state["reviewer_name"] = "Ana"
    at.run()
    at.multiselect(key="eval_models").set_value([BASE, tuned]).run()
    at.multiselect(key=f"eval_recipes_{BASE}").set_value(
        ["0-shot (instructions only)", "8-shot"]
    ).run()
    assert not at.exception and not at.error
    summary = " ".join(t.value for t in at.text)
    assert "3 candidates" in summary, summary
    at.button(key="eval_start").click().run()
    run_id = at.session_state["eval_run_id"]
    progress = runner.wait_until_finished(engine, run_id, timeout_s=180)
    assert progress.status == "done" and progress.failed == 0

    results = _results_of(engine, run_id)
    results.session_state["res_tab"] = "Prompting vs fine-tuning"
    results.run()
    frame = next(d.value for d in results.dataframe if "demonstrations" in d.value.columns)
    assert list(frame["candidate"]) == [f"{BASE}+0-shot", f"{BASE}+8-shot", tuned]
    assert list(frame["demonstrations"]) == ["0", "8", "bare prompt"]
    tokens = dict(zip(frame["candidate"], frame["prompt tokens (mean)"], strict=True))
    assert tokens[f"{BASE}+8-shot"] > 4 * tokens[tuned]
    assert all(str(v).startswith("$") for v in frame["cost per 1,000 predictions"])
    codes = [c.value for c in results.code]
    assert any(c.startswith("system: Classify the input.") and "assistant:" in c for c in codes)
    assert any("fine-tuning" in t.value for t in results.text)
