"""``python -m lib import FILE``: import a dataset file into the store named by DATABASE_URL."""

from __future__ import annotations

import argparse
from pathlib import Path

from lib.core.errors import ReadError
from lib.core.examples import SCHEMA_LABELS
from lib.datasets.repo import ImportSummary, classification_labels

HELP = "import a CSV, TSV, XLSX, JSON, JSONL or TXT file as a new dataset"
SHOWN_LABELS = 8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the file to import")
    parser.add_argument("--name", help="the dataset's name (default: the file name)")
    parser.add_argument(
        "--map",
        dest="mapping",
        action="append",
        default=[],
        metavar="FIELD=TEMPLATE",
        help=r"build a field from columns, e.g. --map 'prompt={title}\n\n{body}' "
        r"--map 'completion= {stars}' (\n is a newline; {{ and }} are braces)",
    )
    parser.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="COLUMN",
        help="leave a column out of the examples (with --map), e.g. --drop unnamed_1",
    )
    parser.add_argument("--sheet", help="the XLSX sheet to read (default: the first that fits)")


def summary_text(
    summary: ImportSummary,
    *,
    warnings: tuple[str, ...],
    encoding: str | None,
    file_format: str,
    labels: dict[str, int] | None,
) -> str:
    """The one-paragraph summary printed after an import."""
    parts = [
        f"Imported {summary.n_examples:,} examples into dataset {summary.name!r} "
        f"(id {summary.dataset_id}) as {SCHEMA_LABELS.get(summary.schema, summary.schema)} "
        f"from {file_format.upper()}" + (f" ({encoding})." if encoding else ".")
    ]
    if labels:
        shown = ", ".join(
            f"{label} {count:,}" for label, count in list(labels.items())[:SHOWN_LABELS]
        )
        more = len(labels) - SHOWN_LABELS
        parts.append(
            f"{len(labels)} labels (classification-like): {shown}"
            + (f", … {more} more." if more > 0 else ".")
        )
    elif summary.n_labels:
        parts.append(f"{summary.n_labels:,} distinct completions (not classification-like).")
    if summary.unknown_keys:
        keys = ", ".join(f"{key} ({count:,})" for key, count in summary.unknown_keys.items())
        parts.append(f"Unknown keys kept with the examples: {keys}.")
    for warning in warnings:
        parts.append(f"Warning: {warning}.")
    return " ".join(parts)


def run(args: argparse.Namespace) -> int:
    from lib.core.db import get_engine
    from lib.datasets.io.importer import import_reading
    from lib.datasets.io.mapping import parse_cli_mapping
    from lib.datasets.io.reader import read_examples

    path = Path(args.file)
    file_name = str(args.file)
    if not path.exists():
        raise ReadError(file_name, "no such file")
    mapping = parse_cli_mapping(args.mapping) if args.mapping else None
    reading = read_examples(
        path, file_name=file_name, sheet=args.sheet, mapping=mapping, drop=args.drop
    )
    engine = get_engine()
    name = args.name
    if name is None:
        from lib.datasets.io.importer import default_name
        from lib.datasets.repo import unique_name

        with engine.connect() as conn:
            name = unique_name(conn, default_name(path.name))
    summary = import_reading(engine, reading, name=name)
    with engine.connect() as conn:
        labels = classification_labels(conn, summary.dataset_id)
    print(
        summary_text(
            summary,
            warnings=reading.warnings,
            encoding=reading.encoding,
            file_format=reading.format,
            labels=labels,
        )
    )
    return 0
