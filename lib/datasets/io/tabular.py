"""CSV, TSV and TXT: text tables with a header row, and one-completion-per-line text.

Rows are numbered as a spreadsheet numbers them (header = row 1), which is what a user sees
when opening the file in Excel; errors name the physical line, which is what an editor shows
(they differ when a cell holds line breaks).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lib.core.errors import ReadError
from lib.datasets.io.records import ReadStats, Record, check_header

# Rows of several MB are legitimate (long documents, whole conversations in one cell).
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

TXT_COLUMN = "text"


def _csv_error(file_name: str, line: int, exc: csv.Error) -> ReadError:
    return ReadError(file_name, f"the CSV cannot be parsed: {exc}", line=line)


@dataclass(slots=True)
class DelimitedRecords:
    """Records from CSV/TSV lines; the header is read on construction."""

    lines: Iterable[str]
    file_name: str
    delimiter: str = ","
    unit: str = "row"
    stats: ReadStats = field(default_factory=ReadStats)
    columns: tuple[str, ...] | None = None
    _width: int = 0
    _reader: Iterator[list[str]] | None = None
    _header_line: int = 1

    def __post_init__(self) -> None:
        self._reader = csv.reader(iter(self.lines), delimiter=self.delimiter)
        reader = self._reader
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                raise ReadError(self.file_name, "the file is empty") from None
            except csv.Error as exc:
                raise _csv_error(self.file_name, reader.line_num, exc) from None
            if any(cell.strip() for cell in cells):
                break
        self._header_line = reader.line_num
        header = check_header(cells, file_name=self.file_name, line=self._header_line)
        self.columns = header.columns
        self._width = header.width
        self.stats.unnamed_columns.extend(header.unnamed)

    def remaining_cells(self) -> list[list[str]]:
        """Every row after the header as ``csv`` reads it (blank and ragged rows included),
        in one C loop; ``lib.datasets.io.columns`` applies the rules of ``__iter__`` to them."""
        assert self._reader is not None
        return list(self._reader)

    def __iter__(self) -> Iterator[Record]:
        reader = self._reader
        assert reader is not None and self.columns is not None
        columns = self.columns
        n_columns = len(columns)
        file_name = self.file_name
        previous_end = reader.line_num  # type: ignore[attr-defined]
        row = 1
        n_records = 0
        stats = self.stats
        try:
            for cells in reader:
                line = previous_end + 1
                previous_end = reader.line_num  # type: ignore[attr-defined]
                row += 1
                if len(cells) == n_columns:
                    if not any(cells):
                        stats.skipped_blank += 1
                        continue
                    values = dict(zip(columns, cells, strict=True))
                else:
                    if not any(cell.strip() for cell in cells):
                        stats.skipped_blank += 1
                        continue
                    if len(cells) > n_columns and any(cells[n_columns:]):
                        raise ReadError(
                            file_name,
                            f"row {row} has {len(cells)} cells but the header names {n_columns} "
                            f"columns ({', '.join(columns)}); quote cells that contain "
                            f"{'a tab' if self.delimiter == chr(9) else 'commas'}",
                            line=line,
                        )
                    padded = cells[:n_columns] + [""] * (n_columns - len(cells))
                    values = dict(zip(columns, padded, strict=True))
                n_records += 1
                yield Record(line, row, values)
        except csv.Error as exc:
            raise _csv_error(file_name, previous_end + 1, exc) from None
        if n_records == 0:
            raise ReadError(
                file_name,
                f"the file has a header ({', '.join(columns)}) but no rows",
                line=self._header_line,
            )


@dataclass(slots=True)
class TextLineRecords:
    """TXT: each non-blank line is one completion (column ``text``)."""

    lines: Iterable[str]
    file_name: str
    columns: tuple[str, ...] | None = (TXT_COLUMN,)
    unit: str = "line"
    stats: ReadStats = field(default_factory=ReadStats)

    def __iter__(self) -> Iterator[Record]:
        for number, line in enumerate(self.lines, 1):
            text = line.rstrip("\r\n")
            if not text.strip():
                self.stats.skipped_blank += 1
                continue
            yield Record(number, number, {TXT_COLUMN: text})
