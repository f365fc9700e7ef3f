"""Synthetic runs against the built-in engine through the real SDK: the new dataset, its
provenance and flags, finishing once, and resuming after a cancel or a killed process."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter

import openai
import pytest
import sqlalchemy as sa

from lib import runner
from lib.core.errors import UserError
from lib.core.example_store import list_batches, list_examples, undo_batch
from lib.core.examples import Example
from lib.core.paths import REPO_ROOT
from lib.datasets.repo import get_dataset, import_examples
from lib.runner.tables import runner_items
from lib.synth import (
    create_synthetic_run,
    dataset_of_run,
    finish,
    make_plan,
    run_synthetic,
    stored_answers,
)
from lib.synth.columns import column_values, value_fields
from lib.synth.output import FLAG_REASON, PROVENANCE_KEY
from tests.unit.synth.conftest import small_spec


def _rows(engine, dataset_id):
    with engine.connect() as conn:
        return list_examples(conn, dataset_id, limit=10_000)


def _items(engine, run_id):
    with engine.connect() as conn:
        return conn.execute(
            sa.select(runner_items)
            .where(runner_items.c.run_id == run_id)
            .order_by(runner_items.c.position)
        ).fetchall()


def test_completion_dataset_with_provenance(synth_db):
    spec = small_spec(system="You are a copywriter.")
    run_id = create_synthetic_run(synth_db, spec, created_by="Ana")
    progress = run_synthetic(synth_db, run_id)
    assert (progress.status, progress.done, progress.failed, progress.total) == ("done", 8, 0, 8)
    result = finish(synth_db, run_id, author="Ana")
    assert (result.name, result.n_examples, result.n_missing) == ("Synthetic test", 8, 0)
    with synth_db.connect() as conn:
        info = get_dataset(conn, result.dataset_id)
    assert info.schema == "completion" and info.n_examples == 8
    assert info.meta["synthetic"]["run_id"] == run_id
    assert info.meta["unknown_keys"] == {PROVENANCE_KEY: 8}
    rows = _rows(synth_db, result.dataset_id)  # what the review workspace lists
    assert [r.prompt for r in rows] == [
        "bakeries, Paris, small", "bakeries, Paris, small", "bakeries, Berlin, small",
        "bakeries, Berlin, small", "pharmacies, Paris, small", "pharmacies, Paris, small",
        "pharmacies, Berlin, small", "pharmacies, Berlin, small",
    ]  # fmt: skip
    for row in rows:
        assert row.completion.startswith(" ") and row.completion.strip()
        assert set(row.data) == {"prompt", "completion", PROVENANCE_KEY}
        prov = row.data[PROVENANCE_KEY]
        values = prov["values"]
        assert prov["generator_model"] == "tunelab-base"
        assert prov["provider"] == "Built-in engine"
        assert prov["generation_prompt"] == (
            f"Write one sentence selling payment terminals to {values['size']} {values['sector']} "
            f"in {values['city']}."
        )
        assert prov["template"] == spec.generation_template
        assert prov["training_template"] == spec.training_template
        assert prov["system"] == "You are a copywriter."
        assert (prov["temperature"], prov["max_tokens"], prov["run_id"]) == (1.0, 30, run_id)
        assert row.prompt == f"{values['sector']}, {values['city']}, {values['size']}"
    assert [r.data[PROVENANCE_KEY]["sample"] for r in rows] == [1, 2] * 4
    assert len({r.data[PROVENANCE_KEY]["seed"] for r in rows}) == 8
    assert dataset_of_run(synth_db, run_id) == result.dataset_id


def test_same_spec_again_reuses_stored_answers_a_new_seed_asks_afresh(synth_db):
    spec = small_spec(dataset_name="First")
    assert stored_answers(synth_db, make_plan(spec)) == 0
    first = create_synthetic_run(synth_db, spec, created_by="Ana")
    run_synthetic(synth_db, first)
    assert stored_answers(synth_db, make_plan(spec)) == 8
    assert stored_answers(synth_db, make_plan(small_spec(seed=1))) == 0
    again = create_synthetic_run(synth_db, small_spec(dataset_name="Second"), created_by="Ana")
    progress = run_synthetic(synth_db, again)
    assert (progress.done, progress.cached) == (8, 8)
    texts = [
        r.completion for r in _rows(synth_db, finish(synth_db, first, author="Ana").dataset_id)
    ]
    again_texts = [
        r.completion for r in _rows(synth_db, finish(synth_db, again, author="Ana").dataset_id)
    ]
    assert texts == again_texts
    fresh = create_synthetic_run(
        synth_db, small_spec(dataset_name="Third"), created_by="Ana", fresh=True
    )
    progress = run_synthetic(synth_db, fresh)
    assert (progress.done, progress.cached) == (8, 0)  # asked again, not taken from the store


def test_chat_dataset_has_system_user_and_assistant(synth_db):
    spec = small_spec(
        output="chat", training_system="You write sales copy.", dataset_name="Chat synth"
    )
    run_id = create_synthetic_run(synth_db, spec, created_by="Ana")
    run_synthetic(synth_db, run_id)
    result = finish(synth_db, run_id, author="Ana")
    rows = _rows(synth_db, result.dataset_id)
    assert len(rows) == 8
    messages = rows[0].data["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant"]
    assert messages[0]["content"] == "You write sales copy."
    assert messages[1]["content"] == "bakeries, Paris, small"
    assert messages[2]["content"] and messages[2]["content"] == messages[2]["content"].strip()
    assert rows[0].data[PROVENANCE_KEY]["values"] == {
        "sector": "bakeries",
        "city": "Paris",
        "size": "small",
    }


def test_duplicates_are_flagged_in_one_undoable_batch(synth_db):
    # At temperature 0 the engine answers a prompt the same way whatever the seed.
    spec = small_spec(
        temperature=0.0,
        samples=3,
        values={"sector": ["bakeries", "florists"], "city": ["Paris"], "size": ["small"]},
    )
    run_id = create_synthetic_run(synth_db, spec, created_by="Ana")
    run_synthetic(synth_db, run_id)
    result = finish(synth_db, run_id, author="Ana")
    rows = _rows(synth_db, result.dataset_id)
    assert len(rows) == 6
    assert rows[0].status == "unreviewed"
    for index, first in ((1, 1), (2, 1), (4, 4), (5, 4)):
        assert rows[index].status == "flagged"
        assert f"duplicate of row {first}" in rows[index].comment
        assert rows[index].updated_by == "Ana"
    assert result.n_flagged >= 4
    with synth_db.connect() as conn:
        [batch] = list_batches(conn, result.dataset_id)
    assert batch.reason == FLAG_REASON and batch.n_changes == result.n_flagged
    undo_batch(synth_db, batch.id, author="Ana")
    assert {r.status for r in _rows(synth_db, result.dataset_id)} == {"unreviewed"}


def test_finish_refuses_missing_answers_then_makes_the_dataset_once(synth_db):
    spec = small_spec(dataset_name="Once")
    run_id = create_synthetic_run(synth_db, spec, created_by="Ana")
    with pytest.raises(UserError, match="has no answers yet"):
        finish(synth_db, run_id, author="Ana")
    with pytest.raises(UserError, match="reviewer name"):
        finish(synth_db, run_id, author=" ")
    # Half the answers, deterministically: an earlier run asked the bakeries' four requests;
    # a run started with its cancel already set takes those from the store and sends nothing.
    half = small_spec(
        dataset_name="Half",
        values={"sector": ["bakeries"], "city": ["Paris", "Berlin"], "size": ["small"]},
    )
    run_synthetic(synth_db, create_synthetic_run(synth_db, half, created_by="Ana"))
    cancel = threading.Event()
    cancel.set()
    progress = run_synthetic(synth_db, run_id, cancel=cancel)
    assert (progress.status, progress.done, progress.pending) == ("cancelled", 4, 4)
    with pytest.raises(
        UserError, match="4 of 8 requests of run .* have no answer .*resume the run"
    ):
        finish(synth_db, run_id, author="Ana")
    assert run_synthetic(synth_db, run_id).done == 8
    first = finish(synth_db, run_id, author="Ana")
    again = finish(synth_db, run_id, author="Ben")
    assert again.already and again.dataset_id == first.dataset_id and first.n_examples == 8
    with pytest.raises(UserError, match="exists already"):
        create_synthetic_run(synth_db, spec, created_by="Ana")


def test_partial_dataset_from_the_answers_there_are(synth_db):
    spec = small_spec(dataset_name="Partial")
    run_id = create_synthetic_run(synth_db, spec, created_by="Ana")
    # A request the engine refuses (unknown model) fails its item; the others answer.
    with synth_db.begin() as conn:
        first = conn.execute(
            sa.select(runner_items).where(
                runner_items.c.run_id == run_id, runner_items.c.position == 0
            )
        ).first()
        body = json.loads(first.body) | {"model": "no-such-model"}
        conn.execute(
            runner_items.update().where(runner_items.c.id == first.id)
            .values(model="no-such-model", body=json.dumps(body), request_key="x" * 64)
        )  # fmt: skip
    progress = run_synthetic(synth_db, run_id)
    assert (progress.done, progress.failed) == (7, 1)
    with pytest.raises(UserError, match="1 of 8 requests"):
        finish(synth_db, run_id, author="Ana")
    result = finish(synth_db, run_id, author="Ana", allow_partial=True)
    assert (result.n_examples, result.n_missing) == (7, 1)
    with synth_db.connect() as conn:
        assert "1 requests had no answer" in get_dataset(conn, result.dataset_id).description


# ----------------------------------------------------------------------------- resume


@pytest.fixture(scope="module")
def slow_engine(tmp_path_factory):
    """A private engine that takes 60 ms per request, so a run can be stopped half-way."""
    from lib.engine.local import start_engine

    handle = start_engine(
        data_dir=tmp_path_factory.mktemp("slow-engine"), env={"TUNELAB_ENGINE_LATENCY_MS": "60"}
    )
    yield handle.base_url
    handle.stop()


def _combinations_once(engine, dataset_id, samples):
    rows = _rows(engine, dataset_id)
    keys = Counter(
        (
            json.dumps(r.data[PROVENANCE_KEY]["values"], sort_keys=True),
            r.data[PROVENANCE_KEY]["sample"],
        )
        for r in rows
    )
    assert set(keys.values()) == {1}
    return len(keys)


def test_cancel_mid_run_then_resume_sends_every_request_once(synth_db, slow_engine, monkeypatch):
    monkeypatch.setenv("TUNELAB_ENGINE_URL", slow_engine)
    values = {"sector": ["a", "b", "c", "d"], "city": ["x", "y", "z"], "size": ["s"]}
    spec = small_spec(values=values, samples=2, dataset_name="Cancelled")  # 24 requests
    run_id = create_synthetic_run(synth_db, spec, created_by="Ana")
    watcher = _cancel_when_done(synth_db, run_id, 4)
    first = run_synthetic(synth_db, run_id, options=runner.RunOptions(concurrency=2))
    watcher.join()
    assert first.status == "cancelled"
    assert 4 <= first.done < 24
    done_before = {row.item for row in _items(synth_db, run_id) if row.status == "done"}
    second = run_synthetic(synth_db, run_id, options=runner.RunOptions(concurrency=4))
    assert (second.status, second.done, second.failed) == ("done", 24, 0)
    items = _items(synth_db, run_id)
    assert [row.attempts for row in items] == [1] * 24  # no request was sent twice
    assert done_before < {row.item for row in items}
    result = finish(synth_db, run_id, author="Ana")
    assert _combinations_once(synth_db, result.dataset_id, 2) == 24


def _cancel_when_done(engine, run_id: int, n: int) -> threading.Thread:
    """Ask for a cancel through the store (as the screen's button does) once n are answered."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if sum(row.status == "done" for row in _items(engine, run_id)) >= n:
                runner.request_cancel(engine, run_id)
                return
            time.sleep(0.01)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


_CHILD = """
import sys
from lib.core.db import create_engine_for
from lib import runner
from lib.synth import run_synthetic
run_synthetic(create_engine_for(sys.argv[1]), int(sys.argv[2]), options=runner.RunOptions(concurrency=1))
"""


@pytest.mark.slow
def test_killed_process_resumes_without_repeating_finished_requests(
    synth_db, slow_engine, monkeypatch
):
    monkeypatch.setenv("TUNELAB_ENGINE_URL", slow_engine)
    values = {"sector": [f"s{i}" for i in range(10)], "city": ["x", "y"], "size": ["s"]}
    spec = small_spec(values=values, samples=2, dataset_name="Killed")  # 40 requests
    run_id = create_synthetic_run(synth_db, spec, created_by="Ana")
    env = {**os.environ, "TUNELAB_ENGINE_URL": slow_engine, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _CHILD,
            synth_db.url.render_as_string(hide_password=False),
            str(run_id),
        ],
        cwd=REPO_ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if sum(row.status == "done" for row in _items(synth_db, run_id)) >= 3:
                break
            assert child.poll() is None, "the generating process ended before it was killed"
            time.sleep(0.02)
        child.kill()
        child.wait(15)
    finally:
        if child.poll() is None:
            child.kill()
    before = _items(synth_db, run_id)
    finished = {row.body for row in before if row.status == "done"}
    assert 3 <= len(finished) < 40
    # Resume in this process, counting what actually goes over the wire.
    sent: list[str] = []
    lock = threading.Lock()

    def count(request) -> None:
        with lock:
            sent.append(request.content.decode("utf-8"))

    client = openai.OpenAI(
        base_url=slow_engine, api_key="tunelab-local",
        http_client=openai.DefaultHttpxClient(event_hooks={"request": [count]}),
    )  # fmt: skip
    progress = runner.execute(
        synth_db, run_id, client_for=lambda _model: client, options=runner.RunOptions(concurrency=4)
    )
    assert (progress.status, progress.done) == ("done", 40)
    seeds_sent = Counter(json.loads(body)["seed"] for body in sent)
    seeds_finished = {json.loads(body)["seed"] for body in finished}
    assert len(sent) == 40 - len(finished)
    assert set(seeds_sent.values()) == {1}
    assert seeds_finished.isdisjoint(seeds_sent)
    result = finish(synth_db, run_id, author="Ana")
    assert _combinations_once(synth_db, result.dataset_id, 2) == 40


# ----------------------------------------------------------------------------- values from data


def test_values_from_a_dataset_column(db):
    rows = [
        Example(
            data={
                "prompt": f"p{i}",
                "completion": f" {label}",
                "city": city,
                "n": i % 2,
                "tags": ["x"],
            },
            source_row=i + 1,
        )
        for i, (label, city) in enumerate(
            itertools.product(["yes", "no"], ["Paris", "Berlin", "Paris "])
        )
    ]
    dataset_id = import_examples(db, name="Source", schema="completion", rows=rows).dataset_id
    fields = value_fields(db, dataset_id)
    assert fields[:3] == ["label", "prompt", "completion"]
    assert "data.city" in fields and "data.n" in fields and "data.tags" not in fields
    assert column_values(db, dataset_id, field="label") == ["yes", "no"]
    assert column_values(db, dataset_id, field="data.city") == ["Paris", "Berlin"]
    assert column_values(db, dataset_id, field="data.n") == ["0", "1"]
    with pytest.raises(UserError, match="no values"):
        column_values(db, dataset_id, field="data.missing")
    with pytest.raises(UserError, match="unknown field"):
        column_values(db, dataset_id, field="colour")
    with pytest.raises(UserError, match="more than 1"):
        column_values(db, dataset_id, field="label", limit=1)


def test_unknown_provider_is_refused_before_anything_is_stored(synth_db):
    with pytest.raises(UserError, match="no provider named"):
        create_synthetic_run(synth_db, small_spec(provider="Gone"), created_by="Ana")
    with synth_db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(runner_items)).scalar_one() == 0
