"""The record: one row, line or array element as read, before schema detection and mapping.

Every format reader yields records, so schema detection, column mapping and error reporting
are written once. ``line`` is what an error message names (the line in a text file, the row in
a sheet); ``row`` becomes ``Example.source_row``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from lib.core.errors import ReadError

# Deeper than any real example (chat → message → content part → tool schema is ~10 levels);
# deeper structures are rejected before anything recursive (json.dumps, checks) sees them.
MAX_DEPTH = 100


@dataclass(slots=True)
class Record:
    line: int
    row: int
    values: dict[str, Any]
    raw: str | None = None  # the compact JSON text of ``values`` when the reader has it


@dataclass(slots=True)
class ReadStats:
    """What a reader passed over without turning it into a record (reported, not hidden)."""

    skipped_blank: int = 0
    # Header cells that had no name and the names given to them (e.g. pandas' index column).
    unnamed_columns: list[str] = field(default_factory=list)

    def notes(self, unit: str) -> list[str]:
        """Sentences for the import screen and the CLI about what was passed over or named."""
        found = []
        if self.skipped_blank:
            n = self.skipped_blank
            found.append(f"{n} empty {unit}{'s' if n != 1 else ''} skipped")
        for name in self.unnamed_columns:
            found.append(
                f"a column had no name in the header and is called {name!r} (often a "
                "spreadsheet's row index); unless mapped, it is kept with each example as an "
                "unknown key, which training files leave out"
            )
        return found


class RecordSource(Protocol):
    """A stream of records from one opened file (or sheet)."""

    columns: tuple[str, ...] | None  # fixed header (CSV/TSV/XLSX/TXT); None for JSON formats
    unit: str  # what a record is called in messages: "line", "row" or "element"
    stats: ReadStats

    def __iter__(self) -> Iterator[Record]: ...


@dataclass(slots=True)
class Header:
    columns: tuple[str, ...]
    width: int  # cells in the header row including trailing unnamed ones
    unnamed: tuple[str, ...] = ()  # names given to header cells that had none


def check_header(cells: list[Any], *, file_name: str, line: int) -> Header:
    """Column names from a header row: none twice; trailing blanks are ignored.

    A blank cell inside the header is named ``unnamed_<n>`` (its position) rather than refused:
    pandas writes its index that way (``df.to_csv()``), so files such as the OpenAI cookbook's
    ``fine_food_reviews_1k.csv`` start with one, and people should be able to import them.
    """
    names = ["" if cell is None else str(cell).strip() for cell in cells]
    width = len(names)
    while names and not names[-1]:
        names.pop()
    if not names:
        raise ReadError(file_name, "the header row has no column names", line=line)
    taken = set(names)
    unnamed = []
    for index, name in enumerate(names):
        if not name:
            candidate = f"unnamed_{index + 1}"
            while candidate in taken:
                candidate += "_"
            names[index] = candidate
            taken.add(candidate)
            unnamed.append(candidate)
    seen: dict[str, int] = {}
    for index, name in enumerate(names, 1):
        if name in seen:
            raise ReadError(
                file_name,
                f"column name {name!r} appears twice in the header (columns {seen[name]} "
                f"and {index}); rename one",
                line=line,
            )
        seen[name] = index
    return Header(tuple(names), width, tuple(unnamed))


def may_nest_too_deep(text: str) -> bool:
    """Whether an object's JSON text holds enough brackets to nest past ``MAX_DEPTH``.

    A cheap test before ``json_depth_exceeds``, run on every line: an object with no ``[``
    and no ``{`` past its first character is flat (``in``/``find`` are memchr-fast, a third
    of the cost of counting both brackets in a 300-character line).
    """
    if "[" not in text and text.find("{", 1) == -1:
        return False
    return text.count("{") + text.count("[") > MAX_DEPTH


def json_depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when lists/objects nest deeper than ``limit`` (iterative: no recursion to blow)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend(
                (child, depth + 1) for child in item.values() if isinstance(child, dict | list)
            )
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return False


def nesting_error(file_name: str, where: str, line: int | None) -> ReadError:
    return ReadError(
        file_name,
        f"{where} nests lists/objects more than {MAX_DEPTH} levels deep; "
        "this is not an example Tunelab can read",
        line=line,
    )


@dataclass(slots=True)
class Runs:
    """Record numbers grouped by a key, as compressed ranges ("1-40, 57") for messages."""

    runs: dict[str, list[list[int]]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    def add(self, key: str, number: int) -> None:
        ranges = self.runs.get(key)
        if ranges is None:
            self.runs[key] = [[number, number]]
            self.order.append(key)
            return
        last = ranges[-1]
        if last[1] == number - 1:
            last[1] = number
        elif len(ranges) < 1000:  # enough for a message; counting stops, reading does not
            ranges.append([number, number])

    def describe(self, key: str, *, cap: int = 8) -> str:
        ranges = self.runs[key]
        shown = [f"{a}-{b}" if b > a else str(a) for a, b in ranges[:cap]]
        more = len(ranges) - cap
        text = ", ".join(shown)
        return f"{text}, … ({more} more ranges)" if more > 0 else text

    def single(self, key: str) -> bool:
        """Whether ``key`` covers exactly one record (for "line 2 is" rather than "lines")."""
        ranges = self.runs[key]
        return len(ranges) == 1 and ranges[0][0] == ranges[0][1]
