"""Helpers for e2e tests: waiting for Streamlit to settle, and failing on a shown exception."""

from __future__ import annotations

import time

IDLE_TIMEOUT_MS = 120_000


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
