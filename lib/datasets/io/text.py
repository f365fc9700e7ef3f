"""Text encodings: which one a file uses, and its lines (or chunks) decoded, streamed.

UTF-8 is the rule. A byte-order mark says UTF-8 or UTF-16 (Excel's "Unicode text" and
PowerShell write those); UTF-16 without a mark is recognised by its NUL bytes. Spreadsheets
saved as CSV on Windows are often cp1252, so CSV/TSV fall back to cp1252 then Latin-1 and say
so in a warning; any other format must be UTF-8 and a bad byte is reported with its line.

The UTF-8 path splits the binary stream into lines and decodes each one: the fastest way
through a million-line JSONL file, and it knows the line of a bad byte for free.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lib.core.errors import ReadError

CHUNK_CHARS = 1 << 20
LINE_BLOCK_BYTES = 1 << 20
PRESCAN_BYTES = 1 << 22


@dataclass(frozen=True, slots=True)
class Encoding:
    codec: str  # Python codec name used to decode
    label: str  # what the user is told
    bom: int = 0  # bytes of byte-order mark to skip


UTF8 = Encoding("utf-8", "UTF-8")
UTF8_BOM = Encoding("utf-8", "UTF-8 (with BOM)", bom=3)
UTF16_LE_BOM = Encoding("utf-16-le", "UTF-16 LE (with BOM)", bom=2)
UTF16_BE_BOM = Encoding("utf-16-be", "UTF-16 BE (with BOM)", bom=2)
UTF16_LE = Encoding("utf-16-le", "UTF-16 LE")
UTF16_BE = Encoding("utf-16-be", "UTF-16 BE")
CP1252 = Encoding("cp1252", "Windows-1252 (cp1252)")
LATIN1 = Encoding("latin-1", "Latin-1 (ISO-8859-1)")


def sniff_encoding(head: bytes) -> Encoding:
    """The encoding the first bytes announce (BOM, or UTF-16's NUL pattern); else UTF-8."""
    if head.startswith(codecs.BOM_UTF8):
        return UTF8_BOM
    if head.startswith(codecs.BOM_UTF16_LE) and not head.startswith(codecs.BOM_UTF32_LE):
        return UTF16_LE_BOM
    if head.startswith(codecs.BOM_UTF16_BE):
        return UTF16_BE_BOM
    sample = head[: len(head) - len(head) % 2]
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) // 2
        # Mostly-ASCII UTF-16: every other byte is NUL, the others are not.
        if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
            return UTF16_LE
        if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
            return UTF16_BE
    return UTF8


def is_utf16(encoding: Encoding) -> bool:
    return encoding.codec.startswith("utf-16")


def bad_utf8_message(line: int, exc: UnicodeDecodeError) -> str:
    byte = exc.object[exc.start] if exc.start < len(exc.object) else 0
    return f"bytes that are not valid UTF-8 on line {line} (byte 0x{byte:02x})"


def first_bad_utf8_line(stream: BinaryIO, *, skip: int) -> tuple[int, str] | None:
    """The line and message of the first byte that is not UTF-8, or None (streams the file).

    Lines are counted only when a bad byte is found (the blocks before it are read again):
    a valid file, the usual case, costs one read and one C check per block.
    """
    stream.seek(skip)
    decoder = codecs.getincrementaldecoder("utf-8")()
    before = 0  # bytes of the blocks before this one
    while True:
        block = stream.read(PRESCAN_BYTES)
        final = not block
        if not final and block.isascii() and not decoder.getstate()[0]:
            before += len(block)  # ASCII is UTF-8: no need to decode (C check)
            continue
        try:
            decoder.decode(block, final=final)
        except UnicodeDecodeError as exc:
            line = _newlines(stream, skip=skip, size=before) + 1
            line += exc.object[: exc.start].count(b"\n")
            return line, bad_utf8_message(line, exc)
        if final:
            return None
        before += len(block)


def _newlines(stream: BinaryIO, *, skip: int, size: int) -> int:
    """Line breaks in the ``size`` bytes after ``skip``."""
    stream.seek(skip)
    count = 0
    while size > 0:
        block = stream.read(min(size, PRESCAN_BYTES))
        if not block:
            break
        count += block.count(b"\n")
        size -= len(block)
    return count


