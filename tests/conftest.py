"""Shared fixtures: a fresh store per test (SQLite, and PostgreSQL when CI provides one) and
the built-in engine over loopback."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from lib.core.paths import SHARED_DIR

# Offline token counts with the tokenizer files beside the checkout.
os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(SHARED_DIR / "tiktoken"))
# Tests decide themselves whether they want the sample datasets.
os.environ.setdefault("TUNELAB_NO_SAMPLES", "1")
# Page tests start no engine with the app; the e2e app servers turn it back on.
os.environ.setdefault("TUNELAB_ENGINE_AUTOSTART", "0")

DATASETS = SHARED_DIR / "datasets"
PG_URL_ENV = "TUNELAB_TEST_PG_URL"  # e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


@pytest.fixture
def shared_datasets() -> Path:
    if not DATASETS.is_dir():
        pytest.fail(f"the shared datasets are missing: {DATASETS} (see README, Testing)")
    return DATASETS


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private TUNELAB_DATA_DIR (and SQLite store) for one test."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("TUNELAB_DATA_DIR", str(folder))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    yield folder
    # A page under test may have started the app's shared engine in this folder.
    from lib.engine.local import stop_shared_engine

    stop_shared_engine(data_dir=folder / "engine")


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sa.Engine]:
    """A migrated SQLite store in a temp folder."""
    from lib.core.db import create_engine_for
    from lib.core.migrations import migrate

    engine = create_engine_for(_sqlite_url(tmp_path))
    migrate(engine)
    yield engine
    engine.dispose()


def _pg_database(admin_url: str) -> Iterator[str]:
    name = f"tunelab_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from lib.core.db import dispose_all

        dispose_all()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_URL_ENV) else ["sqlite"]


@pytest.fixture(params=_backends())
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store URL on each backend available (PostgreSQL in CI)."""
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path)
    else:
        yield from _pg_database(os.environ[PG_URL_ENV])


@pytest.fixture
def any_db(any_db_url: str) -> Iterator[sa.Engine]:
    """A migrated store on each backend available."""
    from lib.core.db import create_engine_for
    from lib.core.migrations import migrate

    engine = create_engine_for(any_db_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def engine_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built-in engine, started once per test session on a free loopback port."""
    from lib.engine.local import start_engine

    handle = start_engine(data_dir=tmp_path_factory.mktemp("engine"))
    try:
        yield handle.base_url
    finally:
        handle.stop()
