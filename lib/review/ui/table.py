"""The paginated review table: one page from the store in ``st.data_editor``, cell edits saved
at once (each row a revision, with the version the reviewer saw), and bulk actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.datasets.service import DatasetInfo
from lib.review import bulk, query, service
from lib.review.edit import EDITABLE_ALWAYS, EDITABLE_TEXT, CellEdit
from lib.review.service import STATUSES
from lib.review.ui.state import (
    NO_REVIEWER_HINT,
    drafts_notice,
    open_in_focus,
    page_of,
    push_conflict,
)
from lib.shell.messages import md, show_caption, show_error, show_success, show_toast, show_warning

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

NONCE_KEY = "review_table_nonce"
VIEW_KEY = "review_table_view"
PAGE_KEY = "review_page"
PAGE_SIZE_KEY = "review_page_size"
TEXT_PREVIEW = 2_000  # characters of a cell shown in the table (the focus view shows all)


def editor_key() -> str:
    """The data editor's key; it changes after a save and when the page or filters change, so
    edit state (row positions) never applies to rows it was not made on."""
    return f"review_table_{st.session_state.get(NONCE_KEY, 0)}"


def _rows_key(key: str) -> str:
    return f"{key}__rows"


def _bump() -> None:
    st.session_state[NONCE_KEY] = st.session_state.get(NONCE_KEY, 0) + 1


def pending_edits() -> dict:
    state = st.session_state.get(editor_key())
    return dict(state.get("edited_rows") or {}) if isinstance(state, dict) else {}


def _save_edits(engine: Engine, info: DatasetInfo, actor: Actor | None) -> None:
    """Save what the reviewer typed into the table (called before the table is drawn)."""
    key = editor_key()
    edits = pending_edits()
    shown = st.session_state.get(_rows_key(key))
    if not edits or not shown:
        return
    if actor is None:
        show_warning(f"Your table edits are not saved yet. {NO_REVIEWER_HINT}")
        return
    cell_edits = []
    for index, values in sorted(edits.items(), key=lambda kv: int(kv[0])):
        example_id, version = shown[int(index)]  # the row as it was drawn: id and version
        cell_edits.append(CellEdit(example_id, version, dict(values)))
    try:
        result = service.save_table_edits(engine, info.id, info.schema, cell_edits, actor=actor)
    except UserError as exc:
        show_error(str(exc))
        return
    for conflict in result.conflicts:
        push_conflict(conflict)
    _bump()
    if result.problems:
        st.session_state["review_table_problems"] = result.problems
    if result.saved:
        show_toast(f"Saved {result.saved} row{'s' if result.saved != 1 else ''}.")
    st.rerun()


def _frame(rows, schema: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [r.id for r in rows],
            "source row": [r.source_row for r in rows],
            "status": [r.status for r in rows],
            "label": [r.label or "" for r in rows],
            "prompt": [r.prompt[:TEXT_PREVIEW] for r in rows],
            "completion": [r.completion[:TEXT_PREVIEW] for r in rows],
            "comment": [r.comment or "" for r in rows],
            "chars": [r.prompt.__len__() + r.completion.__len__() for r in rows],
            "by": [r.updated_by or "" for r in rows],
        }
    )


def _pager_offsets() -> tuple[int, int]:
    """The page the pager shows now (before it is drawn)."""
    size = int(st.session_state.get(PAGE_SIZE_KEY, query.PAGE_SIZES[1]))
    return (max(1, int(st.session_state.get(PAGE_KEY, 1))) - 1) * size, size


def _pager(total: query.Count, locked: bool) -> tuple[int, int]:
    # A bounded count offers the pages it reaches ("of 200+"); the last of them counts further.
    size = st.session_state.setdefault(PAGE_SIZE_KEY, query.PAGE_SIZES[1])
    n_pages = max(1, -(-total.n // size))
    if st.session_state.get(PAGE_KEY, 1) > n_pages:
        st.session_state[PAGE_KEY] = n_pages
    left, mid, right = st.columns([2, 2, 3])
    number = left.number_input(
        f"Page (of {n_pages:,}{'' if total.exact else '+'})",
        min_value=1,
        max_value=n_pages,
        key=PAGE_KEY,
        disabled=locked,
    )
    mid.selectbox("Rows per page", query.PAGE_SIZES, key=PAGE_SIZE_KEY, disabled=locked)
    right.caption(md(f"{total} matching examples"))
    return (int(number) - 1) * size, size


def render_table(
    engine: Engine, info: DatasetInfo, filters: query.Filters, actor: Actor | None
) -> None:
    """The table with its pager; returns nothing (edits are saved as they arrive)."""
    _save_edits(engine, info, actor)
    drafts_notice(engine, info, actor)
    for problem in st.session_state.pop("review_table_problems", []):
        show_error(problem)
    offset, size = _pager_offsets()
    result = page_of(engine, info, filters, offset, size)
    total = result.total
    locked = bool(pending_edits())
    if locked:
        st.info("Finish saving the table edits (enter your name) before changing page or filters.")
    offset, size = _pager(total, locked)
    if (offset, size) != _pager_offsets():
        result = page_of(engine, info, filters, offset, size)
    view = (info.id, filters, offset, size)
    if st.session_state.get(VIEW_KEY) != view:
        if VIEW_KEY in st.session_state and not locked:
            _bump()
        st.session_state[VIEW_KEY] = view
    rows = result.rows
    key = editor_key()
    if not pending_edits():
        st.session_state[_rows_key(key)] = [(r.id, r.version) for r in rows]
    if not rows:  # an empty grid has no column types to edit (and says nothing)
        st.info("No example matches the filters.")
    else:
        editable = set(EDITABLE_TEXT.get(info.schema, ())) | set(EDITABLE_ALWAYS)
        frame = _frame(rows, info.schema)
        st.data_editor(
            frame,
            key=key,
            hide_index=True,
            width="stretch",
            num_rows="fixed",
            disabled=[c for c in frame.columns if c not in editable],
            column_config={
                "id": st.column_config.NumberColumn("id", format="%d", width="small"),
                "source row": st.column_config.NumberColumn(
                    "source row", format="%d", width="small"
                ),
                "status": st.column_config.SelectboxColumn(
                    "status", options=STATUSES, required=True
                ),
                "prompt": st.column_config.TextColumn("prompt", width="large"),
                "completion": st.column_config.TextColumn(
                    "completion" if info.schema != "chat" else "answer (last assistant)",
                    width="medium",
                ),
                "comment": st.column_config.TextColumn("comment"),
                "chars": st.column_config.NumberColumn("chars", format="%d", width="small"),
            },
        )
        _open_in_focus(rows, offset)
    render_bulk(engine, info, filters, actor, total)


def _focus_on(ids: list[int]) -> None:
    # A callback: the mode's widget key can only change before the script runs.
    chosen = st.session_state.get("review_open_id")
    open_in_focus(chosen if chosen in ids else ids[0])


def _open_in_focus(rows, offset: int) -> None:
    ids = [r.id for r in rows]
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.selectbox("Open an example of this page in the focus view (id)", ids, key="review_open_id")
    right.button("Open", key="review_open_btn", on_click=_focus_on, args=(ids,))


def render_bulk(
    engine: Engine,
    info: DatasetInfo,
    filters: query.Filters,
    actor: Actor | None,
    total: query.Count,
) -> None:
    """Bulk actions on the filtered set: count first (exactly), confirm, one undoable batch."""
    title = (
        f"Bulk action on the {total.n:,} filtered examples"
        if total.exact
        else f"Bulk action on the filtered examples ({total})"
    )
    with st.expander(title):
        kind = st.radio(
            "Action",
            ["Approve all", "Set status", "Relabel"],
            horizontal=True,
            key="review_bulk_kind",
        )
        if kind == "Approve all":
            action: bulk.BulkAction = bulk.SetStatus("approved")
        elif kind == "Set status":
            action = bulk.SetStatus(st.selectbox("New status", STATUSES, key="review_bulk_status"))
        else:
            labels = list(service.overview(engine, info.id, actor=actor).labels)
            c1, c2 = st.columns(2)
            old = c1.selectbox("Relabel", labels, key="review_bulk_old") if labels else None
            new = c2.text_input("as", key="review_bulk_new", max_chars=2000)
            if old is None:
                st.caption("This dataset has no labels.")
                return
            action = bulk.Relabel(old, new)
        pending = st.session_state.get("review_bulk_pending")
        if pending and pending[0] != (info.id, filters, action):
            pending = None
        if st.button("Count the examples this changes", key="review_bulk_count"):
            try:
                n = service.bulk_preview(engine, info.id, filters, action, actor=actor)
                st.session_state["review_bulk_pending"] = ((info.id, filters, action), n)
                pending = st.session_state["review_bulk_pending"]
            except UserError as exc:
                show_error(str(exc))
        if pending:
            n = pending[1]
            st.write(
                f"This will {md(action.describe())} on **{n:,}** examples (one undoable batch)."
            )
            if st.button(
                f"Confirm: change {n:,} examples",
                key="review_bulk_confirm",
                type="primary",
                disabled=actor is None or n == 0,
            ):
                try:
                    batch, changed = service.bulk_apply(
                        engine, info.id, filters, action, expected_count=n, actor=actor
                    )
                    st.session_state.pop("review_bulk_pending", None)
                    st.session_state["review_bulk_last"] = batch
                    show_success(f"Changed {changed:,} examples.")
                except UserError as exc:
                    show_error(str(exc))
            if actor is None:
                show_caption(NO_REVIEWER_HINT)
        last = st.session_state.get("review_bulk_last")
        if last and st.button(
            "Undo the last bulk action", key="review_bulk_undo", disabled=actor is None
        ):
            try:
                service.undo_bulk(engine, last, actor=actor)
                st.session_state.pop("review_bulk_last", None)
                st.success("Undone.")
            except UserError as exc:
                show_error(str(exc))
