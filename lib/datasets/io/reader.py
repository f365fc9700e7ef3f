"""Reading a user's file into examples: inspect first (preview, detection), then stream.

``inspect_source`` makes one streaming pass and reports what a user must see before
importing: format, encoding, sheet, columns, exact row count, schema (or the mapping it needs),
a preview, unknown keys and warnings. ``read_examples`` opens the same file again and streams
``Example`` objects for ``lib.datasets.repo.import_examples``. Both raise ``ReadError`` for a
file that cannot be read, naming the file, the line and the reason.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lib.core.errors import ReadError, UserError
from lib.core.examples import KNOWN_KEYS, Example, Schema
from lib.datasets.io.mapping import CompiledMapping, compile_mapping, suggest_mapping
from lib.datasets.io.opening import Opened, Resolved, format_label, open_records
from lib.datasets.io.records import Record, Runs
from lib.datasets.io.schema import (
    TableNormaliser,
    canonical_names,
    detect_keys,
    detect_record,
    rename,
    schema_label,
    unknown_keys,
)
from lib.datasets.io.source import Source

MAX_REPORTED_COLUMNS = 200
# A TXT file is one completion per line with an empty prompt.
TXT_MAPPING = {"prompt": "", "completion": "{text}"}


@dataclass(frozen=True, slots=True)
class Inspection:
    """What a file holds, for the preview shown before importing it."""

    file_name: str
    format: str  # csv | tsv | xlsx | json | jsonl | txt
    encoding: str | None  # e.g. "UTF-8", "Windows-1252 (cp1252)"; None for XLSX
    warnings: tuple[str, ...]
    sheets: tuple[str, ...]  # XLSX sheet names (empty for other formats)
    sheet: str | None  # the sheet read
    columns: tuple[str, ...]  # header (tables) or keys in order of first appearance (JSON)
    n_rows: int  # examples the file holds (exact)
    schema: Schema | None  # None: the columns need a mapping
    mapping: dict[str, str] | None  # the mapping applied, if any
    suggested_mapping: dict[str, str] | None  # an obvious mapping, when one is needed
    preview_examples: tuple[dict[str, Any], ...]  # first rows as example data (mapped)
    preview_raw: tuple[dict[str, Any], ...]  # first rows as read (columns → values)
    unknown_keys: dict[str, int]  # key → rows that have it (kept with the examples)

    @property
    def needs_mapping(self) -> bool:
        return self.schema is None

    @property
    def format_label(self) -> str:
        return format_label(self.format)

    @property
    def schema_label(self) -> str:
        return schema_label(self.schema)


@dataclass(slots=True)
class Reading:
    """A file ready to stream as examples; ``examples()`` may be called more than once."""

    file_name: str
    format: str
    encoding: str | None
    schema: Schema
    warnings: tuple[str, ...]
    sheets: tuple[str, ...]
    sheet: str | None
    columns: tuple[str, ...]
    mapping: dict[str, str] | None
    dropped: tuple[str, ...]  # columns left out of the examples
    _data: Source = field(repr=False)
    _resolved: Resolved = field(repr=False)
    _mapping: CompiledMapping | None = field(default=None, repr=False)

    def examples(self) -> Iterator[Example]:
        """Examples in file order, streamed; raises ReadError where the file goes bad."""
        with open_records(
            self._data,
            file_name=self.file_name,
            sheet=self.sheet,
            wants=_always,
            resolved=self._resolved,
        ) as opened:
            yield from _Converter(opened, file_name=self.file_name, mapping=self._mapping).run(
                self.schema
            )

    @property
    def format_label(self) -> str:
        return format_label(self.format)


def _always(_columns: tuple[str, ...]) -> bool:
    return True


def _wants(mapping: Mapping[str, str] | None) -> Callable[[tuple[str, ...]], bool]:
    """The default sheet: the first with the columns a mapping uses (or a known schema)."""
    if mapping:
        try:
            needed = {
                c
                for t in compile_mapping(mapping, columns=None, file_name="").templates.values()
                for c in t.columns
            }
        except UserError:
            needed = set()
        return lambda columns: needed <= set(columns)
    return lambda columns: detect_keys(columns) is not None


def _resolved(opened: Opened) -> Resolved:
    return Resolved(opened.format, opened.encoding, tuple(opened.warnings), opened.sheet)


class _Converter:
    """Records → examples, for one file: the mapping, or the detected schema (mixing refused)."""

    def __init__(self, opened: Opened, *, file_name: str, mapping: CompiledMapping | None) -> None:
        self.opened = opened
        self.file_name = file_name
        self.mapping = mapping
        self.where = file_name

    def run(
        self,
        schema: Schema,
        *,
        records: Iterator[Record] | None = None,
        on_record: Callable[[Record], None] | None = None,
    ) -> Iterator[Example]:
        """Examples from ``records`` (default: the opened file's records, from the start)."""
        if records is None:
            records = iter(self.opened.records)
        if self.mapping is not None:
            build = self.mapping.build
            for record in records:
                if on_record:
                    on_record(record)
                data = build(record.values)
                yield Example(data, record.row, unknown_keys(schema, data))
            return
        columns = self.opened.records.columns
        if columns is not None:  # a table: the header decided the schema
            normalise = TableNormaliser(schema, columns, file_name=self.where)
            if normalise.identity:
                # Each row's keys are the header's: the unknown keys are the same for all.
                unknown = unknown_keys(schema, dict.fromkeys(columns))
                for record in records:
                    if on_record:
                        on_record(record)
                    yield Example(record.values, record.row, unknown)
                return
            for record in records:
                if on_record:
                    on_record(record)
                data = normalise(record)
                yield Example(data, record.row, unknown_keys(schema, data))
            return
        yield from self._json_records(records, schema, on_record)

    def _json_records(
        self, records: Iterator[Record], schema: Schema, on_record: Callable[[Record], None] | None
    ) -> Iterator[Example]:
        legacy = schema == "completion"
        chat = schema == "chat"
        known = KNOWN_KEYS[schema]
        number = 0
        for record in records:
            number += 1
            if on_record:
                on_record(record)
            values = record.values
            # Fast paths for the common JSONL lines: exactly the legacy keys, or a chat line
            # with only known keys (detect_record would agree, nothing to rename or report).
            if (legacy and values.keys() == known) or (
                chat and "messages" in values and values.keys() <= known
            ):
                yield Example(values, record.row, (), record.raw)
                continue
            found = detect_record(values)
            if found is None:
                # A row that fits no schema inside a file of one schema is a bad row of that
                # file: kept as it is, for the checks to report (e.g. missing_messages_list).
                yield Example(values, record.row, unknown_keys(schema, values), record.raw)
                continue
            if found != schema:
                raise self._mixed(schema, number, record, records)
            raw = record.raw
            if legacy and ("completion" not in values or "prompt" not in values):
                renames = canonical_names(values, schema, where=self.where, line=record.line)
                if renames:
                    values = rename(values, renames)
                    raw = None
            yield Example(values, record.row, unknown_keys(schema, values), raw)

    def _mixed(
        self, schema: Schema, number: int, record: Record, rest: Iterator[Record]
    ) -> ReadError:
        """Scan the rest of the file to say which lines are which schema."""
        unit = self.opened.records.unit
        runs = Runs()
        first_row = number - 1
        if first_row >= 1:
            runs.runs[schema_label(schema)] = [[1, first_row]]
            runs.order.append(schema_label(schema))
        runs.add(schema_label(detect_record(record.values)), number)
        for other in rest:
            number += 1
            runs.add(schema_label(detect_record(other.values)), number)
        parts = [
            f"{unit} {runs.describe(key)} is {key}"
            if runs.single(key)
            else f"{unit}s {runs.describe(key)} are {key}"
            for key in runs.order
        ]
        if unit == "element":
            parts = [part.replace("element", "array element", 1) for part in parts]
        return ReadError(self.where, "file mixes schemas: " + "; ".join(parts))


def _compile(
    mapping: Mapping[str, str] | None,
    columns: tuple[str, ...],
    where: str,
    fmt: str,
    drop: Sequence[str] = (),
) -> CompiledMapping | None:
    if not mapping and fmt == "txt":
        mapping = TXT_MAPPING
    if not mapping:
        if drop:
            raise UserError("leaving columns out needs a mapping: pick the columns to import")
        return None
    return compile_mapping(mapping, columns=columns, file_name=where, drop=drop)


@dataclass(slots=True)
class _Start:
    """What the header (or the first JSON record) and the mapping decide before streaming."""

    records: Iterator[Record]  # every record, the first included
    columns: tuple[str, ...]  # the header, or the first record's keys
    compiled: CompiledMapping | None
    schema: Schema | None  # None: a mapping is needed
    missing: tuple[str, ...] = ()  # prompt/completion fields the file lacks (mapping needed)


def _missing_legacy_fields(columns: tuple[str, ...]) -> tuple[str, ...]:
    """Of prompt and completion, the ones no column provides (case-insensitively)."""
    lower = {c.lower().strip() for c in columns}
    return tuple(f for f in ("prompt", "completion") if f not in lower)


def _start(
    opened: Opened,
    *,
    file_name: str,
    mapping: Mapping[str, str] | None,
    drop: Sequence[str] = (),
) -> _Start:
    columns = opened.records.columns
    records = iter(opened.records)
    if columns is None:
        first = next(records, None)
        if first is None:
            raise ReadError(file_name, "the file holds no examples")
        columns = tuple(first.values)
        detected = detect_record(first.values)
        records = itertools.chain((first,), records)
    else:
        detected = detect_keys(columns)
    compiled = _compile(mapping, columns, file_name, opened.format, drop)
    if compiled is None and detected == "completion":
        # A `prompt` column with an `answer` column is not a prompt/completion file: importing
        # it would store empty completions. Ask for a mapping instead.
        missing = _missing_legacy_fields(columns)
        if missing:
            return _Start(records, columns, None, None, missing)
    return _Start(records, columns, compiled, compiled.schema if compiled else detected)


def missing_fields_note(missing: tuple[str, ...], columns: tuple[str, ...]) -> str:
    """The sentence for a prompt/completion file that lacks one of the two columns."""
    listed = ", ".join(columns[:MAX_REPORTED_COLUMNS])
    what = " and ".join(missing)
    return (
        f"no {what} column (columns: {listed}): map a column to the {what} "
        "(for example the one that holds the answer or the label)"
    )


def _needs_mapping_error(
    where: str, columns: tuple[str, ...], missing: tuple[str, ...] = ()
) -> ReadError:
    suggestion = suggest_mapping(columns)
    listed = ", ".join(columns[:MAX_REPORTED_COLUMNS])
    if missing:
        others = [c for c in columns if c.lower().strip() not in ("prompt", "completion")]
        example = " ".join(f"--map '{f}={{{others[0]}}}'" for f in missing) if others else ""
        return ReadError(
            where,
            missing_fields_note(missing, columns) + (f"; e.g. {example}" if example else ""),
        )
    hint = ""
    if suggestion:
        hint = "; e.g. " + " ".join(
            f"--map '{f}={t.replace(chr(10), chr(92) + 'n')}'" for f, t in suggestion.items()
        )
    return ReadError(
        where,
        f"no prompt/completion, messages or preference columns (columns: {listed}); "
        f"map columns to prompt and completion{hint}",
    )


def read_examples(
    data: Source,
    *,
    file_name: str,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
    drop: Sequence[str] = (),
) -> Reading:
    """Open a file for streaming its examples (checks format, encoding, header and schema).

    ``drop`` names columns to leave out of the examples (only with a mapping).
    """
    with open_records(data, file_name=file_name, sheet=sheet, wants=_wants(mapping)) as opened:
        start = _start(opened, file_name=file_name, mapping=mapping, drop=drop)
        compiled, columns = start.compiled, start.columns
        if start.schema is None:
            raise _needs_mapping_error(file_name, columns, start.missing)
        schema: Schema = start.schema
        return Reading(
            file_name=file_name,
            format=opened.format,
            encoding=opened.encoding.label if opened.encoding else None,
            schema=schema,
            warnings=tuple(opened.warnings)
            + tuple(opened.records.stats.notes(opened.records.unit)),
            sheets=opened.sheets,
            sheet=opened.sheet,
            columns=columns,
            mapping=compiled.as_dict() if compiled else None,
            dropped=tuple(compiled.dropped_list) if compiled else (),
            _data=data,
            _resolved=_resolved(opened),
            _mapping=compiled,
        )


def inspect_source(
    data: Source,
    *,
    file_name: str,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
    preview_rows: int = 20,
    drop: Sequence[str] = (),
) -> Inspection:
    """Everything the preview shows, from one streaming pass over the file."""
    with open_records(data, file_name=file_name, sheet=sheet, wants=_wants(mapping)) as opened:
        table_columns = opened.records.columns
        raw_preview: list[dict[str, Any]] = []
        seen_keys: dict[str, None] = dict.fromkeys(table_columns or ())
        n_rows = 0

        def on_record(record: Record) -> None:
            nonlocal n_rows
            n_rows += 1
            if len(raw_preview) < preview_rows:
                raw_preview.append(dict(record.values))
            if table_columns is None and len(seen_keys) < MAX_REPORTED_COLUMNS:
                for key in record.values:
                    seen_keys.setdefault(key, None)

        start = _start(opened, file_name=file_name, mapping=mapping, drop=drop)
        compiled, schema = start.compiled, start.schema
        preview: list[dict[str, Any]] = []
        unknown: Counter[str] = Counter()
        if schema is None:
            for record in start.records:
                on_record(record)
        else:
            converter = _Converter(opened, file_name=file_name, mapping=compiled)
            for example in converter.run(schema, records=start.records, on_record=on_record):
                if len(preview) < preview_rows:
                    preview.append(example.data)
                unknown.update(example.unknown_keys)
        if n_rows == 0:
            raise ReadError(file_name, "the file holds no examples")
        columns = tuple(seen_keys)
        warnings = list(opened.warnings) + opened.records.stats.notes(opened.records.unit)
        if start.missing:
            warnings.append(missing_fields_note(start.missing, start.columns))
        return Inspection(
            file_name=file_name,
            format=opened.format,
            encoding=opened.encoding.label if opened.encoding else None,
            warnings=tuple(warnings),
            sheets=opened.sheets,
            sheet=opened.sheet,
            columns=columns,
            n_rows=n_rows,
            schema=schema,
            mapping=compiled.as_dict() if compiled else None,
            suggested_mapping=suggest_mapping(columns) if schema is None else None,
            preview_examples=tuple(preview),
            preview_raw=tuple(raw_preview),
            unknown_keys=dict(unknown.most_common()),
        )
