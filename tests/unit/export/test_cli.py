"""``python -m lib snapshot`` and ``python -m lib export``: output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lib.__main__ import main
from lib.core.db import dispose_all, get_engine
from lib.core.paths import REPO_ROOT

from .helpers import classification_rows, make_dataset


@pytest.fixture
def store(data_dir: Path):  # noqa: ANN201
    engine = get_engine()
    make_dataset(engine, classification_rows(100), name="tickets")
    yield engine
    dispose_all()


def test_snapshot_prints_counts_and_export_writes_files(
    store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "snapshot",
            "tickets",
            "--train",
            "0.6",
            "--valid",
            "0.2",
            "--test",
            "0.2",
            "--seed",
            "1",
            "--balance",
            "under",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Snapshot 1" in out and "stratified by label" in out
    assert "train        36   'a' 12, 'b' 12, 'c' 12" in out
    assert "valid        20   'a' 10, 'b' 6, 'c' 4" in out
    assert (
        main(
            [
                "export",
                "tickets",
                "--snapshot",
                "1",
                "--split",
                "test",
                "--format",
                "chat",
                "-o",
                str(tmp_path),
            ]
        )
        == 0
    )
    written = tmp_path / "tickets_snapshot1_test.jsonl"
    lines = written.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 20
    assert json.loads(lines[0])["messages"][1]["content"] in {"a", "b", "c"}
    assert (
        main(["export", "1", "--snapshot", "1", "--format", "hf", "-o", str(tmp_path / "hf.zip")])
        == 0
    )
    assert "README.md" in zipfile.ZipFile(tmp_path / "hf.zip").namelist()


def test_dry_run_writes_nothing(store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "tickets", "--dry-run"]) == 0
    assert "would hold 100 examples" in capsys.readouterr().out
    from lib.snapshots.repo import list_snapshots

    with store.connect() as conn:
        assert list_snapshots(conn) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["snapshot", "nope"], "no dataset named 'nope'"),
        (["snapshot", "tickets", "--train", "0.9"], "add up to 1"),
        (["snapshot", "tickets", "--no-stratify", "--balance", "over"], "needs a stratified split"),
        (["export", "tickets", "--format", "dpo"], "needs preference"),
        (["export", "tickets", "--snapshot", "7", "--format", "chat"], "snapshot 7 does not exist"),
        (["export", "tickets", "--split", "train", "--format", "chat"], "--split needs --snapshot"),
        (["export", "missing.jsonl", "--format", "chat"], "no such file, and no dataset"),
    ],
)
def test_errors_exit_2_with_a_sentence(
    store, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_export_a_file_without_the_store(
    tmp_path: Path, shared_datasets: Path, data_dir: Path
) -> None:
    source = shared_datasets / "gpt_examples" / "out_openai_completion_prepared.jsonl"
    out = tmp_path / "emails.csv"
    result = subprocess.run(
        [sys.executable, "-m", "lib", "export", str(source), "--format", "csv", "-o", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Wrote" in result.stdout
    text = out.read_text(encoding="utf-8-sig")
    assert text.startswith("prompt,completion\n") or text.startswith("prompt,completion\r\n")
    assert text.count(" ->") == 162
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib",
            "export",
            str(source),
            "--format",
            "llamafactory",
            "--snapshot",
            "1",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "--snapshot needs a dataset" in bad.stderr
