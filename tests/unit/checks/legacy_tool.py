"""The legacy ``openai tools fine_tunes.prepare_data`` (openai 0.28.1) in its own virtual
environment, for side-by-side comparison (parity test and bench/prepare_bench.py).

The environment is made once (``python -m venv`` + pip from PyPI) and reused from ``folder``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGES = ("openai==0.28.1", "pandas", "openpyxl")


def default_folder() -> Path:
    """Where the environment is kept between runs (``TUNELAB_LEGACY_VENV`` overrides)."""
    return Path(
        os.environ.get("TUNELAB_LEGACY_VENV")
        or Path(tempfile.gettempdir()) / "tunelab_legacy_prepare"
    )


def legacy_python(folder: Path) -> Path:
    """The venv's python with openai 0.28.1 installed (created on first use)."""
    python = folder / "venv" / "bin" / "python"
    marker = folder / "venv" / ".tunelab-ready"
    if marker.exists() and python.exists():
        return python
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PACKAGES],
        check=True,
        capture_output=True,
    )
    marker.write_text("ok\n")
    return python


def run_legacy(python: Path, file: Path, *, timeout: float = 1800) -> subprocess.CompletedProcess:
    """``openai tools fine_tunes.prepare_data -f FILE -q`` with the legacy package."""
    code = "import sys; from openai._openai_scripts import main; sys.exit(main())"
    return subprocess.run(
        [str(python), "-c", code, "tools", "fine_tunes.prepare_data", "-f", str(file), "-q"],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=file.parent,
        env={"PATH": "/usr/bin:/bin", "OPENAI_API_KEY": "unused-by-prepare-data"},
    )
