"""Widgets several pages share: the dataset picker and errors shown as sentences."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import streamlit as st

from lib.core.examples import SCHEMA_LABELS
from lib.core.identity import Actor
from lib.datasets.service import (
    DatasetInfo,
    classification_dataset_ids,
    dataset_list,
    datasets_version,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SELECTED_DATASET_KEY = "selected_dataset_id"


@st.cache_data(max_entries=16, show_spinner=False)
def _datasets(
    _engine: Engine, url: str, fingerprint: tuple[int, int, str], actor: Actor | None
) -> list[DatasetInfo]:
    # Counting examples per dataset reads every row; the fingerprint changes on any save.
    return dataset_list(_engine, actor=actor)


def cached_datasets(engine: Engine, actor: Actor | None = None) -> list[DatasetInfo]:
    """Every dataset with counts, recounted only after something changed."""
    fingerprint = datasets_version(engine, actor=actor)
    return _datasets(engine, str(engine.url), fingerprint, actor)


@st.cache_data(max_entries=16, show_spinner=False)
def _classification_ids(
    _engine: Engine, url: str, fingerprint: tuple[int, int, str], actor: Actor | None
) -> frozenset[int]:
    return classification_dataset_ids(_engine, actor=actor)


def classification_ids(engine: Engine, actor: Actor | None = None) -> frozenset[int]:
    """The datasets whose completions are labels (the one rule in ``core.examples``)."""
    fingerprint = datasets_version(engine, actor=actor)
    return _classification_ids(engine, str(engine.url), fingerprint, actor)


def first_fitting(ids: list[int], chosen: object, fits: frozenset[int]) -> int:
    """The index a picker opens on: the dataset chosen on another screen, else the first that
    fits this screen (e.g. a classification dataset), else the first."""
    if chosen in ids:
        return ids.index(chosen)
    return next((i for i, dataset_id in enumerate(ids) if dataset_id in fits), 0)


def dataset_label(info: DatasetInfo) -> str:
    return f"{info.name} · {info.n_examples:,} rows · {SCHEMA_LABELS.get(info.schema, info.schema)}"


def dataset_picker(
    engine: Engine,
    *,
    key: str = "dataset_picker",
    label: str = "Dataset",
    actor: Actor | None = None,
    prefer_classification: bool = True,
) -> DatasetInfo | None:
    """Pick a dataset; the choice is shared across pages through session state.

    Before anything is chosen, the picker opens on a classification dataset (the screens that
    use it — review labels, checks, splits — show the most on one), not on the newest import.
    """
    infos = cached_datasets(engine, actor)
    if not infos:
        st.info("There are no datasets yet. Import one on the Datasets screen.")
        return None
    ids = [info.id for info in infos]
    by_id = {info.id: info for info in infos}
    chosen = st.session_state.get(SELECTED_DATASET_KEY)
    fits = classification_ids(engine, actor) if prefer_classification else frozenset()
    index = first_fitting(ids, chosen, fits)
    picked = st.selectbox(
        label, ids, index=index, format_func=lambda i: dataset_label(by_id[i]), key=key
    )
    st.session_state[SELECTED_DATASET_KEY] = picked
    return by_id[picked]


def run_action(action: Callable[[], Any], *, success: str | None = None) -> Any:
    """Run a lib call, showing a UserError as a sentence; other errors too, without traceback."""
    from lib.core.errors import UserError
    from lib.shell.messages import show_error, show_success

    try:
        result = action()
    except UserError as exc:
        show_error(str(exc))
        return None
    except Exception as exc:  # noqa: BLE001
        show_error(f"Something went wrong: {type(exc).__name__}: {exc}")
        return None
    if success:
        show_success(success)
    return result
