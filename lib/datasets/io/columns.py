"""A CSV/TSV file's examples as columns of text, read in bulk.

Why: ``python -m lib prepare`` on a 200k-row CSV spent most of its time turning each row into a
record, a dict and an ``Example`` only to put the cells back into two lists. Here ``csv``'s C
reader reads all rows at once (lines split on ``\\n`` by ``io.TextIOWrapper``, as the record
reader splits them) and the columns are taken with C-speed ``map``/``itemgetter``.

Same result as streaming ``Reading.examples()``, or no result: this path returns None for
anything the record reader does more with (another format or encoding, a mapping, columns
that are renamed or parsed, rows wider or narrower than the header, a parse error, nothing
left), and the caller streams the examples instead, which also gives the precise errors.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from operator import itemgetter

from lib.core.errors import ReadError
from lib.datasets.io.reader import Reading
from lib.datasets.io.schema import TableNormaliser
from lib.datasets.io.source import open_binary
from lib.datasets.io.tabular import DelimitedRecords


@dataclass(frozen=True, slots=True)
class TextColumns:
    """Cells by column, in file order; ``rows[i]`` is record i's ``Example.source_row``."""

    columns: tuple[str, ...]
    cells: dict[str, list[str]]
    rows: list[int]

    def __len__(self) -> int:
        return len(self.rows)


def read_text_columns(reading: Reading) -> TextColumns | None:
    """The examples ``reading.examples()`` would stream, as columns; None when only the record
    reader gives them exactly (see the module docstring)."""
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
            text = io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="\n")
            records = DelimitedRecords(text, reading.file_name, delimiter)
            columns = records.columns
            assert columns is not None
            if not TableNormaliser(reading.schema, columns, file_name=reading.file_name).identity:
                return None
            cell_rows = records.remaining_cells()
    except (ReadError, csv.Error, UnicodeDecodeError):
        return None
    width = len(columns)
    # Record k after the header is spreadsheet row k + 2. Blank rows are skipped (their
    # numbers stay taken) as the record reader skips them: a row of the header's width when
    # every cell is empty, another width when every cell is blank.
    rows = list(range(2, len(cell_rows) + 2))
    if set(map(len, cell_rows)) != {width} or not all(map(any, cell_rows)):
        kept = []
        for k, cells in enumerate(cell_rows):
            if len(cells) == width:
                if any(cells):
                    kept.append(k)
            elif any(cell.strip() for cell in cells):
                return None  # short rows are padded, long ones checked: the record reader's job
        cell_rows = [cell_rows[k] for k in kept]
        rows = [k + 2 for k in kept]
    if not cell_rows:
        return None
    by_column = {name: list(map(itemgetter(i), cell_rows)) for i, name in enumerate(columns)}
    return TextColumns(columns, by_column, rows)
