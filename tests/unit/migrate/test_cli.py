"""``python -m lib migrate`` and ``evaluate --reference`` as a CI pipeline runs them, in a
subprocess, against the engine standing in for OpenAI."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score

from lib.core.paths import REPO_ROOT
from tests.unit.migrate.conftest import BASE, Tuned


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ, "TUNELAB_DATA_DIR": str(tmp_path / "data"), "OPENAI_API_KEY": "sk-test",
        "TUNELAB_ENGINE_AUTOSTART": "0",
    }  # fmt: skip
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "lib", *args], cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=300, env=env,
    )  # fmt: skip


def test_inventory_and_pull_print_the_documented_json(
    tuned: Tuned, engine_handle, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    url = engine_handle.base_url
    result = _run("migrate", "inventory", "--base-url", url, "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    models = json.loads(result.stdout)["models"]
    assert all(
        list(m) == ["id", "base_model", "shutdown_date", "job", "training_file",
                    "validation_file", "hyperparameters", "trained_tokens", "created_at"]
        for m in models
    )  # fmt: skip
    mine = next(m for m in models if m["id"] == tuned.model)
    assert mine["base_model"] == BASE and mine["shutdown_date"] == "2027-01-14"
    assert (mine["job"], mine["training_file"], mine["validation_file"]) == (
        tuned.job,
        tuned.training_file,
        tuned.validation_file,
    )
    dates = [m["shutdown_date"] or "9999" for m in models]
    assert dates == sorted(dates)

    text = _run("migrate", "inventory", "--base-url", url, tmp_path=tmp_path)
    assert tuned.model in text.stdout and "days left" in text.stdout

    pulled = _run("migrate", "pull", tuned.model, "--base-url", url, "--json", tmp_path=tmp_path)
    assert pulled.returncode == 0, pulled.stderr
    datasets = json.loads(pulled.stdout)["datasets"]
    assert [(d["role"], d["status"], d["n_examples"]) for d in datasets] == [
        ("training", "imported", 240),
        ("validation", "imported", 60),
    ]
    again = _run("migrate", "pull", tuned.model, "--base-url", url, tmp_path=tmp_path)
    assert again.returncode == 0 and again.stdout.count("already pulled") == 2

    missing = _run("migrate", "pull", "ft:gone", "--base-url", url, tmp_path=tmp_path)
    assert missing.returncode != 0 and missing.stderr.startswith("error: ")
    assert "ft:gone" in missing.stderr and "Traceback" not in missing.stderr


def test_evaluate_reference_agreement_equals_scikit_learn(
    tuned: Tuned, engine_handle, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from tests.unit.migrate.conftest import chat_lines

    test_file = tmp_path / "test.jsonl"
    test_file.write_bytes(chat_lines(80, start=400))
    url = engine_handle.base_url
    base = "tunelab-base"
    result = _run(
        "evaluate", str(test_file), "--model", tuned.model, "--model", BASE, "--model", base,
        "--reference", tuned.model, "--base-url", url, "--json", tmp_path=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)["models"]
    assert "agreement" not in out[tuned.model]  # the reference itself

    # The same predictions, read back from the stored run.
    from lib.core.db import create_engine_for
    from lib.evaluate.results import load
    from lib.runner.service import list_runs

    store = create_engine_for(f"sqlite:///{tmp_path / 'data' / 'tunelab.db'}")
    with store.connect() as conn:
        run = list_runs(conn, kind="evaluation")[0]
    data = load(store, run.id)
    ref = data.labels_of(tuned.model)
    for other in (BASE, base):
        labels = data.labels_of(other)
        assert out[other]["agreement"] == pytest.approx(accuracy_score(ref, labels))
        expected = cohen_kappa_score(ref, labels)
        got = out[other]["agreement_kappa"]
        assert (got is None and math.isnan(expected)) or got == pytest.approx(expected)
    store.dispose()

    wrong = _run("evaluate", str(test_file), "--model", BASE, "--reference", "ft:x",
                 "--base-url", url, tmp_path=tmp_path)  # fmt: skip
    assert (
        wrong.returncode == 2 and "--reference 'ft:x' must be one of the candidates" in wrong.stderr
    )
