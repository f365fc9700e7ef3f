"""Opening a file for reading: format, encoding, sheet, and its stream of records.

The extension says the format and the content confirms it. Two mix-ups are common enough to
resolve with a warning instead of an error: a ``.json`` file that holds one object per line is
read as JSONL, and a ``.jsonl`` file that holds one array is read as JSON; a ``.csv`` whose
header has tabs and no commas is read as TSV.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

from lib.core.errors import ReadError
from lib.datasets.io.jsonread import JsonArrayRecords, JsonlRecords
from lib.datasets.io.records import RecordSource
from lib.datasets.io.source import (
    FORMAT_LABELS,
    SNIFF_BYTES,
    Format,
    Source,
    confirm_format,
    format_from_name,
    open_binary,
    read_head,
)
from lib.datasets.io.tabular import DelimitedRecords, TextLineRecords
from lib.datasets.io.text import (
    Encoding,
    choose_encoding,
    is_utf16,
    iter_chunks,
    iter_lines,
    sniff_encoding,
)
from lib.datasets.io.xlsx import Workbook


@dataclass(slots=True)
class Opened:
    """An open file: what it is and its records (iterate ``records`` once)."""

    format: Format
    encoding: Encoding | None
    warnings: list[str]
    records: RecordSource
    sheets: tuple[str, ...] = ()
    sheet: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Resolved:
    """Decisions from a first opening, reused when the file is opened again to stream it."""

    format: Format
    encoding: Encoding | None
    warnings: tuple[str, ...]
    sheet: str | None


def _head_text(head: bytes, encoding: Encoding) -> str:
    return head[encoding.bom :].decode(encoding.codec, errors="replace")


def _json_holds_lines(lines: Iterator[str]) -> bool:
    """True when the first non-blank line is a whole JSON object and another object follows."""
    non_blank = (line for line in lines if line.strip())
    first_two = list(islice(non_blank, 2))
    if len(first_two) < 2 or not first_two[1].lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(first_two[0]), dict)
    except (json.JSONDecodeError, RecursionError):
        return False


def _refine(
    fmt: Format, head_text: str, stream_lines: Callable[[], Iterator[str]], *, file_name: str
) -> tuple[Format, list[str]]:
    stripped = head_text.lstrip()
    if fmt == "json" and stripped.startswith("{") and _json_holds_lines(stream_lines()):
        return "jsonl", [f"{file_name} holds one JSON object per line; it was read as JSONL"]
    if fmt == "jsonl" and stripped.startswith("["):
        return "json", [f"{file_name} holds one JSON array, not one object per line; read as JSON"]
    if fmt == "csv":
        first_line = stripped.split("\n", 1)[0]
        if "\t" in first_line and "," not in first_line:
            return "tsv", ["the header has tabs and no commas; the file was read as TSV"]
    return fmt, []


@contextmanager
def open_records(
    data: Source,
    *,
    file_name: str,
    sheet: str | None,
    wants: Callable[[tuple[str, ...]], bool],
    resolved: Resolved | None = None,
) -> Iterator[Opened]:
    """Open ``data`` and yield its records. ``wants`` picks the default XLSX sheet."""
    fmt = resolved.format if resolved else format_from_name(file_name)
    head = read_head(data, file_name=file_name)
    if fmt == "xlsx":
        confirm_format(fmt, head, file_name=file_name, utf16=False)
        with open_binary(data, file_name=file_name) as stream:
            book = Workbook(stream, file_name=file_name)
            try:
                chosen = resolved.sheet if resolved else book.choose_sheet(sheet, wants=wants)
                assert chosen is not None
                yield Opened(fmt, None, [], book.records(chosen), book.sheets, chosen)
            finally:
                book.close()
        return
    sniffed = sniff_encoding(head)
    confirm_format(fmt, head, file_name=file_name, utf16=is_utf16(sniffed))
    blank = not _head_text(head, sniffed).strip(" \t\r\n\x00\ufeff")
    if blank and len(head) < SNIFF_BYTES:  # the whole file was read and holds nothing
        raise ReadError(file_name, "the file is empty")
    with open_binary(data, file_name=file_name) as stream:
        if resolved is not None:
            assert resolved.encoding is not None
            encoding, warnings = resolved.encoding, list(resolved.warnings)
        else:
            encoding, warnings = choose_encoding(stream, head, allow_fallback=fmt in ("csv", "tsv"))
            fmt, more = _refine(
                fmt,
                _head_text(head, encoding),
                lambda: iter_lines(stream, encoding, file_name=file_name),
                file_name=file_name,
            )
            warnings.extend(more)
        stream.seek(0)
        records: RecordSource
        if fmt == "json":
            records = JsonArrayRecords(
                iter_chunks(stream, encoding, file_name=file_name), file_name
            )
        else:
            lines = iter_lines(
                stream, encoding, file_name=file_name, keepends=fmt == "csv" or fmt == "tsv"
            )
            if fmt == "jsonl":
                records = JsonlRecords(lines, file_name)
            elif fmt == "txt":
                records = TextLineRecords(lines, file_name)
            else:
                records = DelimitedRecords(lines, file_name, "\t" if fmt == "tsv" else ",")
        yield Opened(fmt, encoding, warnings, records)


def format_label(fmt: str) -> str:
    return FORMAT_LABELS.get(fmt, fmt.upper())
