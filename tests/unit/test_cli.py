"""The command line: every subcommand is listed, and errors are sentences, not tracebacks."""

from __future__ import annotations

import subprocess
import sys

from lib.core.paths import REPO_ROOT

SUBCOMMANDS = (
    "check",
    "engine",
    "evaluate",
    "export",
    "import",
    "jobs",
    "migrate",
    "prepare",
    "runs",
    "snapshot",
    "synth",
)


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lib", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_help_lists_every_subcommand():
    result = _run("--help")
    assert result.returncode == 0
    for name in SUBCOMMANDS:
        assert f"\n    {name} " in result.stdout, name


def test_a_missing_file_is_one_line_and_exit_2(tmp_path):
    result = _run("import", str(tmp_path / "nope.csv"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "nope.csv" in result.stderr
    assert "Traceback" not in result.stderr


def _env(tmp_path) -> dict:
    import os

    return {**os.environ, "TUNELAB_DATA_DIR": str(tmp_path / "data")}


def test_import_refuses_a_csv_without_a_completion_column(tmp_path):
    path = tmp_path / "qa.csv"
    path.write_text("prompt,answer\nWhat is 2+2?,4\n", encoding="utf-8")
    result = _run("import", str(path), env=_env(tmp_path))
    assert result.returncode == 2, result.stdout
    assert "no completion column (columns: prompt, answer)" in result.stderr
    assert "--map 'completion={answer}'" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_names_an_unnamed_index_column(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text(",prompt,completion\n0,Great,5\n1,Awful,1\n", encoding="utf-8")
    result = _run("import", str(path), env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Imported 2 examples" in result.stdout
    assert "called 'unnamed_1'" in result.stdout


def test_a_chat_file_with_one_bad_row_imports_and_check_flags_that_row(tmp_path):
    import json

    good = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    lines = [json.dumps(good)] * 5 + [json.dumps({"msgs": []})] + [json.dumps(good)] * 6
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    imported = _run("import", str(path), env=_env(tmp_path))
    assert imported.returncode == 0, imported.stderr
    assert "Imported 12 examples" in imported.stdout
    checked = _run("check", str(path), "--json", env=_env(tmp_path))
    assert checked.returncode == 1, checked.stderr
    report = json.loads(checked.stdout)
    findings = {f["check"]: f for f in report["findings"]}
    assert findings["missing_messages_list"]["rows"] == [6]


def test_check_still_refuses_a_file_mixing_two_schemas(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        '{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}\n'
        '{"prompt": "a", "completion": "b"}\n',
        encoding="utf-8",
    )
    result = _run("check", str(path), env=_env(tmp_path))
    assert result.returncode == 2
    assert "file mixes schemas: line 1 is chat; line 2 is prompt/completion" in result.stderr
