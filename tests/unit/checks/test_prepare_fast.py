"""The fast paths of ``python -m lib prepare``: same results as the general code they skip."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_prepare_of_a_completion_file_loads_neither_the_store_nor_the_check_registry() -> None:
    """Start-up is part of the time a user waits: SQLAlchemy and every check cost ~0.15 s."""
    code = (
        "import sys, lib.checks.prepare_cli, lib.datasets.service; "
        "print(' '.join(sorted(sys.modules)))"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "lib.checks.prepare_cli" in loaded
    assert not {"sqlalchemy", "lib.checks.registry", "lib.checks.view", "pandas"} & loaded
