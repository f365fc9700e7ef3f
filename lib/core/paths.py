"""Where Tunelab finds its own files, the shared test material and the user's data."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DATA_DIR = REPO_ROOT / "sample_data"
# Material that sits beside the checkout (tests and tokenizer files); absent on a user's machine.
SHARED_DIR = REPO_ROOT.parent / "shared"


def data_dir() -> Path:
    """The folder for the SQLite store, engine state and caches (``TUNELAB_DATA_DIR``)."""
    path = Path(os.environ.get("TUNELAB_DATA_DIR") or REPO_ROOT / "data")
    path.mkdir(parents=True, exist_ok=True)
    return path


def engine_data_dir() -> Path:
    """The built-in engine's folder (its files, jobs, models and log) for this data folder."""
    return data_dir() / "engine"


def tiktoken_cache_dir() -> Path | None:
    """A folder holding tiktoken's BPE files, when one is known.

    ``TIKTOKEN_CACHE_DIR`` wins; otherwise the shared folder beside the checkout, so that
    tests and offline demos count exact tokens without network access.
    """
    env = os.environ.get("TIKTOKEN_CACHE_DIR")
    if env:
        return Path(env)
    candidate = SHARED_DIR / "tiktoken"
    return candidate if candidate.is_dir() else None