def decodes_as(stream: BinaryIO, codec: str, *, skip: int) -> bool:
    stream.seek(skip)
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        while block := stream.read(PRESCAN_BYTES):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def choose_encoding(
    stream: BinaryIO, head: bytes, *, allow_fallback: bool
) -> tuple[Encoding, list[str]]:
    """The encoding to read with, and warnings. Streams the file once when a fallback is allowed.

    Without a fallback the file is assumed to be what it announces and a bad byte is reported
    by the line reader when it gets there (no extra pass over a big JSONL file).
    """
    encoding = sniff_encoding(head)
    if encoding.codec != "utf-8" or not allow_fallback:
        return encoding, []
    bad = first_bad_utf8_line(stream, skip=encoding.bom)
    stream.seek(0)
    if bad is None:
        return encoding, []
    line, _ = bad
    fallback = CP1252 if decodes_as(stream, "cp1252", skip=0) else LATIN1
    stream.seek(0)
    warning = (
        f"the file is not valid UTF-8 (first bad byte on line {line}); it was read as "
        f"{fallback.label}: check accented characters and symbols in the preview"
    )
    return fallback, [warning]


def iter_lines(
    stream: BinaryIO, encoding: Encoding, *, file_name: str, keepends: bool = True
) -> Iterator[str]:
    """The file's lines, decoded, each with its line ending (as ``csv`` expects).

    ``keepends=False`` drops the ``\n`` (readers that strip lines anyway, e.g. JSONL).
    """
    if encoding.codec == "utf-8":
        # Lists of lines chained in C: no Python frame resumes per line.
        blocks = _utf8_blocks(stream, skip=encoding.bom, file_name=file_name, keepends=keepends)
        return itertools.chain.from_iterable(blocks)
    return _decoded_lines(stream, encoding, file_name=file_name)


def _decoded_lines(stream: BinaryIO, encoding: Encoding, *, file_name: str) -> Iterator[str]:
    stream.seek(encoding.bom)
    pending = ""
    for chunk in iter_chunks(stream, encoding, file_name=file_name, seek=False):
        pending += chunk
        lines = pending.splitlines(keepends=True)
        # The last piece may be an unfinished line (or a \r whose \n is in the next chunk).
        pending = lines.pop() if lines else ""
        yield from lines
    if pending:
        yield pending


def _utf8_blocks(
    stream: BinaryIO, *, skip: int, file_name: str, keepends: bool
) -> Iterator[list[str]]:
    """UTF-8 lines in lists, split on ``\n`` only, as binary line iteration splits them.

    Whole blocks of lines are decoded and split at once (per-line ``readline`` + ``decode``
    cost more than parsing a short JSONL line). A bad byte is reported with its line after
    the lines before it were yielded, exactly as a line-by-line reader would.
    """
    stream.seek(skip)
    number = 0  # lines yielded so far
    rest = b""
    while True:
        block = stream.read(LINE_BLOCK_BYTES)
        if not block:
            if rest:
                yield [_decode_line(rest, number + 1, file_name)]
            return
        if rest:
            block = rest + block
        cut = block.rfind(b"\n") + 1
        if cut == 0:  # one line longer than a block (rows of several MB): read on
            rest = block
            continue
        rest = block[cut:]
        try:
            text = block[:cut].decode("utf-8")
        except UnicodeDecodeError as exc:
            good = block.rfind(b"\n", 0, exc.start) + 1
            yield _split(block[:good].decode("utf-8"), keepends)
            line = number + block.count(b"\n", 0, good) + 1
            _decode_line(block[good:cut], line, file_name)
            raise AssertionError("unreachable: the line does not decode") from None
        lines = _split(text, keepends)
        number += len(lines)
        yield lines


def _split(text: str, keepends: bool) -> list[str]:
    """Lines of ``text`` (which ends with ``\n`` or is empty)."""
    lines = text.split("\n")
    lines.pop()
    if keepends:
        return [line + "\n" for line in lines]
    return lines


def _decode_line(raw: bytes, number: int, file_name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReadError(file_name, bad_utf8_message(number, exc), line=number) from None


def iter_chunks(
    stream: BinaryIO, encoding: Encoding, *, file_name: str, seek: bool = True
) -> Iterator[str]:
    """The file's text in large decoded chunks; a bad byte is reported with its line."""
    if seek:
        stream.seek(encoding.bom)
    decoder = codecs.getincrementaldecoder(encoding.codec)()
    newlines = 0
    while True:
        block = stream.read(CHUNK_CHARS)
        final = not block
        try:
            text = decoder.decode(block, final=final)
        except UnicodeDecodeError as exc:
            line = newlines + _newlines_before(exc, encoding) + 1
            name = "UTF-8" if encoding.codec == "utf-8" else encoding.label
            if encoding.codec == "utf-8":
                reason = bad_utf8_message(line, exc)
            else:
                reason = f"bytes that are not valid {name} on line {line}"
            raise ReadError(file_name, reason, line=line) from None
        if text:
            newlines += text.count("\n")
            yield text
        if final:
            return


def _newlines_before(exc: UnicodeDecodeError, encoding: Encoding) -> int:
    prefix = exc.object[: exc.start]
    try:
        return prefix.decode(encoding.codec, errors="replace").count("\n")
    except LookupError:  # pragma: no cover - codecs are fixed above
        return 0
