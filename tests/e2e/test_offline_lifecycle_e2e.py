"""A first start as a newcomer meets it: nothing is fetched from the internet, and stopping
the app stops the built-in engine it started."""

from __future__ import annotations

import json
import os
import signal
import time
from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import AppServer
from tests.e2e.helpers import wait_for_idle

PAGES = ["review", "", "checks", "snapshots", "synthetic", "train", "jobs", "providers",
         "evaluate", "results"]  # fmt: skip


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def own_server(tmp_path):
    server = AppServer(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def test_no_page_asks_the_internet_for_anything(own_server, page):
    outside: list[str] = []

    def note(request) -> None:  # noqa: ANN001 - playwright Request
        host = urlparse(request.url).hostname or ""
        if request.url.startswith(("http://", "https://", "ws://", "wss://")) and host not in (
            "127.0.0.1",
            "localhost",
        ):
            outside.append(request.url)

    page.on("request", note)
    for path in PAGES:
        page.goto(f"{own_server.url}/{path}")
        wait_for_idle(page)
    # Icons, fonts and favicons come with the app: an offline demo shows no broken pictures.
    assert outside == []


def test_stopping_the_app_stops_its_engine(own_server, page):
    page.goto(f"{own_server.url}/train")  # the Fine-tune screen lists the engine's models
    wait_for_idle(page)
    record = own_server.data_dir / "engine" / "engine.json"
    deadline = time.monotonic() + 60
    while not record.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    engine_pid = json.loads(record.read_text())["pid"]
    assert _alive(engine_pid)

    # SIGTERM to the Streamlit process alone, as a service manager or `kill` sends it.
    own_server.process.send_signal(signal.SIGTERM)
    own_server.process.wait(timeout=30)
    deadline = time.monotonic() + 20
    while _alive(engine_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(engine_pid), "the engine outlived the app that started it"
