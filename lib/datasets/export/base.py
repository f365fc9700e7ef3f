"""What every export writer shares: the rows to write, options, and per-row conversion.

An export reads from an ``ExportSource``: a name (for file names), the schema of its examples
and one or more parts (a snapshot's splits, or a whole dataset as one part). Each part yields
example data lazily, so a writer streams rows to its output and a large export is never a list
in memory. A row that cannot be converted to the target format stops the export with a message
naming the part and the row; callers write to a temporary file or buffer, so a failed export
leaves nothing behind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lib.core.convert import (
    DEFAULT_ENDING,
    DEFAULT_SEPARATOR,
    ConversionError,
    convert,
    ending_vote,
    separator_vote,
)
from lib.core.errors import UserError
from lib.core.examples import KNOWN_KEYS

WHOLE = "all"  # the part name of a whole-dataset export (no split in file names or messages)
# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One example to write: its data and where it came from (for error messages)."""

    data: dict[str, Any]
    row: int  # 1-based position within its part
    source_row: int | None = None


@dataclass(frozen=True, slots=True)
class Part:
    """A named piece of an export (``train``, ``valid``, ``test`` or the dataset's name)."""

    name: str
    rows: Callable[[], Iterator[ExportRow]]  # called once per pass; streams the rows
    size: int | None = None
    labels: dict[str, int] | None = None  # per-class counts, for dataset cards


@dataclass(frozen=True, slots=True)
class ExportSource:
    """What to export: a base name for files, the examples' schema and the parts."""

    name: str
    schema: str
    parts: tuple[Part, ...]
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Choices for conversions between schemas.

    ``system``: a system message added when prompt/completion rows become chat rows.
    ``separator`` / ``ending``: the legacy markers. Going to chat they are stripped (None:
    detected over the whole export, as every prompt ending with `` ->`` says); going to
    prompt/completion they are added (None: ``\\n\\n###\\n\\n`` and ``\\n``).
    """

    system: str | None = None
    separator: str | None = None
    ending: str | None = None


@dataclass(slots=True)
class Converter:
    """Turns rows of the source schema into rows of a target schema, naming failing rows."""

    source: str
    target: str
    options: ExportOptions
    separator: str | None = None
    ending: str | None = None
    part: str = ""
    _ready: bool = field(default=False)

    def prepare(self, export: ExportSource) -> None:
        """Detect legacy markers once over every part (a pass over prompts and completions)."""
        self.separator = self.options.separator
        self.ending = self.options.ending
        if self.source == "completion" and self.target != "completion":
            separator, ending = separator_vote(), ending_vote()
            for part in export.parts:  # one pass over the export for both markers
                for row in part.rows():
                    separator.add(_text(row.data.get("prompt")))
                    ending.add(_text(row.data.get("completion")))
            if self.separator is None:
                self.separator = separator.winner
            if self.ending is None:
                self.ending = ending.winner
        if self.target == "completion" and self.source != "completion":
            self.separator = DEFAULT_SEPARATOR if self.separator is None else self.separator
            self.ending = DEFAULT_ENDING if self.ending is None else self.ending
        self._ready = True

    def __call__(self, row: ExportRow) -> dict[str, Any]:
        if not self._ready:
            raise RuntimeError("Converter.prepare() must run before converting rows")
        if self.source == self.target:
            return row.data
        try:
            return convert(
                row.data,
                source=self.source,
                target=self.target,
                system=self.options.system,
                separator=self.separator,
                ending=self.ending,
            )
        except ConversionError as exc:
            raise UserError(f"{where(self.part, row)}: {exc}") from None


def where(part: str, row: ExportRow) -> str:
    text = f"{part} row {row.row}" if part and part != WHOLE else f"row {row.row}"
    if row.source_row is not None:
        text += f" (source row {row.source_row})"
    return text


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def known_only(schema: str, data: dict[str, Any]) -> dict[str, Any]:
    """The keys the format defines (OpenAI's files refuse what they do not know)."""
    known = KNOWN_KEYS[schema]
    return {key: value for key, value in data.items() if key in known}


def neutralise(text: str) -> str:
    """A cell a spreadsheet will not run: a leading ``'`` before = + - @ tab or CR.

    Re-imported, the cell keeps the ``'`` (``=1+1`` comes back as ``'=1+1``): Tunelab cannot
    tell a neutralised formula from text that began with a quote, so it never strips it.
    """
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_safe(text: str) -> str:
    """XLSX (XML) cannot hold most control characters; they become U+FFFD."""
    return _ILLEGAL_XML.sub("\ufffd", text)


def safe_file_part(name: str) -> str:
    """A file-name-safe version of a dataset name (letters, digits, - and _)."""
    cleaned = re.sub(r"[^\w\-]+", "_", name, flags=re.UNICODE).strip("_")
    return cleaned[:80] or "dataset"
