"""Export writers: every format a snapshot split, a dataset or a file can be written as.

Public API:
- ``EXPORT_FORMATS``: key → ``ExportFormat`` (label, extension, what it is for)
- ``dataset_export(engine, dataset_id)`` / ``examples_export(name, schema, examples)`` →
  ``ExportSource`` (a snapshot's splits: ``lib.snapshots.export``)
- ``write_export(source, fmt, stream)`` → file name; ``export_bytes(...)`` → ``ExportFile``
  (for download buttons); ``export_to_path(...)`` → the file written (command line)

A format that writes one file for the source (one split as JSONL, any XLSX) returns that file;
one that writes several (all splits as JSONL/CSV, Hugging Face, LLaMA-Factory) returns a zip.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lib.core.errors import UserError
from lib.datasets.export.base import ExportOptions, ExportRow, ExportSource, Part
from lib.datasets.export.hf import write_hf
from lib.datasets.export.jsonl import write_chat, write_completion, write_dpo
from lib.datasets.export.llamafactory import write_llamafactory
from lib.datasets.export.sink import SingleSink, Sink, ZipSink, base_name, part_file_name
from lib.datasets.export.sources import dataset_export, examples_export
from lib.datasets.export.table import write_csv, write_xlsx

Writer = Callable[[ExportSource, Sink, ExportOptions], None]
ZIP_MIME = "application/zip"


@dataclass(frozen=True, slots=True)
class ExportFormat:
    key: str
    label: str
    extension: str
    mime: str
    help: str
    writer: Writer
    per_part_files: bool  # one file per split (zip when several); False: one file or a bundle
    bundle: bool = False  # always several files (a zip)
    schemas: tuple[str, ...] = ("completion", "chat", "preference")


EXPORT_FORMATS: dict[str, ExportFormat] = {
    f.key: f
    for f in (
        ExportFormat(
            "chat",
            "OpenAI chat JSONL",
            "jsonl",
            "application/jsonl",
            "messages per line, for supervised fine-tuning",
            write_chat,
            per_part_files=True,
        ),
        ExportFormat(
            "completion",
            "Legacy prompt/completion JSONL",
            "jsonl",
            "application/jsonl",
            "prompt and completion per line (babbage-002, davinci-002, older tools)",
            write_completion,
            per_part_files=True,
        ),
        ExportFormat(
            "dpo",
            "OpenAI DPO JSONL",
            "jsonl",
            "application/jsonl",
            "input, preferred and non-preferred output per line (preference data only)",
            write_dpo,
            per_part_files=True,
            schemas=("preference",),
        ),
        ExportFormat(
            "csv",
            "CSV",
            "csv",
            "text/csv",
            "one row per example, formulas neutralised",
            write_csv,
            per_part_files=True,
        ),
        ExportFormat(
            "xlsx",
            "Excel (XLSX)",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "one sheet per split, formulas neutralised",
            write_xlsx,
            per_part_files=False,
        ),
        ExportFormat(
            "hf",
            "Hugging Face (JSONL + dataset card)",
            "zip",
            ZIP_MIME,
            "data/<split>.jsonl and a README.md card",
            write_hf,
            per_part_files=False,
            bundle=True,
        ),
        ExportFormat(
            "llamafactory",
            "LLaMA-Factory (ShareGPT + dataset_info.json)",
            "zip",
            ZIP_MIME,
            "ShareGPT JSON per split and its dataset_info.json entries",
            write_llamafactory,
            per_part_files=False,
            bundle=True,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class ExportFile:
    file_name: str
    mime: str
    data: bytes


def get_format(key: str) -> ExportFormat:
    fmt = EXPORT_FORMATS.get(key)
    if fmt is None:
        raise UserError(f"unknown export format {key!r}; use one of {', '.join(EXPORT_FORMATS)}")
    return fmt


def formats_for(schema: str) -> list[ExportFormat]:
    """The formats a dataset of ``schema`` can be exported as."""
    return [f for f in EXPORT_FORMATS.values() if schema in f.schemas]


def is_zip(fmt: ExportFormat, source: ExportSource) -> bool:
    return fmt.bundle or (fmt.per_part_files and len(source.parts) > 1)


def output_name(fmt: ExportFormat, source: ExportSource) -> str:
    """The file name a download or the command line uses by default."""
    if is_zip(fmt, source):
        return f"{base_name(source)}_{fmt.key}.zip"
    if fmt.key == "xlsx" and len(source.parts) != 1:
        return f"{base_name(source)}.xlsx"
    return part_file_name(source, source.parts[0], fmt.extension)


def write_export(
    source: ExportSource, key: str, stream: BinaryIO, *, options: ExportOptions | None = None
) -> str:
    """Write ``source`` as format ``key`` to ``stream``; returns the suggested file name."""
    fmt = get_format(key)
    if source.schema not in fmt.schemas:
        raise UserError(
            f"{fmt.label} needs preference (DPO) examples; this data is {source.schema}"
        )
    if not source.parts:
        raise UserError("there is nothing to export (every split is empty)")
    opts = options or ExportOptions()
    if is_zip(fmt, source):
        sink = ZipSink(stream)
        try:
            fmt.writer(source, sink, opts)
        finally:
            sink.close()
    else:
        fmt.writer(source, SingleSink(stream), opts)
    return output_name(fmt, source)


def export_bytes(
    source: ExportSource, key: str, *, options: ExportOptions | None = None
) -> ExportFile:
    """The export in memory, for ``st.download_button``."""
    buffer = io.BytesIO()
    name = write_export(source, key, buffer, options=options)
    fmt = get_format(key)
    mime = ZIP_MIME if is_zip(fmt, source) else fmt.mime
    return ExportFile(file_name=name, mime=mime, data=buffer.getvalue())


def export_to_path(
    source: ExportSource,
    key: str,
    out: Path | None = None,
    *,
    options: ExportOptions | None = None,
) -> Path:
    """Write the export to ``out`` (a file, or a folder to put the default name in).

    Written to a temporary file beside the target and renamed at the end, so a failed export
    leaves neither a partial file nor a changed old one.
    """
    fmt = get_format(key)
    default = output_name(fmt, source) if source.parts else f"{base_name(source)}.{fmt.extension}"
    if out is None:
        target = Path.cwd() / default
    elif out.is_dir():
        target = out / default
    else:
        target = out
    if not target.parent.is_dir():
        raise UserError(f"{target.parent}: no such folder")
    handle, tmp_name = tempfile.mkstemp(prefix=".tunelab-export-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            write_export(source, key, stream, options=options)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


__all__ = [
    "EXPORT_FORMATS",
    "ExportFile",
    "ExportFormat",
    "ExportOptions",
    "ExportRow",
    "ExportSource",
    "Part",
    "dataset_export",
    "examples_export",
    "export_bytes",
    "export_to_path",
    "formats_for",
    "get_format",
    "output_name",
    "write_export",
]
