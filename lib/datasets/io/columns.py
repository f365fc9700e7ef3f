"""A CSV/TSV file's examples as columns of text, read in bulk (on two cores when it pays).

Why: ``python -m lib prepare`` on a 200k-row CSV spent most of its time turning each row into a
record, a dict and an ``Example`` only to put the cells back into two lists. Here ``csv``'s C
reader reads all rows at once (lines split on ``\\n`` by ``io.TextIOWrapper``, as the record
reader splits them) and the columns are taken with C-speed ``map``/``itemgetter``.

With ``processes > 1`` a big file is cut in two at a line break, a forked child parses the
second part while this process parses the first, and the child hands its columns back
(``marshal``). The cut is proved right, not guessed: after the first part the parser is fed
one more line, and only if that line comes back as a record of its own was the parser between
records at the cut (inside a quoted cell it would have joined that cell). Otherwise, or if the
child fails, this process parses the rest itself. A file without quotes (``read_plain``) is
split by ``str`` methods instead, on two cores the same way (every line break ends a record).

Same result as streaming ``Reading.examples()``, or no result: this path returns None for
anything the record reader does more with (another format or encoding, a mapping, columns
that are renamed or parsed, rows wider or narrower than the header, a parse error, nothing
left), and the caller streams the examples instead, which also gives the precise errors.
"""

from __future__ import annotations

import csv
import io
import itertools
import marshal
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import IO

from lib.core.errors import ReadError
from lib.core.forked import start_child
from lib.datasets.io.reader import Reading
from lib.datasets.io.schema import TableNormaliser
from lib.datasets.io.source import open_binary
from lib.datasets.io.tabular import DelimitedRecords

PARALLEL_MIN_BYTES = 8 << 20  # smaller files: one parser is about as fast as two and a hand-over
# The extra line fed after the first part: no delimiter, quote or line break in it.
_CUT_PROBE = "\x1ftunelab: end of the first part\x1f"


@dataclass(frozen=True, slots=True)
class TextColumns:
    """Cells by column, in file order; ``rows[i]`` is record i's ``Example.source_row``."""

    columns: tuple[str, ...]
    cells: dict[str, list[str]]
    rows: list[int]

    def __len__(self) -> int:
        return len(self.rows)


class _Ragged(Exception):
    """A row the record reader pads or refuses: not for this path."""


def read_text_columns(
    reading: Reading,
    *,
    processes: int = 1,
    meanwhile: Callable[[], object] | None = None,
    own_share: float = 0.5,
) -> TextColumns | None:
    """The examples ``reading.examples()`` would stream, as columns; None when only the record
    reader gives them exactly (see the module docstring).

    When a child parses part of the file, this process first runs ``meanwhile`` (other work
    of the caller's, e.g. loading a tokenizer) and then parses its part, ``own_share`` of the
    bytes (less than half when ``meanwhile`` takes time).
    """
    encoding = reading._resolved.encoding
    if (
        reading.format not in ("csv", "tsv")
        or reading._mapping is not None
        or encoding is None
        or encoding.codec != "utf-8"
    ):
        return None
    delimiter = "\t" if reading.format == "tsv" else ","
    try:
        with open_binary(reading._data, file_name=reading.file_name) as stream:
            stream.seek(encoding.bom)
            if processes < 2:
                return _read(_lines(stream), reading, delimiter)
            data = stream.read()
        plain = read_plain(data, reading, delimiter, processes=processes, own_share=own_share)
        if plain is not None:
            return plain
        cut = _cut(data, own_share) if len(data) >= PARALLEL_MIN_BYTES else None
        if cut is None:
            return _read(_lines(io.BytesIO(data)), reading, delimiter)
        first = _lines(io.BytesIO(memoryview(data)[:cut]))
        return _read(first, reading, delimiter, (data, cut), meanwhile)
    except (ReadError, csv.Error, UnicodeDecodeError, _Ragged):
        return None


