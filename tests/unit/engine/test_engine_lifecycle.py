"""Pause, resume, cancel, restart mid-job, fault injection and the app's shared engine."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import openai
import pytest

from lib.core.paths import REPO_ROOT
from lib.engine.local import ensure_engine, start_engine, stop_shared_engine
from tests.unit.engine.engine_helpers import ag_news_rows, chat_line, client_for, jsonl, wait_for

SLOW = {"TUNELAB_ENGINE_TRAIN_STEP_DELAY_MS": "20"}


def _news_file(client, count: int = 300) -> str:  # type: ignore[no-untyped-def]
    lines = [chat_line(r) for r in ag_news_rows()[:count]]
    return client.files.create(file=("news.jsonl", jsonl(lines)), purpose="fine-tune").id


def _running_with_steps(client, job_id: str, steps: int) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        metrics = [
            e for e in client.fine_tuning.jobs.list_events(job_id, limit=5) if e.type == "metrics"
        ]
        if metrics and metrics[0].data["step"] >= steps:
            return
        time.sleep(0.05)
    raise AssertionError("the job did not reach its steps")


def test_pause_resume_and_cancel(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with start_engine(data_dir=tmp_path, env=SLOW) as engine:
        client = client_for(engine, max_retries=0)
        file_id = _news_file(client)
        hyper = {"n_epochs": 2, "batch_size": 6}
        job = client.fine_tuning.jobs.create(
            model="tunelab-base", training_file=file_id, hyperparameters=hyper
        )
        _running_with_steps(client, job.id, 5)
        assert client.fine_tuning.jobs.pause(job.id).status == "pausing"
        paused = wait_for(client, job.id, statuses=("paused",))
        assert paused.fine_tuned_model is None
        with pytest.raises(openai.BadRequestError):
            client.fine_tuning.jobs.pause(job.id)
        assert client.fine_tuning.jobs.resume(job.id).status == "queued"
        done = wait_for(client, job.id)
        assert done.status == "succeeded"
        steps = client.files.content(done.result_files[0]).text.splitlines()[1:]
        assert [int(s.split(",")[0]) for s in steps] == list(
            range(1, 101)
        )  # no step lost or repeated

        second = client.fine_tuning.jobs.create(
            model="tunelab-base", training_file=file_id, hyperparameters=hyper
        )
        _running_with_steps(client, second.id, 3)
        assert client.fine_tuning.jobs.cancel(second.id).status == "cancelled"
        time.sleep(0.3)
        final = client.fine_tuning.jobs.retrieve(second.id)
        assert final.status == "cancelled" and final.fine_tuned_model is None


def test_restart_mid_job_loses_nothing_and_resumes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = start_engine(data_dir=tmp_path, env=SLOW)
    client = client_for(engine, max_retries=0)
    file_id = _news_file(client)
    job = client.fine_tuning.jobs.create(
        model="tunelab-base",
        training_file=file_id,
        hyperparameters={"n_epochs": 3, "batch_size": 6},
    )
    _running_with_steps(client, job.id, 60)  # past the first epoch (50 steps)
    engine.kill()  # a crash: no chance to tidy up

    with start_engine(data_dir=tmp_path) as again:
        client = client_for(again, max_retries=0)
        assert client.files.retrieve(file_id).filename == "news.jsonl"
        done = wait_for(client, job.id)
        assert done.status == "succeeded"
        events = list(reversed(client.fine_tuning.jobs.list_events(job.id, limit=500).data))
        assert "The engine restarted during training; resuming from epoch 2." in [
            e.message for e in events
        ]
        # The steps of the lost partial epoch are trained again but not reported twice: a loss
        # chart built from the events only moves forward, one point every 3 of 150 steps.
        steps = [int(e.data["step"]) for e in events if e.type == "metrics"]
        assert all(a < b for a, b in zip(steps, steps[1:], strict=False)), steps
        assert steps == list(range(3, 151, 3))
        # Training is seeded, so the steps trained again reached what their events reported.
        rows = client.files.content(done.result_files[0]).text.splitlines()[1:]
        losses = {int(r.split(",")[0]): r.split(",")[1] for r in rows}
        for event in (e for e in events if e.type == "metrics"):
            assert f"{event.data['train_loss']:.5f}" == losses[int(event.data["step"])]
        model_id = done.fine_tuned_model
        assert model_id in [m.id for m in client.models.list()]
    with start_engine(data_dir=tmp_path) as third:  # and the model survives a clean restart too
        answer = client_for(third).chat.completions.create(
            model=model_id, messages=[{"role": "user", "content": "Stocks rally"}]
        )
        assert answer.choices[0].message.content in {"World", "Sports", "Business", "Sci/Tech"}


def test_sdk_retries_survive_injected_429s_and_500s(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {
        "TUNELAB_ENGINE_FAULT_429": "0.3",
        "TUNELAB_ENGINE_FAULT_500": "0.2",
        "TUNELAB_ENGINE_FAULT_SEED": "11",
        "TUNELAB_ENGINE_RETRY_AFTER_MS": "20",
        "TUNELAB_ENGINE_LATENCY_MS": "5",
    }
    with start_engine(data_dir=tmp_path, env=env) as engine:
        patient = client_for(engine, max_retries=10)
        # Greedy, so every answer is the same whole one: sampled at temperature 1 the base
        # model may end its answer at once (about 1 in 300), an empty answer that proves nothing.
        answers = {
            patient.chat.completions.create(
                model="tunelab-base",
                messages=[{"role": "user", "content": "hi"}],
                max_tokens=2,
                temperature=0,
            )
            .choices[0]
            .message.content
            for _ in range(20)
        }
        assert len(answers) == 1 and all(answers), answers
        impatient = client_for(engine, max_retries=0)
        seen: set[int] = set()
        for _ in range(40):
            try:
                impatient.models.list()
            except openai.RateLimitError as exc:
                assert exc.response.headers["retry-after-ms"] == "20"
                seen.add(429)
            except openai.InternalServerError:
                seen.add(500)
        assert seen == {429, 500}


def test_ensure_engine_starts_once_and_is_reused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = ensure_engine(data_dir=tmp_path)
    try:
        assert ensure_engine(data_dir=tmp_path) == first
        assert json.loads((tmp_path / "engine.json").read_text())["base_url"] == first
        assert [m.id for m in client_for_url(first).models.list()][0] == "tunelab-base"
    finally:
        assert stop_shared_engine(data_dir=tmp_path) is True
    with pytest.raises(openai.APIConnectionError):
        client_for_url(first).with_options(max_retries=0).models.list()
    assert stop_shared_engine(data_dir=tmp_path) is False


def client_for_url(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key="tunelab-local")


def test_cli_refuses_bad_fault_rate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, "-m", "lib", "engine", "--data-dir", str(tmp_path), "--fault-429", "2"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert (
        result.stderr.strip() == "error: engine settings: fault_429 must be a rate between 0 and 1"
    )


def test_an_engine_stops_when_the_process_that_started_it_is_killed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import signal

    starter = subprocess.Popen(
        [
            sys.executable, "-c",
            "import sys, time; from lib.engine.local import start_engine\n"
            "handle = start_engine(data_dir=sys.argv[1])\n"
            "print(handle.process.pid, flush=True); time.sleep(600)",
            str(tmp_path),
        ],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert starter.stdout is not None
    engine_pid = int(starter.stdout.readline())
    os.kill(starter.pid, signal.SIGKILL)  # no cleanup runs in the starter
    starter.wait()

    def gone() -> bool:
        try:
            os.kill(engine_pid, 0)
        except ProcessLookupError:
            return True
        return False

    deadline = time.monotonic() + 20
    while not gone() and time.monotonic() < deadline:
        time.sleep(0.1)
    if not gone():
        os.kill(engine_pid, signal.SIGKILL)
        raise AssertionError("the engine outlived the process that started it")
