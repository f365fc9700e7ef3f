"""Readers for every dataset format Tunelab imports (CSV, TSV, XLSX, JSON, JSONL, TXT).

Public API:
- ``inspect_source(data, *, file_name, sheet=None, mapping=None, preview_rows=20)`` → Inspection
- ``read_examples(data, *, file_name, sheet=None, mapping=None)`` → Reading (``.examples()``)
- ``import_file(engine, data, *, file_name, name=None, sheet=None, mapping=None)`` → ImportSummary

``data`` is bytes (an upload) or a path (streamed from disk). Bad files raise
``lib.core.errors.ReadError`` naming the file, the line and the reason.
"""

from typing import TYPE_CHECKING, Any

from lib.datasets.io.columns import TextColumns, read_text_columns
from lib.datasets.io.mapping import parse_cli_mapping, suggest_mapping, unescape
from lib.datasets.io.reader import Inspection, Reading, inspect_source, read_examples
from lib.datasets.io.source import FORMAT_LABELS, FORMATS

if TYPE_CHECKING:
    from lib.datasets.io.importer import default_name, import_file, import_reading

# The importer needs the store (SQLAlchemy): loaded on first use, so that reading a file
# (``python -m lib prepare``/``check``) does not pay for it.
_LAZY = {"default_name", "import_file", "import_reading"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from lib.datasets.io import importer

        return getattr(importer, name)
    raise AttributeError(f"module 'lib.datasets.io' has no attribute {name!r}")


__all__ = [
    "FORMATS",
    "FORMAT_LABELS",
    "Inspection",
    "Reading",
    "TextColumns",
    "default_name",
    "import_file",
    "import_reading",
    "inspect_source",
    "parse_cli_mapping",
    "read_examples",
    "read_text_columns",
    "suggest_mapping",
    "unescape",
]
