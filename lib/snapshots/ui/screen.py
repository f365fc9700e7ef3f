"""The Snapshots & export screen: pick a dataset, create, list, export, estimate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from lib.core.identity import Actor
from lib.shell.widgets import dataset_picker
from lib.snapshots.ui.costs import render_costs
from lib.snapshots.ui.create import render_create
from lib.snapshots.ui.export import render_dataset_export, render_exports
from lib.snapshots.ui.list import render_list

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def render_screen(engine: Engine, actor: Actor | None) -> None:
    info = dataset_picker(engine, key="snapshots_dataset", actor=actor)
    if info is None:
        return
    with st.expander("New snapshot", expanded=True):
        render_create(engine, info, actor)
    snapshot = render_list(engine, info, actor)
    if snapshot is not None:
        render_exports(engine, snapshot, actor)
        render_costs(engine, snapshot, actor)
    render_dataset_export(engine, info, actor)
