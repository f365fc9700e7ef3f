"""Together, Fireworks and Mistral adapters through the train feature, against the built-in
engine's dialects of those providers over HTTP: launch exactly once (a double submit, and a
crash between the provider's create and the store's write), watch to success, cancel, list
and delete models, and the messages people see for auth and validation errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
import sqlalchemy as sa

from lib.core.errors import UserError
from lib.engine.local import EngineHandle, start_engine
from lib.providers import client_for, get_provider, preset, save_provider, translate_error
from lib.providers.adapters.base import status_error
from lib.train import LaunchRequest, claim, launch, launch_key, list_jobs, reconcile, wait_for_job
from lib.train.models import delete_model, fine_tuned_models
from lib.train.watch import job_action, refresh_job

KEY = "dialect-key-0123"
PROVIDERS: dict[str, dict[str, Any]] = {
    "Together AI": {"prefix": "/together/v1", "env": "TOGETHER_API_KEY", "model": "Qwen/Qwen3-8B"},
    "Fireworks AI": {
        "prefix": "/fireworks",
        "env": "FIREWORKS_API_KEY",
        "model": "accounts/fireworks/models/qwen3-8b",
        "account": "acme",
    },  # fmt: skip
    "Mistral AI": {"prefix": "/mistral", "env": "MISTRAL_API_KEY", "model": "ministral-8b-latest"},
}


@pytest.fixture(scope="module")
def dialects() -> Iterator[EngineHandle]:
    """An engine whose dialects accept only ``KEY`` and train a few ms per step."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tunelab-adapters-"))
    env = {"TUNELAB_ENGINE_DIALECT_KEY": KEY, "TUNELAB_ENGINE_TRAIN_STEP_DELAY_MS": "3"}
    handle = start_engine(data_dir=folder, env=env)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(params=list(PROVIDERS))
