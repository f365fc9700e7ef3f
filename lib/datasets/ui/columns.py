"""The column picker of the import panel: columns per field, templates only if wanted.

People pick which of the file's columns make the prompt and the completion (or the chat roles)
instead of typing ``{Summary}\\n\\n{Text}``; several columns picked for one field are joined by
a blank line. A template can still be written (prefilled from the picks), and columns can be
left out of the examples — a pandas index column (``unnamed_1``) is preselected for that.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lib.core.errors import UserError
from lib.datasets.io import Inspection
from lib.datasets.io.mapping import CHAT_FIELDS, COMPLETION_FIELDS, parse_template
from lib.shell.messages import show_caption

TARGETS = {"prompt/completion": COMPLETION_FIELDS, "chat": CHAT_FIELDS}
JOINER = "\n\n"  # between two columns picked for one field
TOGGLE_KEY = "import_pick_toggle"
TARGET_KEY = "import_map_target"
TEMPLATES_KEY = "import_map_templates"
DROP_KEY = "import_drop"
HELP = {
    "prompt": "What the model reads.",
    "completion": "What the model should answer: the label or the text.",
    "system": "Optional instructions given before every conversation.",
    "user": "What the user says.",
    "assistant": "What the model should answer.",
}


@dataclass(frozen=True, slots=True)
class Choice:
    """What the picker decided: a mapping (None = import as detected) and columns to leave out."""

    mapping: dict[str, str] | None
    drop: tuple[str, ...]


def template_of(columns: list[str]) -> str:
    """``["Summary", "Text"]`` → ``"{Summary}\\n\\n{Text}"``."""
    return JOINER.join("{" + column + "}" for column in columns)


def _columns_in(template: str, field: str, columns: tuple[str, ...]) -> list[str]:
    try:
        used = parse_template(template, field=field).columns
    except UserError:
        return []
    return [column for column in used if column in columns]


def default_picks(inspection: Inspection, fields: tuple[str, ...]) -> dict[str, list[str]]:
    """The columns preselected per field: the suggested mapping's, else a column of that name."""
    columns = inspection.columns
    suggested = inspection.suggested_mapping or inspection.mapping or {}
    lower = {column.lower().strip(): column for column in columns}
    picks: dict[str, list[str]] = {}
    for field in fields:
        if field in suggested:
            picks[field] = _columns_in(suggested[field], field, columns)
        elif field in lower:
            picks[field] = [lower[field]]
        else:
            picks[field] = []
    return picks


def unnamed_columns(columns: tuple[str, ...]) -> list[str]:
    """Columns the reader named because their header cell was empty (a pandas index)."""
    return [column for column in columns if column.startswith("unnamed_")]


def pick_columns(inspection: Inspection) -> Choice:
    """The mapping step: shown when the file needs one, or when asked for."""
    wanted = inspection.needs_mapping or st.toggle(
        "Choose columns",
        key=TOGGLE_KEY,
        help="Pick which columns make the prompt and the completion, or leave columns out.",
    )
    if not wanted:
        return Choice(None, ())
    columns = inspection.columns
    target = st.radio("Import as", list(TARGETS), horizontal=True, key=TARGET_KEY)
    fields = TARGETS[target]
    defaults = default_picks(inspection, fields)
    picks: dict[str, list[str]] = {}
    cells = st.columns(len(fields))
    for cell, field in zip(cells, fields, strict=True):
        with cell:
            picks[field] = st.multiselect(
                field,
                list(columns),
                default=defaults[field],
                key=f"import_pick_{target}_{field}",
                help=HELP[field] + " Several columns are joined by a blank line.",
                placeholder="Pick columns",
            )
    mapping: dict[str, str] = {}
    if st.toggle(
        "Write templates instead",
        key=TEMPLATES_KEY,
        help="Column names in braces are replaced by the row's value, e.g. {title}: {body}.",
    ):
        st.caption(
            "A template per field: {column} is replaced by the row's value; "
            "write {{ and }} for braces."
        )
        for field in fields:
            text = st.text_area(
                field,
                value=template_of(picks[field]),
                key=f"import_map_{target}_{field}",
                height=68,
                help="Leave empty to leave this field out." if field == "system" else None,
            )
            if text.strip():
                mapping[field] = text
    else:
        mapping = {field: template_of(chosen) for field, chosen in picks.items() if chosen}
    used = {c for field, text in mapping.items() for c in _columns_in(text, field, columns)}
    # The options stay the file's columns (a widget whose options change loses its picks);
    # a column a field uses is simply not left out.
    chosen = st.multiselect(
        "Leave out columns",
        list(columns),
        default=[c for c in unnamed_columns(columns) if c not in used],
        key=DROP_KEY,
        help="Columns not picked are kept with each example (not trained on) unless left out "
        "here. A column without a header name is usually a spreadsheet's row number.",
    )
    drop = tuple(column for column in chosen if column not in used)
    if len(drop) < len(chosen):
        show_caption("Columns a field uses are kept: " + ", ".join(c for c in chosen if c in used))
    return Choice(mapping or None, drop)
