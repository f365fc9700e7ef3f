"""Per-example revision history (word diffs side by side, revert) and the dataset guidelines."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.datasets.service import DatasetInfo
from lib.review import service
from lib.review.service import ExampleRow
from lib.review.ui.state import NO_REVIEWER_HINT, notify
from lib.shell.messages import show_caption, show_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def _revert(engine: Engine, target: service.Target, revision_id: int | None, actor) -> None:
    try:
        result = service.revert(engine, target, revision_id=revision_id, actor=actor)
    except UserError as exc:
        notify("error", str(exc))
        return
    notify("success" if result.ok else "warning", result.message)


def render_history(engine: Engine, example: ExampleRow, actor: Actor | None) -> None:
    entries = service.history_of(engine, example.id, actor=actor)
    target = service.Target.of(example)
    with st.expander(f"History ({len(entries)} change{'s' if len(entries) != 1 else ''})"):
        if not entries:
            st.caption("Not changed since import.")
        for entry in entries:
            rev = entry.revision
            st.markdown(f"**Version {rev.version}**")
            st.text(f"{rev.created_at:%Y-%m-%d %H:%M:%S} UTC · {rev.author} · {rev.reason}")
            for diff in entry.diffs:
                show_caption(f"{diff.field} — before [-removed-] · after {{+added+}}")
                left, right = st.columns(2)
                left.code(diff.before or "(empty)", language=None, wrap_lines=True)
                right.code(diff.after or "(empty)", language=None, wrap_lines=True)
            if rev.version != example.version:
                st.button(
                    f"Revert to version {rev.version}",
                    key=f"rv_revert_{example.id}_{rev.id}",
                    disabled=actor is None,
                    on_click=_revert,
                    args=(engine, target, rev.id, actor),
                )
        if entries and entries[-1].revision.before is not None:
            first = entries[-1].revision
            st.button(
                f"Revert to version {first.version - 1} (as imported)",
                key=f"rv_restore_{example.id}",
                disabled=actor is None,
                on_click=_revert,
                args=(engine, target, None, actor),
            )
        if entries and actor is None:
            show_caption(NO_REVIEWER_HINT)


def _save_guidelines(engine: Engine, dataset_id: int, key: str, actor) -> None:
    try:
        service.change_guidelines(engine, dataset_id, st.session_state.get(key, ""), actor=actor)
    except UserError as exc:
        notify("error", str(exc))


def render_guidelines(engine: Engine, info: DatasetInfo, actor: Actor | None) -> None:
    """The dataset's guidelines beside every mode, rendered without HTML or unsafe links."""
    text = service.guidelines(engine, info.id, actor=actor)
    st.subheader("Guidelines")
    if text.strip():
        show_text(text)
    else:
        st.caption("No guidelines for this dataset yet.")
    with st.expander("Edit guidelines"):
        key = f"rv_guidelines_{info.id}"
        st.text_area("Guidelines", value=text, key=key, height=200)
        st.button(
            "Save guidelines",
            key="rv_guidelines_save",
            disabled=actor is None,
            on_click=_save_guidelines,
            args=(engine, info.id, key, actor),
        )
        if actor is None:
            show_caption(NO_REVIEWER_HINT)
