"""Which schema a record (or a table's header) is, and the record in that schema's shape.

prompt/completion column names are matched case-insensitively (as prepare_data did);
``messages`` means chat; ``input`` with ``preferred_output``/``non_preferred_output`` means
preference (DPO). In a CSV or XLSX those JSON-valued columns hold JSON text, parsed here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from lib.core.errors import ReadError
from lib.core.examples import KNOWN_KEYS, SCHEMA_LABELS, Schema
from lib.datasets.io.records import Record, json_depth_exceeds, nesting_error

_LEGACY = ("prompt", "completion")
# Columns of a table that hold JSON text for each schema (parsed when not empty).
JSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "chat": ("messages", "tools", "functions"),
    "preference": ("input", "preferred_output", "non_preferred_output"),
}
BOOL_COLUMNS = ("parallel_tool_calls",)


def detect_keys(keys: Iterable[str]) -> Schema | None:
    """The schema a set of keys or column names says, or None (a mapping is needed)."""
    lower = {key.lower().strip() for key in keys}
    if "messages" in lower:
        return "chat"
    if "input" in lower and ({"preferred_output", "non_preferred_output"} & lower):
        return "preference"
    if "prompt" in lower or "completion" in lower:
        return "completion"
    return None


def detect_record(values: Mapping[str, Any]) -> Schema | None:
    """``detect_keys`` with a fast path for the common exact key names."""
    if "messages" in values:
        return "chat"
    if "prompt" in values or "completion" in values:
        return "completion"
    return detect_keys(values)


def schema_label(schema: str | None) -> str:
    return SCHEMA_LABELS.get(schema or "", "no known schema")


def canonical_names(
    keys: Iterable[str], schema: Schema, *, where: str, line: int | None
) -> dict[str, str]:
    """Keys to rename to the schema's spelling ("Prompt" → "prompt"); errors on two spellings."""
    known = KNOWN_KEYS[schema] | set(BOOL_COLUMNS)
    renames: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key in keys:
        canonical = key.lower().strip()
        if canonical not in known:
            continue
        if canonical in seen:
            raise ReadError(
                where,
                f"columns {seen[canonical]!r} and {key!r} both mean {canonical}; keep one",
                line=line,
            )
        seen[canonical] = key
        if key != canonical:
            renames[key] = canonical
    return renames


def rename(values: dict[str, Any], renames: Mapping[str, str]) -> dict[str, Any]:
    return {renames.get(key, key): value for key, value in values.items()}


def unknown_keys(schema: Schema, data: Mapping[str, Any]) -> tuple[str, ...]:
    known = KNOWN_KEYS[schema]
    if data.keys() <= known:  # the common case, checked in C
        return ()
    return tuple(key for key in data if key not in known)


class TableNormaliser:
    """Turns a table row (all cells text) into example data for a header-detected schema."""

    def __init__(self, schema: Schema, columns: tuple[str, ...], *, file_name: str) -> None:
        self.schema = schema
        self.file_name = file_name
        self.renames = canonical_names(columns, schema, where=file_name, line=None)
        canonical = [self.renames.get(c, c) for c in columns]
        self.json_columns = [c for c in canonical if c in JSON_COLUMNS.get(schema, ())]
        self.bool_columns = [c for c in canonical if c in BOOL_COLUMNS and schema == "chat"]
        # Nothing to rename or parse: every row is returned as read (with all the columns).
        self.identity = not (self.renames or self.json_columns or self.bool_columns)

    def __call__(self, record: Record) -> dict[str, Any]:
        data = rename(record.values, self.renames) if self.renames else record.values
        for column in self.json_columns:
            text = data.get(column, "")
            if not isinstance(text, str):
                continue
            if not text.strip():
                if column in ("messages", "input"):
                    raise ReadError(
                        self.file_name,
                        f"row {record.row}: the {column} cell is empty",
                        line=record.line,
                    )
                del data[column]
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ReadError(
                    self.file_name,
                    f"row {record.row}: the {column} cell is not valid JSON ({exc.msg}, "
                    f"character {exc.pos + 1})",
                    line=record.line,
                ) from None
            except RecursionError:
                raise nesting_error(self.file_name, f"row {record.row}", record.line) from None
            if json_depth_exceeds(value):
                raise nesting_error(self.file_name, f"row {record.row}", record.line)
            data[column] = value
        for column in self.bool_columns:
            text = str(data.get(column, "")).strip().lower()
            if text in ("true", "1", "yes"):
                data[column] = True
            elif text in ("false", "0", "no"):
                data[column] = False
            elif not text:
                del data[column]
        return data