def provider(
    request: pytest.FixtureRequest,
    db: sa.Engine,
    dialects: EngineHandle,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    return _configure(str(request.param), db, dialects, monkeypatch)


def _configure(
    name: str, db: sa.Engine, dialects: EngineHandle, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    spec = PROVIDERS[name]
    root = dialects.base_url.removesuffix("/v1")
    changes: dict[str, Any] = {"base_url": root + spec["prefix"]}
    if "account" in spec:
        changes["account"] = spec["account"]
    save_provider(db, preset(name, **changes))
    monkeypatch.setenv(spec["env"], KEY)
    return {"name": name, **spec}


def _request(snapshot_id: int, provider: dict[str, Any], **changes: Any) -> LaunchRequest:
    values: dict[str, Any] = {
        "snapshot_id": snapshot_id, "provider": provider["name"], "model": provider["model"],
        "hyperparameters": {"n_epochs": 2}, "suffix": "reviews", "seed": 7,
    }  # fmt: skip
    values.update(changes)
    return LaunchRequest(**values)


def _jobs_at_provider(db: sa.Engine, provider: dict[str, Any], key: str) -> list[Any]:
    client = client_for(get_provider(db, provider["name"]))
    return list(client.fine_tuning.jobs.list(metadata={"tunelab_key": key}))


def test_double_submit_makes_one_job_that_runs_to_success(db, snapshot, provider) -> None:  # type: ignore[no-untyped-def]
    request = _request(snapshot.id, provider)
    key = launch_key(db, request)
    results: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def submit() -> None:
        try:
            barrier.wait()
            results.append(launch(db, request, key=key, author="Ana", override_warnings=True))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    job_ids = {r.job.provider_job_id for r in results if r.job.provider_job_id}
    assert len(job_ids) == 1
    at_provider = _jobs_at_provider(db, provider, key)
    assert [j.id for j in at_provider] == list(job_ids)
    with db.connect() as conn:
        assert len(list_jobs(conn)) == 1

    done = wait_for_job(db, results[0].job.id, timeout=120)
    assert done.status == "succeeded", done.error
    assert done.fine_tuned_model
    detail = refresh_job(db, done.id)
    assert detail.problem is None
    if provider["name"] != "Fireworks AI":  # Fireworks' REST surface has no loss series
        assert detail.metrics and all("train_loss" in p for p in detail.metrics)
    assert detail.events

    again = launch(db, request, key=key, author="Ana", override_warnings=True)
    assert not again.created and again.job.provider_job_id == done.provider_job_id

    # The fine-tuned model answers through the provider's OpenAI-compatible endpoint.
    client = client_for(get_provider(db, provider["name"]))
    answer = client.chat.completions.create(
        model=str(done.fine_tuned_model), max_tokens=5,
        messages=[{"role": "user", "content": "Great product, works perfectly."}],
    )  # fmt: skip
    assert answer.choices[0].message.content
    assert answer.model == done.fine_tuned_model

    from lib.providers import list_models

    tunable = [m.id for m in list_models(get_provider(db, provider["name"])) if m.fine_tunable]
    assert provider["model"] in tunable and done.fine_tuned_model not in tunable

    models = fine_tuned_models(db, provider["name"])
    assert done.fine_tuned_model in [m.model.id for m in models]
    mine = next(m for m in models if m.model.id == done.fine_tuned_model)
    assert mine.job is not None and mine.job.id == done.id
    said = delete_model(db, provider["name"], str(done.fine_tuned_model))
    assert "Deleted" in said
    assert done.fine_tuned_model not in [
        m.model.id for m in fine_tuned_models(db, provider["name"])
    ]


def test_a_crash_after_create_is_reconciled_by_listing(db, snapshot, provider) -> None:  # type: ignore[no-untyped-def]
    """The job exists at the provider but the store never recorded it: reconcile adopts it."""
    request = _request(snapshot.id, provider, suffix="crash")
    key = launch_key(db, request)
    row, won = claim(db, request, key=key, author="Ana")
    assert won and row.provider_job_id is None
    config = get_provider(db, provider["name"])
    client = client_for(config)
    data = b"".join(
        b'{"messages": [{"role": "user", "content": "item %d"}, '
        b'{"role": "assistant", "content": "%s"}]}\n' % (n, b"yes" if n % 2 else b"no")
        for n in range(30)
    )
    upload = client.files.create(file=("crash.jsonl", data), purpose="fine-tune")
    created = client.fine_tuning.jobs.create(
        model=provider["model"], training_file=upload.id, suffix="crash",
        metadata={"tunelab_key": key},
    )  # fmt: skip
    adopted = reconcile(db, row.id)
    assert adopted.provider_job_id == created.id
    result = launch(db, request, key=key, author="Ana", override_warnings=True)
    assert result.job.provider_job_id == created.id
    assert [j.id for j in _jobs_at_provider(db, provider, key)] == [created.id]


def test_cancel_a_running_job(db, snapshot, provider) -> None:  # type: ignore[no-untyped-def]
    request = _request(snapshot.id, provider, hyperparameters={"n_epochs": 20}, suffix="long")
    result = launch(db, request, key=launch_key(db, request), author="Ana", override_warnings=True)
    row = job_action(db, result.job.id, "cancel")
    assert row.status == "cancelled"
    assert refresh_job(db, result.job.id, details=False).job.status == "cancelled"


def test_a_wrong_key_is_named_and_nothing_is_created(db, snapshot, provider, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(provider["env"], "not-the-key")
    request = _request(snapshot.id, provider, suffix="wrongkey")
    with pytest.raises(UserError) as caught:
        launch(db, request, key=launch_key(db, request), author="Ana", override_warnings=True)
    text = str(caught.value)
    assert "refused the API key (401)" in text and provider["env"] in text
    assert "not-the-key" not in text
    monkeypatch.delenv(provider["env"])
    with pytest.raises(UserError, match="is not set"):
        client_for(get_provider(db, provider["name"]))


def test_an_unknown_base_model_is_a_clear_validation_error(db, snapshot, provider) -> None:  # type: ignore[no-untyped-def]
    request = _request(snapshot.id, provider, model="no-such-model", suffix="badmodel")
    with pytest.raises(UserError) as caught:
        launch(db, request, key=launch_key(db, request), author="Ana", override_warnings=True)
    text = str(caught.value)
    assert "rejected the request" in text
    assert "no-such-model" in text or "not tunable" in text or "not available" in text
    with db.connect() as conn:
        failed = [j for j in list_jobs(conn) if j.suffix == "badmodel"]
    assert failed and failed[0].status == "launch_failed" and failed[0].provider_job_id is None


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (402, "Credit limit exceeded for this account", "run out of quota"),
        (429, "You exceeded your current quota", "run out of quota"),
        (429, "Too many requests", "rate-limiting"),
        (403, "Fine-tuning is not enabled for this organization", "not allowed"),
        (422, "hyperparameters.epochs: Input should be greater than 0", "rejected the request"),
    ],
)
def test_provider_answers_become_sentences(status: int, body: str, expected: str) -> None:
    response = httpx2.Response(status, request=httpx2.Request("POST", "https://example.invalid/x"))
    error = translate_error(status_error(response, body), action="launch the job")
    assert expected in str(error) and body.split(":")[0] in str(error)
    assert isinstance(status_error(response, body), openai.APIStatusError)


def test_mistral_classifier_method_answers_with_class_probabilities(  # type: ignore[no-untyped-def]
    db, snapshot, dialects, monkeypatch
) -> None:
    provider = _configure("Mistral AI", db, dialects, monkeypatch)
    request = _request(
        snapshot.id, provider, method="classifier", hyperparameters={"n_epochs": 3}, suffix="stars"
    )
    result = launch(db, request, key=launch_key(db, request), author="Ana", override_warnings=True)
    done = wait_for_job(db, result.job.id, timeout=120)
    assert done.status == "succeeded", done.error
    client = client_for(get_provider(db, "Mistral AI"))
    job = client.fine_tuning.jobs.retrieve(str(done.provider_job_id))
    assert job.method is not None and job.method.type == "classifier"
    answer = client.post(
        "/classifications",
        body={"model": done.fine_tuned_model, "input": ["Broke after a week. Waste of money."]},
        cast_to=httpx2.Response,
    ).json()
    scores = answer["results"][0]["label"]["scores"]
    assert set(scores) == {"1", "2", "3", "4", "5"}
    assert abs(sum(scores.values()) - 1) < 1e-6
    assert max(scores, key=scores.__getitem__) in ("1", "2")


def test_adapters_retry_rate_limits_like_the_sdk(db: sa.Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Half the engine's answers are 429 with Retry-After: retries get every call through;
    without retries the person reads that the provider is rate-limiting."""
    import tempfile

    env = {"TUNELAB_ENGINE_FAULT_429": "0.5", "TUNELAB_ENGINE_FAULT_SEED": "3",
           "TUNELAB_ENGINE_RETRY_AFTER_MS": "5"}  # fmt: skip
    with start_engine(data_dir=Path(tempfile.mkdtemp(prefix="tunelab-faults-")), env=env) as engine:
        root = engine.base_url.removesuffix("/v1")
        config = save_provider(db, preset("Together AI", base_url=root + "/together/v1"))
        monkeypatch.setenv("TOGETHER_API_KEY", KEY)
        patient = client_for(config, max_retries=8)
        for n in range(8):
            patient.files.create(file=(f"f{n}.jsonl", b'{"prompt": "a", "completion": "b"}\n'))
            assert patient.models.list().data
        hasty = client_for(config, max_retries=0)
        with pytest.raises(openai.RateLimitError) as caught:
            for _ in range(20):
                hasty.models.list()
        said = str(translate_error(caught.value, config=config, action="list its models"))
        assert "rate-limiting requests (429)" in said
