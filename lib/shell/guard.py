"""The guard every page runs first: page config, store, first-start samples, login, sidebar.

Streamlit can run a page file directly on the first request after a server start (without
app.py), so each page calls ``guard()`` itself; running it twice in one rerun is harmless.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from lib.core.db import database_url, get_engine
from lib.core.errors import UserError
from lib.core.identity import Actor, Role, local_actor
from lib.shell.messages import show_error

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lib.datasets.service import LoadedSample

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Context:
    """What every page needs: the store and who is working."""

    engine: Engine
    reviewer: str | None
    logged_in_user: str | None
    signed_in: Actor | None = None  # the verified actor, with its role from config or store

    @property
    def actor(self) -> Actor | None:
        """The person every service call names: signed in (verified) or typed (local mode)."""
        if self.logged_in_user:
            if self.signed_in is not None:
                return self.signed_in
            return Actor(name=self.logged_in_user, verified=True, roles=frozenset({Role.VIEWER}))
        return local_actor(self.reviewer)


def _first_start(engine: Engine, loaded: list[LoadedSample]) -> None:
    """Samples just loaded: freeze the ones marked for it into a first snapshot."""
    from lib.snapshots.service import make_first_snapshot

    for sample in loaded:
        if sample.snapshot:
            try:
                make_first_snapshot(engine, sample.dataset_id, sample.name)
            except Exception:  # a failed snapshot must not stop the app from opening
                log.exception("the first snapshot of %s failed", sample.name)


@st.cache_resource(show_spinner="Opening the store…")
def _store(url: str) -> Engine:
    # Keyed by URL: tests (and a changed DATABASE_URL) get their own store.
    from lib.datasets.service import load_samples_once
    from lib.providers.service import start_in_background

    engine = get_engine(url)
    _first_start(engine, load_samples_once(engine))
    start_in_background()  # the built-in engine starts with the app and stops with it
    return engine


def _auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _login_gate() -> str | None:
    """With OIDC configured in secrets ([auth]), require sign-in; return the verified identity.

    The identity is the ID token's ``email`` claim, else its ``sub`` (stable and unique at the
    provider); never the display name, which anyone may choose. Streamlit verifies the token
    and keeps it in a signed cookie (https://docs.streamlit.io/develop/api-reference/user/st.login).
    """
    if not _auth_configured():
        return None
    if not st.user.is_logged_in:
        st.title("Tunelab")
        st.write("Sign in to continue.")
        st.button("Sign in", on_click=st.login, type="primary")
        st.stop()
    identity = str(st.user.get("email") or st.user.get("sub") or "").strip()
    if not identity:
        st.error("Your sign-in provider sent neither an email nor a subject; ask an admin.")
        st.button("Sign out", on_click=st.logout)
        st.stop()
    return identity


def configured_admins() -> frozenset[str]:
    """Admins named in config: ``TUNELAB_ADMINS`` (env) and ``TUNELAB_ADMINS`` in secrets."""
    from lib.access.service import parse_admins

    names: set[str] = set(parse_admins(os.environ.get("TUNELAB_ADMINS")))
    try:
        value = st.secrets.get("TUNELAB_ADMINS")
    except Exception:  # noqa: BLE001 - no secrets file at all
        value = None
    if value:
        names |= parse_admins(value if isinstance(value, str) else _strings(value))
    return frozenset(names)


def _strings(value: Iterable[object]) -> list[str]:
    return [str(v) for v in value]


def _signed_in_actor(engine: Engine, identity: str) -> Actor:
    from lib.access.service import actor_for

    return actor_for(engine, identity, admins=configured_admins())


def _leave_pages_folder_mode() -> None:
    """Rerun through app.py when Streamlit ran this page file directly.

    With a ``pages/`` folder, Streamlit's first request after a server start (a deep link
    such as /results) runs the page inside its old folder-based navigation, listing raw file
    names, until app.py has called ``st.navigation`` once. Clearing that flag and rerunning
    makes Streamlit run app.py, which resolves the same page by its URL path.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def guard(*, title: str | None = None) -> Context:
    """Run once at the top of every page; stops the script with a message if the store fails."""
    _leave_pages_folder_mode()
    st.set_page_config(page_title="Tunelab", page_icon="🎛️", layout="wide")
    try:
        engine = _store(database_url())
    except UserError as exc:
        show_error(str(exc))
        st.stop()
    except Exception as exc:  # noqa: BLE001 - a person must see a sentence, not a traceback
        log.exception("opening the store failed")
        show_error(f"Tunelab could not open its store: {type(exc).__name__}: {exc}")
        st.stop()
    user = _login_gate()
    signed_in = _signed_in_actor(engine, user) if user else None
    from lib.shell.sidebar import render_sidebar

    reviewer = render_sidebar(logged_in_user=user, actor=signed_in)
    if title:
        st.title(title)
    return Context(engine=engine, reviewer=reviewer, logged_in_user=user, signed_in=signed_in)
