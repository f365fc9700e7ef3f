"""A real OpenID Connect provider on loopback for sign-in tests, and signing in through it.

``oidc-provider-mock`` (PyPI) is a complete OIDC provider (discovery, authorization-code flow,
signed ID tokens, JWKS) whose login form asks for the subject; the ID token then carries
``email`` = the subject. Streamlit's ``st.login`` talks to it exactly as to any provider:
``[auth]`` in a secrets file that the app server reads through ``--secrets.files``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import AppServer, free_port
from tests.e2e.helpers import wait_for_idle


class OidcProvider:
    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oidc_provider_mock",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"{self.url}/.well-known/openid-configuration", timeout=2
                ):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the OIDC provider did not start: {log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self._log.close()


def write_secrets(folder: Path, provider: OidcProvider, *, admins: str = "") -> Path:
    path = folder / "secrets.toml"
    path.write_text(
        "\n".join(
            [
                f'TUNELAB_ADMINS = "{admins}"',
                "[auth]",
                'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"',
                f'cookie_secret = "{secrets.token_hex(32)}"',
                'client_id = "tunelab-test"',
                'client_secret = "tunelab-test-secret"',
                f'server_metadata_url = "{provider.url}/.well-known/openid-configuration"',
                "",
            ]
        )
    )
    return path


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    provider = OidcProvider(tmp_path_factory.mktemp("oidc") / "oidc.log")
    try:
        yield provider
    finally:
        provider.stop()


def signed_in_server(
    folder: Path, provider: OidcProvider, *, admins: str, samples: bool = True
) -> AppServer:
    secrets_path = write_secrets(folder, provider, admins=admins)
    return AppServer(folder, samples=samples, args=["--secrets.files", str(secrets_path)])


def sign_in(page, app_url: str, subject: str, *, path: str = "") -> None:  # noqa: ANN001
    """Open the app, press Sign in, type the subject at the provider, come back signed in."""
    page.goto(f"{app_url}/{path}")
    wait_for_idle(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/oauth2/authorize**")
    page.locator('input[name="sub"]').fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{app_url}/**")
    wait_for_idle(page)
    page.get_by_text("Signed in as").wait_for()
    if path:
        page.goto(f"{app_url}/{path}")
        wait_for_idle(page)
