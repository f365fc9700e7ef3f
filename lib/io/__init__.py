"""Readers for every dataset format Tunelab imports (CSV, TSV, XLSX, JSON, JSONL, TXT).

Public API:
- ``inspect_source(data, *, file_name, sheet=None, mapping=None, preview_rows=20)`` → Inspection
- ``read_examples(data, *, file_name, sheet=None, mapping=None)`` → Reading (``.examples()``)
- ``import_file(engine, data, *, file_name, name=None, sheet=None, mapping=None)`` → ImportSummary

``data`` is bytes (an upload) or a path (streamed from disk). Bad files raise
``lib.errors.ReadError`` naming the file, the line and the reason.
"""

from lib.io.importer import default_name, import_file, import_reading
from lib.io.mapping import parse_cli_mapping, suggest_mapping, unescape
from lib.io.reader import Inspection, Reading, inspect_source, read_examples
from lib.io.source import FORMAT_LABELS, FORMATS

__all__ = [
    "FORMATS",
    "FORMAT_LABELS",
    "Inspection",
    "Reading",
    "default_name",
    "import_file",
    "import_reading",
    "inspect_source",
    "parse_cli_mapping",
    "read_examples",
    "suggest_mapping",
    "unescape",
]
