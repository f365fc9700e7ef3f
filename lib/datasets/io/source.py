"""Where a file's bytes come from and what kind of file it is.

Uploads arrive as bytes, the command line and big files as a path; both are read through the
same binary stream so that a million-row file is streamed from disk, never loaded whole. The
format comes from the file name's extension and is then confirmed by looking at the first bytes:
a spreadsheet renamed ``.csv`` or a binary file renamed ``.jsonl`` gets a message that says so
instead of a page of garbage.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Literal

from lib.core.errors import ReadError

Format = Literal["csv", "tsv", "xlsx", "json", "jsonl", "txt"]
FORMATS: tuple[Format, ...] = ("csv", "tsv", "xlsx", "json", "jsonl", "txt")
FORMAT_LABELS: dict[str, str] = {
    "csv": "CSV",
    "tsv": "TSV",
    "xlsx": "XLSX",
    "json": "JSON",
    "jsonl": "JSONL",
    "txt": "TXT",
}
EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".txt": "txt",
    ".text": "txt",
}
# Enough of the file's start to recognise binary data, BOMs and UTF-16 without a BOM.
SNIFF_BYTES = 8192

Source = bytes | bytearray | memoryview | Path | str | os.PathLike[str]
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old binary .xls / .doc


@contextmanager
def open_binary(data: Source, *, file_name: str) -> Iterator[BinaryIO]:
    """A binary stream over ``data`` (bytes in memory, or a path read from disk)."""
    if isinstance(data, bytes | bytearray | memoryview):
        yield io.BytesIO(bytes(data))
        return
    path = Path(data)
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below, yielded to the caller
    except FileNotFoundError:
        raise ReadError(file_name, "no such file") from None
    except IsADirectoryError:
        raise ReadError(file_name, "is a folder, not a file") from None
    except OSError as exc:
        raise ReadError(file_name, f"cannot be opened ({exc.strerror or exc})") from None
    with stream:
        yield stream


def read_head(data: Source, *, file_name: str) -> bytes:
    """The first bytes of the file, for sniffing."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data[:SNIFF_BYTES])
    with open_binary(data, file_name=file_name) as stream:
        return stream.read(SNIFF_BYTES)


def format_from_name(file_name: str) -> Format:
    """The format a file name's extension says, or a ReadError listing the supported ones."""
    suffix = Path(file_name).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    if suffix == ".xls":
        raise ReadError(
            file_name, "the old .xls format is not supported; save the sheet as .xlsx or CSV"
        )
    shown = f"'{suffix}'" if suffix else "no extension"
    raise ReadError(
        file_name,
        f"unsupported file type ({shown}); use CSV, TSV, XLSX, JSON, JSONL or TXT",
    )


def looks_binary(head: bytes) -> bool:
    """True for data that is not text in any encoding we read (UTF-16 is ruled out first)."""
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27, 8))
    return controls > len(head) * 0.1


def confirm_format(fmt: Format, head: bytes, *, file_name: str, utf16: bool) -> None:
    """Check the first bytes agree with the extension; raise a ReadError that says what it is."""
    if fmt == "xlsx":
        if head.startswith(OLE_MAGIC):
            raise ReadError(
                file_name,
                "this is an old .xls (or other Office binary) file, not XLSX; "
                "save the sheet as .xlsx or CSV",
            )
        if not head.startswith(ZIP_MAGIC):
            if not head:
                raise ReadError(file_name, "the file is empty")
            raise ReadError(
                file_name, "not a valid XLSX workbook (the file is corrupt or not XLSX)"
            )
        return
    if head.startswith(ZIP_MAGIC):
        raise ReadError(
            file_name,
            f"holds ZIP/XLSX data, not {FORMAT_LABELS[fmt]} text; "
            "if it is a spreadsheet, name it .xlsx",
        )
    if head.startswith(OLE_MAGIC):
        raise ReadError(
            file_name,
            f"holds binary Office data, not {FORMAT_LABELS[fmt]} text; save it as CSV or XLSX",
        )
    if not utf16 and looks_binary(head):
        raise ReadError(
            file_name, f"holds binary data, not {FORMAT_LABELS[fmt]} text (it has NUL bytes)"
        )
