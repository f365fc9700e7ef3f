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
    "prepare",
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
