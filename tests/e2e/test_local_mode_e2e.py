"""Local mode (no sign-in configured): the server listens on loopback only, the sidebar says
"local mode", and a typed name is recorded but shown as unverified."""

from __future__ import annotations

import psutil
import pytest

from tests.e2e.conftest import AppServer
from tests.e2e.helpers import assert_no_exception, wait_for_idle

pytestmark = pytest.mark.timeout(300)


def test_without_auth_the_server_listens_on_loopback_only(tmp_path, page) -> None:  # noqa: ANN001
    # No --server.address: the project's .streamlit/config.toml decides.
    server = AppServer(tmp_path, samples=False, address=None)
    try:
        listening = [
            conn.laddr
            for conn in psutil.Process(server.process.pid).net_connections(kind="inet")
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == server.port
        ]
        assert listening, "the server is not listening on its port"
        assert {addr.ip for addr in listening} == {"127.0.0.1"}
        page.goto(server.url)
        wait_for_idle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Local mode").wait_for()
        assert "beyond this machine" not in sidebar.inner_text()
        assert page.get_by_role("button", name="Sign in").count() == 0
        assert_no_exception(page)
    finally:
        server.stop()


def test_unverified_label() -> None:
    from lib.core.identity import Actor, local_actor

    typed = local_actor("Ana")
    assert typed is not None and typed.label == "Ana (unverified)"
    assert Actor(name="ana@example.com", verified=True).label == "ana@example.com"
