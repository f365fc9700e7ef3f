"""Loading the synthetic demo datasets from ``sample_data/`` on a store's first start."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from lib.core.paths import SAMPLE_DATA_DIR
from lib.core.settings import claim_setting, set_setting
from lib.core.tables import utcnow
from lib.datasets.repo import set_description, unique_name

log = logging.getLogger(__name__)
SAMPLES_KEY = "samples_loaded"
# The samples frozen into a first snapshot on first start, so that Fine-tune and Run evaluation
# have something to open on before anyone has made a snapshot.
SNAPSHOT_ON_FIRST_START = frozenset({"product_reviews.jsonl"})


@dataclass(frozen=True, slots=True)
class SampleEntry:
    file: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class LoadedSample:
    """A sample imported on first start; ``snapshot``: freeze it into a first snapshot."""

    dataset_id: int
    name: str
    snapshot: bool


def manifest() -> list[SampleEntry]:
    path = SAMPLE_DATA_DIR / "manifest.json"
    if not path.exists():
        return []
    return [SampleEntry(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))]


def load_samples(engine: Engine) -> list[LoadedSample]:
    """Import every sample dataset; returns what was loaded, in the manifest's order."""
    from lib.datasets.io import import_file

    loaded = []
    # Imported last to first: lists show the newest first, so the manifest's order (the product
    # reviews on top) is the order people see.
    for entry in reversed(manifest()):
        with engine.connect() as conn:
            name = unique_name(conn, entry.name)
        path = SAMPLE_DATA_DIR / entry.file
        summary = import_file(engine, path, file_name=entry.file, name=name)
        set_description(engine, summary.dataset_id, entry.description)
        loaded.append(
            LoadedSample(summary.dataset_id, summary.name, entry.file in SNAPSHOT_ON_FIRST_START)
        )
    return loaded[::-1]


def load_samples_once(engine: Engine) -> list[LoadedSample]:
    """On a store's first start, load the samples; later starts (and other sessions) skip.

    The claim is a row in the store, so two sessions starting together load them once, and a
    sample a user deleted does not come back. ``TUNELAB_NO_SAMPLES=1`` skips loading.
    """
    if os.environ.get("TUNELAB_NO_SAMPLES") == "1":
        return []
    if not claim_setting(engine, SAMPLES_KEY, {"at": utcnow().isoformat(), "done": False}):
        return []
    try:
        loaded = load_samples(engine)
    except Exception:  # a broken sample must not stop the app from opening
        log.exception("loading the sample datasets failed")
        return []
    names = [sample.name for sample in loaded]
    set_setting(engine, SAMPLES_KEY, {"at": utcnow().isoformat(), "done": True, "names": names})
    return loaded
