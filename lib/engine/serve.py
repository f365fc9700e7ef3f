"""Serving the engine: the listening socket and the uvicorn server around the ASGI app.

Why the socket is made here, and made with ``IPPROTO_TCP``: asyncio disables Nagle's algorithm
(``TCP_NODELAY``) on every TCP connection it accepts, but its check
(``asyncio.base_events._set_nodelay``) requires ``sock.proto == IPPROTO_TCP``. A listener made
with ``socket.socket(AF_INET)`` has ``proto == 0``, and so has every connection accepted from it,
so asyncio silently left Nagle on. uvicorn writes a response as two writes (head, then body);
with Nagle on, the body waited for the client's delayed ACK of the head — about 40 ms on Linux
— on every request of a kept-alive connection, with both processes idle. Naming the protocol
lets asyncio's own default apply; :func:`build_server` also sets ``TCP_NODELAY`` on each accepted
connection itself, so the option does not depend on that check staying as it is.
``bench/engine_latency.py`` measures it; a unit test asserts the option on accepted sockets.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from lib.engine.config import EngineConfig


def listen_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket for ``host:port`` (``port=0`` picks a free one); raises ``OSError``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with Nagle's algorithm off on every connection it serves."""

    def connection_made(self, transport: Any) -> None:  # transport: asyncio.Transport
        raw = transport.get_extra_info("socket")
        if raw is not None and raw.family in (socket.AF_INET, socket.AF_INET6):
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def build_server(config: EngineConfig) -> uvicorn.Server:
    """The uvicorn server that runs the engine (start it with ``server.run(sockets=[sock])``)."""
    from lib.engine.server import create_app

    return uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            http=NoDelayH11Protocol,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
    )
