"""``python -m lib export DATASET_OR_FILE --format F``: write a dataset, snapshot or file out."""

from __future__ import annotations

import argparse
from pathlib import Path

from lib.core.errors import NotFoundError, UserError

HELP = "export a dataset, a snapshot split or a file as chat/completion/DPO JSONL, CSV, XLSX, HF, LLaMA-Factory"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from lib.datasets.service import EXPORT_FORMATS

    parser.add_argument(
        "source", metavar="DATASET_OR_FILE", help="a dataset's name or id, or a data file"
    )
    parser.add_argument(
        "--format",
        "-f",
        dest="fmt",
        required=True,
        choices=list(EXPORT_FORMATS),
        help="output format",
    )
    parser.add_argument("--snapshot", type=int, help="export this snapshot (id) of the dataset")
    parser.add_argument(
        "--split",
        choices=("train", "valid", "test", "all"),
        default="all",
        help="which split of the snapshot (default: all; several files come as a zip)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, help="output file or folder (default: current folder)"
    )
    parser.add_argument(
        "--system", help="system message to add when prompt/completion rows become chat"
    )
    parser.add_argument(
        "--separator",
        help=r"legacy prompt separator (to strip going to chat, to add going to completion; "
        r"\n allowed; default: detected / '\n\n###\n\n')",
    )
    parser.add_argument(
        "--ending",
        help=r"legacy completion ending (as --separator; default: detected / '\n')",
    )


def _unescape(text: str | None) -> str | None:
    if text is None:
        return None
    from lib.datasets.service import unescape

    return unescape(text)


def _source(args: argparse.Namespace):  # noqa: ANN202 - ExportSource, imported lazily
    from lib.core.db import get_engine
    from lib.datasets.service import dataset_export, examples_export
    from lib.snapshots.export import snapshot_export

    path = Path(args.source)
    if path.is_file():
        if args.snapshot is not None:
            raise UserError("--snapshot needs a dataset in the store, not a file")
        from lib.datasets.service import default_name, read_examples

        reading = read_examples(path, file_name=str(args.source))
        return examples_export(default_name(path.name), reading.schema, reading.examples)
    from lib.snapshots.cli import resolve_dataset
    from lib.snapshots.repo import get_snapshot

    engine = get_engine()
    with engine.connect() as conn:
        try:
            dataset_id = resolve_dataset(conn, args.source)
        except NotFoundError:
            raise NotFoundError(
                f"{args.source}: no such file, and no dataset with that name or id"
            ) from None
        if args.snapshot is None:
            if args.split != "all":
                raise UserError("--split needs --snapshot (a whole dataset has no splits)")
            return dataset_export(engine, dataset_id)
        snapshot = get_snapshot(conn, args.snapshot)
    if snapshot.dataset_id != dataset_id:
        raise UserError(
            f"snapshot {snapshot.id} belongs to dataset {snapshot.dataset_name!r}, "
            f"not {args.source!r}"
        )
    return snapshot_export(engine, snapshot.id, args.split)


def run(args: argparse.Namespace) -> int:
    from lib.datasets.service import ExportOptions, export_to_path

    source = _source(args)
    options = ExportOptions(
        system=args.system, separator=_unescape(args.separator), ending=_unescape(args.ending)
    )
    if args.output is not None and not args.output.parent.exists():
        raise UserError(f"{args.output.parent}: no such folder")
    path = export_to_path(source, args.fmt, args.output, options=options)
    parts = ", ".join(
        f"{part.name} {part.size:,}" if part.size is not None else part.name
        for part in source.parts
    )
    print(f"Wrote {path} ({args.fmt}; {parts}).")
    return 0
