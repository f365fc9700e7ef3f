"""The engine's connections have Nagle's algorithm off (``TCP_NODELAY``).

With Nagle on, uvicorn's two writes per response (head, then body) made every request on a
kept-alive connection wait ~40 ms for the client's delayed ACK. Tests do not assert timings
(``bench/engine_latency.py`` measures them); they assert the cause instead: the socket the
server accepted for a real request carries ``TCP_NODELAY``. Either test fails if the engine
went back to a listener asyncio does not recognise as TCP and a protocol that does not set it.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from lib.engine.config import EngineConfig
from lib.engine.serve import build_server, listen_socket


def _nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


@pytest.fixture()
def running(tmp_path: Path) -> Iterator[tuple[uvicorn.Server, int]]:
    """The engine's own server (as ``python -m lib.engine`` builds it) on a free loopback port."""
    sock = listen_socket("127.0.0.1", 0)
    server = build_server(EngineConfig(data_dir=tmp_path, port=0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the engine did not start"
        time.sleep(0.02)
    yield server, sock.getsockname()[1]
    server.should_exit = True
    thread.join(15)
    sock.close()


def test_connections_the_engine_accepts_have_nagle_off(
    running: tuple[uvicorn.Server, int],
) -> None:
    server, port = running
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(2):  # two requests on one kept-alive connection
        connection.request("GET", "/health")
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["engine"] == "tunelab"
    # Read the option while the client still holds the connection open: once it closes, the
    # server closes its side too and the socket has no descriptor left to ask.
    nodelay = [
        _nodelay(p.transport.get_extra_info("socket"))  # type: ignore[attr-defined]
        for p in list(server.server_state.connections)
    ]
    connection.close()
    assert nodelay == [True], "one kept-alive connection, with TCP_NODELAY set"


def test_the_engines_listener_lets_asyncio_turn_nagle_off_by_itself() -> None:
    """The root cause on its own: asyncio sets TCP_NODELAY only on sockets whose ``proto`` is
    ``IPPROTO_TCP``; a listener made without it (``proto == 0``) passes that on to every
    accepted connection. A plain asyncio server (no engine code) on the engine's listener."""
    seen: list[bool] = []

    async def main() -> None:
        sock = listen_socket("127.0.0.1", 0)

        async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.append(_nodelay(writer.get_extra_info("socket")))
            writer.close()

        server = await asyncio.start_server(on_client, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname())
            while not seen:
                await asyncio.sleep(0.01)
            writer.close()

    # In a thread of its own: when the e2e tests ran first in this process, their session-wide
    # Playwright browser keeps an event loop running in the main thread.
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(asyncio.wait_for(main(), 10))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(20)
    if errors:
        raise errors[0]
    assert seen == [True]
