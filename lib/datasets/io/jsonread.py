"""JSONL (one object per line) and JSON (an array of objects), streamed.

A JSON array is parsed element by element from large decoded chunks with ``raw_decode``, so a
big array file is never one Python list. Errors name the line the problem is on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lib.core.errors import ReadError
from lib.datasets.io.records import (
    ReadStats,
    Record,
    json_depth_exceeds,
    may_nest_too_deep,
    nesting_error,
)

_WHITESPACE = " \t\r\n"
_loads = json.loads
# The C scanner behind json.loads, called directly: json.loads spends as long on its Python
# wrapper (type checks, two whitespace regexes) as on parsing a 300-byte line. Any failure is
# parsed again by json.loads for its standard error message.
_scan_once = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_TYPE_NAMES = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true/false",
    type(None): "null",
}


def type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def malformed(file_name: str, line: int, exc: json.JSONDecodeError, *, col: int) -> ReadError:
    return ReadError(
        file_name, f"malformed JSON on line {line}: {exc.msg} (column {col})", line=line
    )


@dataclass(slots=True)
class JsonlRecords:
    """Records from JSONL text lines; blank lines are skipped (and counted)."""

    lines: Iterable[str]
    file_name: str
    columns: tuple[str, ...] | None = None
    unit: str = "line"
    stats: ReadStats = field(default_factory=ReadStats)

    def __iter__(self) -> Iterator[Record]:
        file_name = self.file_name
        loads = _loads
        scan = _scan_once
        for number, line in enumerate(self.lines, 1):
            text = line.strip()
            if not text:
                self.stats.skipped_blank += 1
                continue
            try:
                try:
                    value, end = scan(text, 0)
                    if end != len(text):
                        value = loads(text)
                except StopIteration:
                    value = loads(text)
            except json.JSONDecodeError as exc:
                raise malformed(file_name, number, exc, col=exc.colno) from None
            except RecursionError:
                raise nesting_error(file_name, f"line {number}", number) from None
            if type(value) is not dict:
                raise ReadError(
                    file_name,
                    f"line {number} is {type_name(value)}, not a JSON object "
                    "(each line of a JSONL file must be one example object)",
                    line=number,
                )
            if may_nest_too_deep(text) and json_depth_exceeds(value):
                raise nesting_error(file_name, f"line {number}", number)
            yield Record(number, number, value, text)


@dataclass(slots=True)
class JsonArrayRecords:
    """Records from a JSON document that must be an array of objects."""

    chunks: Iterable[str]
    file_name: str
    columns: tuple[str, ...] | None = None
    unit: str = "element"
    stats: ReadStats = field(default_factory=ReadStats)

    def __iter__(self) -> Iterator[Record]:
        return _ArrayParser(iter(self.chunks), self.file_name).elements()


class _ArrayParser:
    def __init__(self, chunks: Iterator[str], file_name: str) -> None:
        self.chunks = chunks
        self.file_name = file_name
        self.buf = ""
        self.pos = 0
        # Line numbers are counted incrementally from a mark, so that naming the line of each
        # element costs the text since the previous one, not the whole buffer.
        self.mark = 0
        self.mark_line = 1
        self.eof = False
        self.decoder = json.JSONDecoder()

    def _more(self) -> bool:
        """Append the next chunk (dropping what was consumed); False at the end of the text."""
        if self.eof:
            return False
        chunk = next(self.chunks, None)
        if chunk is None:
            self.eof = True
            return False
        line = self._line_at(self.pos)
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        self.mark, self.mark_line = 0, line
        return True

    def _line_at(self, pos: int) -> int:
        if pos >= self.mark:
            self.mark_line += self.buf.count("\n", self.mark, pos)
            self.mark = pos
            return self.mark_line
        return self.mark_line - self.buf.count("\n", pos, self.mark)

    def _skip_ws(self) -> str:
        """The next non-whitespace character ("" at the end), with pos on it."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in _WHITESPACE:
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self._more():
                return ""

    def _error(self, reason: str, pos: int | None = None) -> ReadError:
        line = self._line_at(self.pos if pos is None else pos)
        return ReadError(self.file_name, reason, line=line)

    def _decode(self) -> tuple[Any, int, int]:
        """Decode the value at pos, pulling more text until it is complete; (value, start, end)."""
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue
                line = self._line_at(exc.pos)
                raise malformed(self.file_name, line, exc, col=exc.colno) from None
            except RecursionError:
                raise nesting_error(self.file_name, "an element", self._line_at(self.pos)) from None
            # A number at the buffer's end may continue in the next chunk.
            if end == len(self.buf) and not isinstance(value, dict | list | str) and self._more():
                continue
            return value, self.pos, end

    def elements(self) -> Iterator[Record]:
        first = self._skip_ws()
        if first == "":
            raise ReadError(self.file_name, "the file is empty")
        if first == "{":
            raise self._error(
                "JSON is an object, not a list of examples (a .json file must hold an array "
                "[{…}, {…}]; for one object per line use .jsonl)"
            )
        if first != "[":
            raise self._error("JSON is not a list of examples (a .json file must start with [)")
        self.pos += 1
        index = 0
        while True:
            char = self._skip_ws()
            if char == "]" and index == 0:
                self.pos += 1
                break
            if char == "":
                raise self._error("malformed JSON: the file ends inside the array (missing ])")
            value, start, end = self._decode()
            index += 1
            line = self._line_at(start)
            if type(value) is not dict:
                raise ReadError(
                    self.file_name,
                    f"element {index} is {type_name(value)}, not an object "
                    "(a JSON file must be an array of example objects)",
                    line=line,
                )
            text = self.buf[start:end]
            if may_nest_too_deep(text) and json_depth_exceeds(value):
                raise nesting_error(self.file_name, f"element {index}", line)
            self.pos = end
            yield Record(line, index, value)
            char = self._skip_ws()
            if char == ",":
                self.pos += 1
                continue
            if char == "]":
                self.pos += 1
                break
            if char == "":
                raise self._error("malformed JSON: the file ends inside the array (missing ])")
            raise self._error(f"malformed JSON: expected , or ] after element {index}")
        trailing = self._skip_ws()
        if trailing:
            raise self._error("malformed JSON: extra data after the closing ]")
