"""Sign-in through a real OIDC provider on loopback, in Chromium: the verified identity names
the changes, roles come from config and the Team screen, viewers find nothing to change, a
reviewer cannot launch a job, and a double review stays blind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import AppServer
from tests.e2e.helpers import assert_no_exception, wait_for_idle
from tests.e2e.oidc import OidcProvider, oidc_provider, sign_in, signed_in_server  # noqa: F401

pytestmark = pytest.mark.timeout(600)

ADMIN = "boss@example.com"


@pytest.fixture(scope="module")
def team_server(
    tmp_path_factory: pytest.TempPathFactory,
    oidc_provider: OidcProvider,  # noqa: F811
) -> Iterator[AppServer]:
    server = signed_in_server(tmp_path_factory.mktemp("team"), oidc_provider, admins=ADMIN)
    try:
        yield server
    finally:
        server.stop()


def test_sign_in_shows_identity_and_role(team_server: AppServer, page) -> None:  # noqa: ANN001
    page.goto(team_server.url)
    wait_for_idle(page)
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.get_by_text("Local mode").count() == 0
    sign_in(page, team_server.url, ADMIN)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert ADMIN in sidebar.inner_text()
    assert "Role: admin" in sidebar.inner_text()
    assert page.get_by_label("Your name (recorded with every change)").count() == 0
    assert_no_exception(page)
