"""Helpers for e2e tests: waiting for Streamlit to settle, and failing on a shown exception."""

from __future__ import annotations

import time
from pathlib import Path

IDLE_TIMEOUT_MS = 120_000
SAMPLE_REVIEWS = "Product reviews (stars)"


def wait_for_idle(page, *, timeout_ms: int = IDLE_TIMEOUT_MS) -> None:  # noqa: ANN001
    """Wait for the app to render and for the script run to finish (no 'Running…' widget)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    quiet = 0
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        skeleton = page.locator('[data-testid="stAppSkeleton"]').count() > 0
        quiet = 0 if (running or skeleton) else quiet + 1
        if quiet >= 3:
            return
        page.wait_for_timeout(250)
    raise AssertionError("the app kept running for too long")


def assert_no_exception(page) -> None:  # noqa: ANN001
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()


def snapshot_sample_reviews(data_dir: Path, *, name: str, **ratios: float) -> int:
    """Snapshot the sample reviews the app loaded on its first page view; returns its id.

    Waits for the app to have created its store and loaded the samples (it does so on the
    first request, in its own process).
    """
    import sqlalchemy as sa

    from lib.core.db import create_engine_for
    from lib.datasets.repo import find_dataset
    from lib.snapshots.repo import create_snapshot

    store = create_engine_for(f"sqlite:///{data_dir / 'tunelab.db'}")
    try:
        deadline = time.monotonic() + 120
        dataset = None
        while dataset is None and time.monotonic() < deadline:
            try:
                with store.connect() as conn:
                    dataset = find_dataset(conn, SAMPLE_REVIEWS)
            except sa.exc.OperationalError:  # the app has not created its tables yet
                dataset = None
            if dataset is None:
                time.sleep(0.5)
        assert dataset is not None, "the app did not load its sample datasets"
        return create_snapshot(store, dataset.id, author="e2e", name=name, **ratios).id
    finally:
        store.dispose()
