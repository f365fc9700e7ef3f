"""CSV and XLSX writers: one row per example, the schema's columns first, safe to open.

Columns: the schema's own keys (``prompt``, ``completion``; ``messages``, ``tools`` …;
``input``, ``preferred_output``, ``non_preferred_output``) in that order, then any other key
the rows hold, in order of first appearance. Lists and objects are written as JSON text, which
Tunelab's readers parse back. Nothing is converted between schemas: a table export is lossless
apart from two documented changes.

- **Formulas are neutralised**: a cell starting with = + - @ tab or CR gets a leading ``'`` so
  that Excel, LibreOffice or Google Sheets show it as text instead of running it. Re-imported,
  the cell keeps the ``'`` (``=1+1`` comes back as ``'=1+1``).
- **XLSX only**: control characters other than tab, newline and CR cannot be stored in the
  file format and become U+FFFD.

CSV is UTF-8 with a byte-order mark (so Excel picks the right encoding); XLSX holds one sheet
per part (``train``, ``valid``, ``test``).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from lib.datasets.export.base import ExportOptions, ExportSource, neutralise, xml_safe
from lib.datasets.export.sink import Sink, base_name, part_file_name

SCHEMA_COLUMNS: dict[str, tuple[str, ...]] = {
    "completion": ("prompt", "completion"),
    "chat": ("messages", "tools", "parallel_tool_calls", "functions"),
    "preference": ("input", "preferred_output", "non_preferred_output"),
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "completion": ("prompt", "completion"),
    "chat": ("messages",),
    "preference": ("input", "preferred_output", "non_preferred_output"),
}
XLSX_MAX_SHEET_TITLE = 31


def columns_of(export: ExportSource) -> list[str]:
    """The header: required schema columns, optional ones any row has, then other keys."""
    seen: dict[str, None] = {}
    for part in export.parts:
        for row in part.rows():
            for key in row.data:
                seen.setdefault(key, None)
    own = SCHEMA_COLUMNS[export.schema]
    required = REQUIRED_COLUMNS[export.schema]
    head = [c for c in own if c in required or c in seen]
    return head + [key for key in seen if key not in own]


def cell(value: Any) -> str:
    """A value as cell text (JSON for lists, objects, booleans and numbers), neutralised."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return neutralise(text)


def write_csv(export: ExportSource, sink: Sink, options: ExportOptions) -> None:
    del options  # tables are written as the examples are, in their own schema
    columns = columns_of(export)
    for part in export.parts:
        with sink.open(part_file_name(export, part, "csv")) as stream:
            text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
            writer = csv.writer(text)
            writer.writerow(columns)
            for row in part.rows():
                writer.writerow([cell(row.data.get(column)) for column in columns])
            text.flush()
            text.detach()  # leave the sink's stream open for the caller


def _sheet_title(name: str, used: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:XLSX_MAX_SHEET_TITLE] or "data"
    title, n = base, 1
    while title in used:
        n += 1
        suffix = f" ({n})"
        title = base[: XLSX_MAX_SHEET_TITLE - len(suffix)] + suffix
    used.add(title)
    return title


def write_xlsx(export: ExportSource, sink: Sink, options: ExportOptions) -> None:
    del options
    from openpyxl import Workbook

    columns = columns_of(export)
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for part in export.parts:
        sheet = workbook.create_sheet(_sheet_title(part.name, used))
        sheet.append(columns)
        for row in part.rows():
            sheet.append([xml_safe(cell(row.data.get(column))) for column in columns])
    if len(export.parts) == 1:
        name = part_file_name(export, export.parts[0], "xlsx")
    else:
        name = f"{base_name(export)}.xlsx"
    with sink.open(name) as stream:
        workbook.save(stream)