def read_plain(
    data: bytes, reading: Reading, delimiter: str, *, processes: int = 1, own_share: float = 0.5
) -> TextColumns | None:
    """The columns of a file without any quote or NUL, split by ``str`` methods (C loops over
    the whole text, no record at a time); None for any other file, or when a line is blank,
    holds only delimiters or has not one cell per column (the ``csv`` path decides those).

    Without quotes ``csv`` reads a line as ``line.split(delimiter)``, its line break (``\\n``
    or ``\\r\\n``) left out; a carriage return anywhere else would be special to it, so a
    file whose lines do not all end the same way is not for this path. When every line after
    the header has exactly one delimiter fewer than the header has columns, the lines joined
    by the delimiter split into the cells row after row.

    With ``processes > 1`` a big file is cut at a line break (without quotes every line break
    ends a record) about ``own_share`` into its rows, and a forked child splits the rest.
    """
    if b'"' in data or b"\x00" in data:
        return None
    brk = b"\r\n" if b"\r" in data else b"\n"
    header_end = data.find(brk)
    if header_end < 0:
        return None  # no rows
    header = data[:header_end].decode("utf-8")
    if not header.strip() or "\r" in header or "\n" in header:
        return None  # blank lines before the header, mixed line breaks: the csv path
    records = DelimitedRecords([header + "\n"], reading.file_name, delimiter)
    columns = records.columns
    if columns != reading.columns:
        return None
    assert columns is not None
    if not TableNormaliser(reading.schema, columns, file_name=reading.file_name).identity:
        return None
    width = len(columns)
    start = header_end + len(brk)
    view = memoryview(data)
    cut = -1
    if processes > 1 and len(data) >= PARALLEL_MIN_BYTES:
        cut = data.find(brk, start + int((len(data) - start) * own_share))
    if cut < 0 or cut + len(brk) >= len(data):
        parts = [_plain_part(view[start:], brk.decode(), delimiter, width)]
    else:
        cut += len(brk)
        parts = _plain_parts(view[start:cut], view[cut:], brk.decode(), delimiter, width)
    found = [part for part in parts if part is not None]
    if len(found) < len(parts):
        return None
    # Every line a record, none skipped: record k is spreadsheet row k + 2 (as ``_joined`` says).
    return _joined(columns, [(part, None, len(part[0])) for part in found])


PlainPart = list[list[str]] | None  # the cells by column; None: not for this path


def _plain_parts(
    first: memoryview, rest: memoryview, brk: str, delimiter: str, width: int
) -> list[PlainPart]:
    """Both parts, the ``rest`` split by a forked child while this process splits ``first``
    (by this process alone when no child can be had or it fails)."""
    child = start_child(lambda: marshal.dumps(_plain_part(rest, brk, delimiter, width)))
    try:
        mine = _plain_part(first, brk, delimiter, width)
    except BaseException:
        if child is not None:
            child.abandon()
        raise
    if mine is None:
        if child is not None:
            child.abandon()
        return [None]
    got = child.result() if child is not None else None
    theirs = marshal.loads(got) if got is not None else _plain_part(rest, brk, delimiter, width)
    return [mine, theirs]


def _plain_part(part: memoryview, brk: str, delimiter: str, width: int) -> PlainPart:
    """The cells by column of whole lines (the header left out), or None (see ``read_plain``)."""
    lines = str(part, "utf-8").split(brk)
    if lines[-1] == "":
        lines.pop()  # the break that ends the last line
    # Rows of delimiters only (blank ones when there is one column) are skipped by the record
    # reader; with more columns a blank row has too few delimiters for the next test.
    if delimiter * (width - 1) in lines:
        return None
    if lines and set(map(str.count, lines, itertools.repeat(delimiter))) != {width - 1}:
        return None  # ragged or blank rows: padded, refused or skipped by the record reader
    joined = delimiter.join(lines)
    if "\r" in joined or "\n" in joined:
        return None  # a line break other than the file's own
    if width == 1:
        return [lines]
    del lines  # the lines go before the cells are made: two copies of the text at most
    if not joined:
        return [[] for _ in range(width)]
    cells = joined.split(delimiter)
    del joined
    return [cells[i::width] for i in range(width)]


def _lines(stream: IO[bytes]) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="\n")


