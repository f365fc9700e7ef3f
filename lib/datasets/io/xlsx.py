"""XLSX workbooks, read with openpyxl in read-only mode (rows streamed from the zip).

Cells become text the way a user sees them in Excel (4 not 4.0, dates as ISO), so a mapped
template or a prompt/completion column reads the same as the CSV export of the same sheet.
openpyxl raises many kinds of exceptions for a damaged file; they all become one ReadError.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from lib.core.errors import ReadError
from lib.datasets.io.records import ReadStats, Record, check_header

# How far down a sheet the header row may start (title rows above a table are common).
HEADER_SEARCH_ROWS = 20


def cell_text(value: Any) -> str:
    """A cell as the text Excel shows for it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _corrupt(file_name: str, exc: BaseException) -> ReadError:
    detail = str(exc).strip() or type(exc).__name__
    return ReadError(
        file_name, f"not a readable XLSX workbook (the file is corrupt or not XLSX: {detail})"
    )


class Workbook:
    """An open workbook: its sheet names and a header/record reader per sheet."""

    def __init__(self, stream: BinaryIO, *, file_name: str) -> None:
        import openpyxl

        self.file_name = file_name
        try:
            self._book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
            self.sheets: tuple[str, ...] = tuple(self._book.sheetnames)
        except Exception as exc:  # noqa: BLE001 - zipfile, XML and openpyxl errors alike
            raise _corrupt(file_name, exc) from None
        if not self.sheets:
            raise ReadError(file_name, "the workbook has no sheets")

    def close(self) -> None:
        # Closing a damaged zip must not mask the error being reported.
        with contextlib.suppress(Exception):
            self._book.close()

    def _rows(self, sheet: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            worksheet = self._book[sheet]
            if hasattr(worksheet, "reset_dimensions"):
                worksheet.reset_dimensions()  # some writers store wrong dimensions
            yield from enumerate(worksheet.iter_rows(values_only=True), 1)
        except ReadError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _corrupt(self.file_name, exc) from None

    def header(self, sheet: str) -> tuple[str, ...] | None:
        """The sheet's column names, or None for an empty sheet (errors for a bad header)."""
        for number, values in self._rows(sheet):
            if any(cell_text(v).strip() for v in values):
                try:
                    return check_header(
                        [cell_text(v) for v in values], file_name=self.file_name, line=number
                    ).columns
                except ReadError as exc:
                    raise ReadError(
                        self.file_name, f"sheet {sheet!r}: {exc.reason}", line=number
                    ) from None
            if number >= HEADER_SEARCH_ROWS:
                break
        return None

    def choose_sheet(self, sheet: str | None, *, wants: Callable[[tuple[str, ...]], bool]) -> str:
        """The named sheet (error listing the sheets when unknown), else the first one whose
        header ``wants``, else the first one with any data."""
        listed = ", ".join(repr(name) for name in self.sheets)
        if sheet is not None:
            if sheet in self.sheets:
                return sheet
            raise ReadError(
                self.file_name, f"the workbook has no sheet {sheet!r}; sheets: {listed}"
            )
        first_with_data = None
        for name in self.sheets:
            try:
                columns = self.header(name)
            except ReadError:
                columns = None
                if first_with_data is None:
                    first_with_data = name
            if columns is None:
                continue
            if wants(columns):
                return name
            if first_with_data is None:
                first_with_data = name
        if first_with_data is None:
            raise ReadError(
                self.file_name, f"every sheet of the workbook is empty (sheets: {listed})"
            )
        return first_with_data

    def records(self, sheet: str) -> SheetRecords:
        return SheetRecords(self, sheet)


@dataclass(slots=True)
class SheetRecords:
    book: Workbook
    sheet: str
    unit: str = "row"
    stats: ReadStats = field(default_factory=ReadStats)
    columns: tuple[str, ...] | None = None
    _where: str = ""

    def __post_init__(self) -> None:
        self._where = self.book.file_name
        columns = self.book.header(self.sheet)
        if columns is None:
            raise ReadError(self._where, f"sheet {self.sheet!r} is empty")
        self.columns = columns
        self.stats.unnamed_columns.extend(c for c in columns if c.startswith("unnamed_"))

    def __iter__(self) -> Iterator[Record]:
        columns = self.columns
        assert columns is not None
        n_columns = len(columns)
        header_seen = False
        n_records = 0
        header_line = 1
        for number, values in self.book._rows(self.sheet):
            cells = [cell_text(v) for v in values]
            if not header_seen:
                if any(c.strip() for c in cells):
                    header_seen = True
                    header_line = number
                continue
            if not any(c.strip() for c in cells):
                self.stats.skipped_blank += 1
                continue
            extra = [c for c in cells[n_columns:] if c.strip()]
            if extra:
                raise ReadError(
                    self._where,
                    f"sheet {self.sheet!r}, row {number} has a value in column {n_columns + 1 + cells[n_columns:].index(extra[0])}, "
                    f"which has no name in the header (columns: {', '.join(columns)})",
                    line=number,
                )
            cells = cells[:n_columns] + [""] * (n_columns - len(cells))
            n_records += 1
            yield Record(number, number, dict(zip(columns, cells, strict=True)))
        if n_records == 0:
            raise ReadError(
                self._where,
                f"sheet {self.sheet!r} has a header ({', '.join(columns)}) but no rows",
                line=header_line,
            )
