"""Import through the store: read back equals what was read; a bad file writes nothing; the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from lib.core.errors import ReadError, UserError
from lib.core.paths import REPO_ROOT
from lib.core.tables import datasets, examples
from lib.datasets.io import import_file, read_examples
from lib.datasets.repo import get_dataset, list_datasets


def _stored(engine: sa.Engine, dataset_id: int) -> list[tuple[int, dict]]:
    query = (
        sa.select(examples.c.source_row, examples.c.data)
        .where(examples.c.dataset_id == dataset_id)
        .order_by(examples.c.position)
    )
    with engine.connect() as conn:
        return [(row.source_row, json.loads(row.data)) for row in conn.execute(query)]


@pytest.mark.parametrize(
    ("folder", "name", "mapping"),
    [
        ("openai_cookbook", "toy_chat_fine_tuning.jsonl", None),
        ("openai_cookbook", "drone_training.jsonl", None),
        (
            "openai_cookbook",
            "AG_news_samples.csv",
            {"prompt": "{title}\n\n{description}", "completion": " {label}"},
        ),
        ("gpt_examples", "out_openai_completion.csv", None),
        ("huatuogpt", "KUAKE-QIC_100.json", {"prompt": "{query}", "completion": "{label}"}),
    ],
)
def test_import_then_read_back(
    any_db: sa.Engine, shared_datasets: Path, folder: str, name: str, mapping
) -> None:
    path = shared_datasets / folder / name
    summary = import_file(any_db, path, file_name=name, mapping=mapping)
    expected = [
        (e.source_row, e.data)
        for e in read_examples(path, file_name=name, mapping=mapping).examples()
    ]
    assert summary.n_examples == len(expected)
    assert _stored(any_db, summary.dataset_id) == expected
    with any_db.connect() as conn:
        info = get_dataset(conn, summary.dataset_id)
    assert info.name == Path(name).stem and info.source_format == Path(name).suffix[1:]
    assert info.meta["source"]["mapping"] == mapping


def test_uploaded_bytes_and_default_names(db: sa.Engine) -> None:
    data = b"prompt,completion\nhello, world\n"
    first = import_file(db, data, file_name="upload.csv")
    second = import_file(db, data, file_name="upload.csv")
    assert (first.name, second.name) == ("upload", "upload (2)")
    with pytest.raises(UserError, match="exists already"):
        import_file(db, data, file_name="upload.csv", name="upload")


def test_a_read_error_mid_stream_writes_nothing(db: sa.Engine, tmp_path: Path) -> None:
    # Past the first batch of 20,000 rows, so the error surfaces in the reading thread.
    lines = [json.dumps({"prompt": f"p{i}", "completion": " c"}) for i in range(45_000)]
    lines[41_500] = '{"prompt": "broken"'
    path = tmp_path / "late_error.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ReadError) as error:
        import_file(db, path, file_name=path.name)
    assert error.value.line == 41_501
    with db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(datasets)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(examples)).scalar_one() == 0


def test_a_big_import_keeps_order_and_counts(db: sa.Engine, tmp_path: Path) -> None:
    lines = [
        json.dumps({"prompt": f"p{i}", "completion": f" {i % 3}", "id": i}) for i in range(50_123)
    ]
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    summary = import_file(db, path, file_name=path.name)
    assert (summary.n_examples, summary.n_labels, summary.classification) == (50_123, 3, True)
    assert summary.unknown_keys == {"id": 50_123}
    with db.connect() as conn:
        rows = conn.execute(
            sa.select(
                examples.c.position, examples.c.source_row, examples.c.data, examples.c.label
            ).order_by(examples.c.id)
        ).all()
    assert [r.position for r in rows] == list(range(1, 50_124))
    assert [r.source_row for r in rows] == list(range(1, 50_124))
    assert rows[-1].data == lines[-1] and rows[-1].label == str(50_122 % 3)


def test_mixed_schemas_write_nothing(db: sa.Engine, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"prompt": "a", "completion": "b"}\n{"messages": []}\n', encoding="utf-8")
    with pytest.raises(ReadError, match="file mixes schemas"):
        import_file(db, path, file_name=path.name)
    with db.connect() as conn:
        assert list_datasets(conn) == []


def _cli(args: list[str], db_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "TUNELAB_NO_SAMPLES": "1",
        "PYTHONPATH": str(REPO_ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "lib", "import", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_cli_imports_and_summarises(tmp_path: Path, shared_datasets: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    path = shared_datasets / "openai_cookbook" / "AG_news_samples.csv"
    done = _cli(
        [
            str(path),
            "--name",
            "AG news",
            "--map",
            r"prompt={title}\n\n{description}",
            "--map",
            "completion= {label}",
        ],
        url,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert "Imported 2,000 examples into dataset 'AG news'" in out
    assert "as prompt/completion from CSV (UTF-8)" in out
    assert (
        "4 labels (classification-like): World 520, Business 511, Sports 491, Sci/Tech 478" in out
    )
    assert "Unknown keys kept with the examples: label_int (2,000)" in out
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        data = json.loads(
            conn.execute(sa.select(examples.c.data).order_by(examples.c.id)).first().data
        )
    engine.dispose()
    assert (
        data["prompt"].startswith("World Briefings\n\nBRITAIN") and data["completion"] == " World"
    )


def test_cli_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "a", "completion": "b"}\n{oops}\n', encoding="utf-8")
    done = _cli(["bad.jsonl"], url, tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: bad.jsonl:2: malformed JSON on line 2:")
    assert "Traceback" not in done.stderr

    needs = tmp_path / "qa.csv"
    needs.write_text("question,answer\nq,a\n", encoding="utf-8")
    done = _cli(["qa.csv"], url, tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: qa.csv: no prompt/completion, messages or preference columns (columns: question, "
        "answer); map columns to prompt and completion; e.g. --map 'prompt={question}' "
        "--map 'completion={answer}'"
    )
    done = _cli(["qa.csv", "--map", "prompt={q}", "--map", "completion={answer}"], url, tmp_path)
    assert done.returncode == 2 and "uses {q}, but there is no column 'q'" in done.stderr


def test_cli_missing_file_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lib.__main__ import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    assert main(["import", "missing.csv"]) == 2
    assert capsys.readouterr().err == "error: missing.csv: no such file\n"
