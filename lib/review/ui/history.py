"""Per-example revision history with readable diffs and revert, and the dataset guidelines."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.example_store import ExampleRow, revert_to
from lib.datasets.repo import DatasetInfo, get_guidelines, set_guidelines
from lib.review.guidelines import safe_markdown
from lib.review.history import history, restore_original
from lib.review.ui.state import NO_REVIEWER_HINT, discard_draft


def render_history(engine: Engine, example: ExampleRow, reviewer: str | None) -> None:
    with engine.connect() as conn:
        entries = history(conn, example.id)
    with st.expander(f"History ({len(entries)} change{'s' if len(entries) != 1 else ''})"):
        if not entries:
            st.caption("Not changed since import.")
        for entry in entries:
            rev = entry.revision
            st.markdown(f"**Version {rev.version}**")
            st.text(f"{rev.created_at:%Y-%m-%d %H:%M:%S} UTC · {rev.author} · {rev.reason}")
            for diff in entry.diffs:
                st.caption(diff.field)
                st.code(diff.text or "(whitespace only)", language="diff")
            if rev.version != example.version and st.button(
                f"Revert to version {rev.version}",
                key=f"rv_revert_{example.id}_{rev.id}",
                disabled=not reviewer,
            ):
                try:
                    revert_to(
                        engine,
                        example.id,
                        rev.id,
                        expected_version=example.version,
                        author=reviewer or "",
                    )
                    discard_draft(example.id)
                    st.rerun()
                except UserError as exc:
                    st.error(str(exc))
        if entries and entries[-1].revision.before is not None:
            first = entries[-1].revision
            if st.button(
                f"Revert to version {first.version - 1} (as imported)",
                key=f"rv_restore_{example.id}",
                disabled=not reviewer,
            ):
                try:
                    restore_original(
                        engine, example.id, expected_version=example.version, author=reviewer or ""
                    )
                    discard_draft(example.id)
                    st.rerun()
                except UserError as exc:
                    st.error(str(exc))
        if entries and not reviewer:
            st.caption(NO_REVIEWER_HINT)


def render_guidelines(engine: Engine, info: DatasetInfo, reviewer: str | None) -> None:
    """The dataset's guidelines beside the focus view, rendered without HTML or unsafe links."""
    with engine.connect() as conn:
        text = get_guidelines(conn, info.id)
    st.subheader("Guidelines")
    if text.strip():
        st.markdown(safe_markdown(text))
    else:
        st.caption("No guidelines for this dataset yet.")
    with st.expander("Edit guidelines"):
        new = st.text_area(
            "Guidelines (markdown)", value=text, key=f"rv_guidelines_{info.id}", height=200
        )
        if st.button("Save guidelines", key="rv_guidelines_save", disabled=not reviewer):
            set_guidelines(engine, info.id, new)
            st.rerun()
        if not reviewer:
            st.caption(NO_REVIEWER_HINT)
