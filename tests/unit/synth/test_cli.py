"""``python -m lib synth`` as a user runs it (in-process through the real dispatcher)."""

from __future__ import annotations

import json

import pytest

from lib.__main__ import main
from lib.core.db import dispose_all, get_engine
from lib.datasets.repo import list_datasets
from tests.unit.synth.conftest import small_spec


@pytest.fixture
def cli_store(data_dir, engine_url, monkeypatch):
    monkeypatch.setenv("TUNELAB_ENGINE_URL", engine_url)
    yield data_dir
    dispose_all()


def test_demo_dry_run_prints_the_estimate_and_a_preview(cli_store, capsys):
    assert main(["synth", "--demo", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "54 combinations × 3 samples = 162 requests" in out and "no charge" in out
    assert "--- Grocery Stores, Brussels, small" in out
    with get_engine().connect() as conn:
        assert list_datasets(conn) == []  # a dry run stores nothing


def test_spec_file_generates_a_dataset_and_resume_finds_it(cli_store, tmp_path, capsys):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(small_spec(dataset_name="From the CLI").to_json()), encoding="utf-8")
    assert main(["synth", str(spec), "--concurrency", "4"]) == 0
    out = capsys.readouterr().out
    assert "8 requests" in out and "'From the CLI': 8 examples" in out
    run_id = int(out.split("run ", 1)[1].split()[0])
    assert main(["synth", "--resume", str(run_id)]) == 0  # nothing left to send: same dataset
    assert "'From the CLI': 8 examples" in capsys.readouterr().out
    with get_engine().connect() as conn:
        assert [d.name for d in list_datasets(conn)] == ["From the CLI"]


def test_bad_files_and_values_are_sentences(cli_store, tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "samples": 3,\n  oops\n}', encoding="utf-8")
    assert main(["synth", str(broken)]) == 2
    assert "broken.json:3: not valid JSON" in capsys.readouterr().err
    typed = tmp_path / "typed.json"
    typed.write_text(json.dumps({**small_spec().to_json(), "samples": "3"}), encoding="utf-8")
    assert main(["synth", str(typed)]) == 2
    assert "samples must be a whole number (got '3')" in capsys.readouterr().err
    missing = tmp_path / "missing.json"
    missing.write_text(
        json.dumps({**small_spec().to_json(), "values": {"city": ["Paris"]}}), encoding="utf-8"
    )
    assert main(["synth", str(missing), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "no values for {size}, {sector}" in err and "Traceback" not in err
    assert main(["synth", "--resume", "99"]) == 2
    assert "run 99 does not exist" in capsys.readouterr().err
