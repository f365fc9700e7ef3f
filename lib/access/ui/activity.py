"""Activity: who did what and when, filterable by person and dataset (admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from lib.access import service
from lib.core.identity import Actor, Role
from lib.shell.messages import show_caption, show_info
from lib.shell.widgets import cached_datasets, run_action

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

_EVERYONE = "Everyone"


def render_activity(engine: Engine, actor: Actor | None) -> None:
    if actor is None or not actor.can(Role.ADMIN):
        show_info("Only admins see the activity of the team.")
        return
    people = run_action(lambda: service.activity_people(engine, actor)) or []
    infos = cached_datasets(engine)
    names = {info.id: info.name for info in infos}
    c1, c2, c3 = st.columns([2, 2, 1])
    person = c1.selectbox("Person", [_EVERYONE, *people], key="activity_person")
    dataset_id = c2.selectbox(
        "Dataset",
        [None, *names],
        format_func=lambda i: "Every dataset" if i is None else names[i],
        key="activity_dataset",
    )
    limit = c3.number_input("Rows", 50, 2_000, 500, step=50, key="activity_limit")
    filters = service.ActivityFilter(
        person=None if person == _EVERYONE else person, dataset_id=dataset_id, limit=int(limit)
    )
    entries = run_action(lambda: service.activity(engine, actor, filters)) or []
    if not entries:
        show_caption("Nothing matches.")
        return
    st.dataframe(
        [
            {
                "When (UTC)": e.at,
                "Who": e.person,
                "What": e.action,
                "Dataset": e.dataset or "",
                "Detail": e.detail,
            }
            for e in entries
        ],
        hide_index=True,
        use_container_width=True,
    )
