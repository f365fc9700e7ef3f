"""JSONL writers: OpenAI chat, legacy prompt/completion and DPO (preference) files.

One JSON object per line, UTF-8, written row by row. OpenAI's upload validation refuses keys
it does not know, so these files carry only the format's own keys (``known_only``); anything
else a row held stays in the store and in the CSV/XLSX/Hugging Face exports.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, BinaryIO

from lib.datasets.export.base import Converter, ExportOptions, ExportSource, known_only
from lib.datasets.export.sink import Sink, part_file_name


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def write_lines(rows: Iterable[dict[str, Any]], stream: BinaryIO) -> int:
    """Write rows as JSON lines; returns how many were written."""
    n = 0
    for data in rows:
        stream.write(dumps(data).encode("utf-8"))
        stream.write(b"\n")
        n += 1
    return n


def write_openai_jsonl(
    export: ExportSource, sink: Sink, options: ExportOptions, *, target: str
) -> None:
    """One JSONL file per part, each row converted to ``target`` with only its known keys."""
    convert = Converter(source=export.schema, target=target, options=options)
    convert.prepare(export)
    for part in export.parts:
        convert.part = part.name
        with sink.open(part_file_name(export, part, "jsonl")) as stream:
            write_lines((known_only(target, convert(row)) for row in part.rows()), stream)


def write_chat(export: ExportSource, sink: Sink, options: ExportOptions) -> None:
    write_openai_jsonl(export, sink, options, target="chat")


def write_completion(export: ExportSource, sink: Sink, options: ExportOptions) -> None:
    write_openai_jsonl(export, sink, options, target="completion")


def write_dpo(export: ExportSource, sink: Sink, options: ExportOptions) -> None:
    write_openai_jsonl(export, sink, options, target="preference")
