"""My queue: the acting reviewer's examples, one at a time, with progress.

Blind by construction: the service returns only the reviewer's own labels, and the example is
shown by its prompt (its stored label may be a colleague's settled decision, so it is not shown).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from lib.access import service
from lib.core.identity import Actor, Role
from lib.shell.messages import md, show_caption, show_info, show_text
from lib.shell.widgets import run_action

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

_QUEUE_KEY = "my_queue_id"
_NEW_LABEL = "Another label…"


def render_my_queue(engine: Engine, actor: Actor | None) -> None:
    if actor is None:
        show_info("Type your name in the sidebar to open your review queue.")
        return
    if not actor.can(Role.REVIEWER):
        show_info(
            f"{actor.name} is a viewer: review queues are for reviewers. "
            "An admin grants roles on the Team screen."
        )
        return
    flash = st.session_state.pop("my_queue_flash", None)
    if flash:
        st.success(md(flash))
    mine = run_action(lambda: service.my_queues(engine, actor))
    if not mine:
        show_info(
            "Nothing is assigned to you yet. An admin assigns review queues on the Team screen."
        )
        return
    by_id = {q.info.id: q for q in mine}
    ids = list(by_id)
    chosen = st.session_state.get(_QUEUE_KEY)
    queue_id = st.selectbox(
        "Queue",
        ids,
        index=ids.index(chosen) if chosen in by_id else 0,
        format_func=lambda i: f"{by_id[i].info.name} · {by_id[i].labelled}/{len(by_id[i].items)}",
        key="my_queue_pick",
    )
    st.session_state[_QUEUE_KEY] = queue_id
    queue = by_id[queue_id]
    total = len(queue.items)
    st.progress(
        queue.labelled / total if total else 1.0, text=f"{queue.labelled} of {total} labelled"
    )
    if queue.info.overlap > 1:
        show_caption(
            f"Each example goes to {queue.info.overlap} reviewers. You do not see their labels, "
            "and they do not see yours, until the example is settled."
        )
    item = queue.next_item
    if item is None:
        st.success("Your part of this queue is done. Thank you!")
    else:
        _label_form(engine, actor, queue.info.dataset_id, item)
    with st.expander("My labels in this queue", expanded=False):
        rows = [
            {
                "#": i.position + 1,
                "Example": i.example_id,
                "My label": i.own_label or "",
                "Settled": i.settled_label or "",
            }
            for i in queue.items
        ]
        st.dataframe(rows, hide_index=True, use_container_width=True)


def _label_form(engine: Engine, actor: Actor, dataset_id: int, item: service.Item) -> None:
    example = run_action(
        lambda: service.queue_example(engine, actor, item.queue_id, item.example_id)
    )
    if example is None:
        return
    st.subheader(f"Example {item.position + 1}")
    show_caption(f"Example id {example.id}")
    show_text(example.prompt)
    options = run_action(lambda: service.label_options(engine, actor, dataset_id)) or []
    key = f"queue_label_{item.queue_id}_{item.example_id}"
    choice = st.selectbox(
        "Label", [*options, _NEW_LABEL], key=key, index=None, placeholder="Choose a label"
    )
    typed = ""
    if choice == _NEW_LABEL or not options:
        typed = st.text_input("New label", key=key + "_new", max_chars=2000)
    label = typed if (choice == _NEW_LABEL or not options) else (choice or "")
    if st.button("Save label", type="primary", key=key + "_save", disabled=not label.strip()):
        result = run_action(
            lambda: service.submit_label(engine, actor, item.queue_id, item.example_id, label)
        )
        if result is not None:
            st.session_state["my_queue_flash"] = (
                "Saved; the example's label is now " + label
                if result.settled
                else "Saved. It stays yours alone until every reviewer has labelled it."
            )
            st.rerun()
