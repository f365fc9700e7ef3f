"""AppTest fixtures: a private, empty store for each page test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
import streamlit as st

from lib.core.db import dispose_all, get_engine


@pytest.fixture
def app_store(data_dir) -> Iterator[sa.Engine]:  # noqa: ANN001 - the data_dir fixture
    """The store the page under test will open, with Streamlit's caches cleared around it.

    The guard caches the engine per URL and pages cache reads: clearing both keeps one test's
    store and cached reads out of the next.
    """
    st.cache_resource.clear()
    st.cache_data.clear()
    dispose_all()
    yield get_engine()
    st.cache_resource.clear()
    st.cache_data.clear()
    dispose_all()
