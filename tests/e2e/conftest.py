"""End-to-end fixtures: a real ``streamlit run`` on a free loopback port, and Debian Chromium
driven by Playwright.

Contract used by every e2e test:
- ``app_url``: base URL of a fresh server (private data folder, sample datasets loaded on its
  first page view, built-in engine started by the app itself when a page needs it).
- ``page``: a Playwright page in a fresh browser context.
- ``wait_for_idle(page)`` (``from tests.e2e.helpers import wait_for_idle``, or the fixture of
  the same name): wait until Streamlit has finished running the script.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.core.paths import REPO_ROOT
from tests.e2e.helpers import assert_no_exception, wait_for_idle  # noqa: F401 - re-exported

CHROMIUM = os.environ.get("TUNELAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SERVER_START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """A ``streamlit run app.py`` subprocess in its own process group (engine included)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        samples: bool = True,
        env: dict | None = None,
        address: str | None = "127.0.0.1",
        args: list[str] | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log_path = data_dir / "streamlit.log"
        full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
        full_env["TUNELAB_DATA_DIR"] = str(data_dir)
        if samples:
            full_env.pop("TUNELAB_NO_SAMPLES", None)
        else:
            full_env["TUNELAB_NO_SAMPLES"] = "1"
        full_env["TUNELAB_ENGINE_AUTOSTART"] = "1"  # as a user's app: the engine starts with it
        full_env.update(env or {})
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        # address None: whatever .streamlit/config.toml says (the test of the default binding).
        where = ["--server.address", address] if address else []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(self.port),
                *where,
                *(args or []),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=REPO_ROOT,
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(
            f"streamlit did not become healthy:\n{self.log_path.read_text()[-3000:]}"
        )

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self._stop_engine()
        self._log.close()

    def _stop_engine(self) -> None:
        # The app starts the built-in engine detached (it outlives reruns); stop it too.
        from lib.engine.local import stop_shared_engine

        stop_shared_engine(data_dir=self.data_dir / "engine")


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    server = AppServer(tmp_path_factory.mktemp("app"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def app_url(app_server: AppServer) -> str:
    return app_server.url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per test module. Playwright's driver keeps a watcher thread in this
    process while it runs; closing it after each module leaves later tests (the unit tests
    that fork, which refuse to in a multi-threaded process) with the one thread they had."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install chromium (see README)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:  # noqa: ANN001 - playwright Browser
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(name="wait_for_idle")
def wait_for_idle_fixture():  # noqa: ANN201
    """The ``wait_for_idle`` helper as a fixture (also importable from tests.e2e.helpers)."""
    return wait_for_idle