def _read(
    lines: Iterable[str],
    reading: Reading,
    delimiter: str,
    cut: tuple[bytes, int] | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> TextColumns | None:
    """Parse ``lines`` (the whole file, or its first part when ``cut`` says where the rest of
    ``data`` starts, for a forked child to parse meanwhile)."""
    if cut is not None:
        lines = itertools.chain(lines, [_CUT_PROBE + "\n"])
    records = DelimitedRecords(lines, reading.file_name, delimiter)
    columns = records.columns
    if columns != reading.columns:  # e.g. a header cut in two: not the header the reader saw
        return None
    assert columns is not None
    if not TableNormaliser(reading.schema, columns, file_name=reading.file_name).identity:
        return None
    width = len(columns)
    child = None
    if cut is not None:
        rest = memoryview(cut[0])[cut[1] :]
        child = start_child(lambda: marshal.dumps(_columns_of(_parse(rest, delimiter), width)))
    try:
        if child is not None and meanwhile is not None:
            meanwhile()
        cell_rows = records.remaining_cells()
        # After the first part the probe line must come back as a record of its own.
        between_records = cut is None or (bool(cell_rows) and cell_rows.pop() == [_CUT_PROBE])
        parts = [_columns_of(cell_rows, width)] if between_records else []
        del cell_rows
    except BaseException:  # this part cannot be read this way: the child's work is not wanted
        if child is not None:
            child.abandon()
        raise
    if cut is not None and not between_records:
        # The cut fell inside a quoted cell (the probe joined it): parse it all here.
        if child is not None:
            child.abandon()
        return _read(_lines(io.BytesIO(cut[0])), reading, delimiter)
    if cut is not None:
        got = child.result() if child is not None else None
        if got is not None:
            parts.append(marshal.loads(got))
        else:  # no child, or it failed: this process parses the rest
            parts.append(_columns_of(_parse(memoryview(cut[0])[cut[1] :], delimiter), width))
    return _joined(columns, parts)


def _parse(data: memoryview, delimiter: str) -> list[list[str]]:
    return list(csv.reader(_lines(io.BytesIO(data)), delimiter=delimiter))


def _cut(data: bytes, share: float = 0.5) -> int | None:
    """A position just after a line break about ``share`` into the data, with an even number
    of quotes before it (between records if every quote in the file is CSV quoting); None if
    there is none."""
    position = int(len(data) * share)
    quotes = data.count(b'"', 0, position)
    for _ in range(1000):
        end = data.find(b"\n", position)
        if end < 0:
            return None
        quotes += data.count(b'"', position, end + 1)
        position = end + 1
        if quotes % 2 == 0:
            return position if position < len(data) else None
    return None


Part = tuple[list[list[str]], list[int] | None, int]  # columns, kept records (None: all), records


def _columns_of(cell_rows: list[list[str]], width: int) -> Part:
    """The columns of these rows; blank rows are left out (``kept`` says which records stay)
    as the record reader skips them: a row of the header's width when every cell is empty,
    another width when every cell is blank."""
    n_records = len(cell_rows)
    kept = None
    if set(map(len, cell_rows)) - {width} or not all(map(any, cell_rows)):
        kept = []
        for k, cells in enumerate(cell_rows):
            if len(cells) == width:
                if any(cells):
                    kept.append(k)
            elif any(cell.strip() for cell in cells):
                raise _Ragged  # short rows are padded, long ones checked: the record reader's
        cell_rows = [cell_rows[k] for k in kept]
    return [list(map(itemgetter(i), cell_rows)) for i in range(width)], kept, n_records


def _joined(columns: tuple[str, ...], parts: list[Part]) -> TextColumns | None:
    """Record k after the header is spreadsheet row k + 2 (skipped rows keep their numbers)."""
    if len(parts) == 1:
        by_column = parts[0][0]
    else:
        by_column = [
            list(itertools.chain.from_iterable(c)) for c in zip(*(p[0] for p in parts), strict=True)
        ]
    rows: list[int] = []
    offset = 2
    for _, kept, n_records in parts:
        if kept is None:
            rows.extend(range(offset, offset + n_records))
        else:
            rows.extend(k + offset for k in kept)
        offset += n_records
    if not rows:
        return None
    return TextColumns(columns, dict(zip(columns, by_column, strict=True)), rows)
