"""``python -m lib snapshot DATASET``: freeze a dataset into train / valid / test splits."""

from __future__ import annotations

import argparse
import getpass
import shlex

from sqlalchemy.engine import Connection

from lib.core.errors import NotFoundError, UserError
from lib.snapshots.split import BALANCE_MODES, DEFAULT_SEED, SPLITS

HELP = "freeze a dataset into seeded train/valid/test splits and print their counts"
SHOWN_LABELS = 12


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", metavar="DATASET", help="the dataset's name or id")
    parser.add_argument("--train", type=float, default=0.8, help="train share (default 0.8)")
    parser.add_argument("--valid", type=float, default=0.1, help="valid share (default 0.1)")
    parser.add_argument("--test", type=float, default=0.1, help="test share (default 0.1)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 42)")
    parser.add_argument(
        "--balance",
        choices=BALANCE_MODES,
        default="none",
        help="balance the train split's classes by under- or over-sampling",
    )
    parser.add_argument(
        "--approved-only", action="store_true", help="only examples a reviewer approved"
    )
    parser.add_argument(
        "--no-stratify",
        action="store_true",
        help="plain random split even for classification data",
    )
    parser.add_argument("--name", help="the snapshot's name (default: dataset name and time)")
    parser.add_argument("--author", help="who made it (default: your login name)")
    parser.add_argument(
        "--dry-run", action="store_true", help="print the counts without writing a snapshot"
    )


def resolve_dataset(conn: Connection, text: str) -> int:
    """A dataset id from its name (exact) or its number."""
    from lib.datasets.service import find_dataset, get_dataset

    info = find_dataset(conn, text)
    if info is not None:
        return info.id
    if text.isdigit():
        return get_dataset(conn, int(text)).id
    raise NotFoundError(f"no dataset named {text!r} (python -m lib import FILE creates one)")


def counts_text(counts: dict[str, dict[str, int]], *, stratified: bool) -> list[str]:
    """One line per split: its size and, when stratified, examples per label."""
    lines = []
    for split in SPLITS:
        per_label = counts.get(split, {})
        line = f"{split:<6}{sum(per_label.values()):>9,}"
        if stratified and per_label:
            items = list(per_label.items())
            shown = ", ".join(f"{label!r} {n:,}" for label, n in items[:SHOWN_LABELS])
            more = len(items) - SHOWN_LABELS
            line += "   " + shown + (f", … {more} more labels" if more > 0 else "")
        lines.append(line)
    return lines


def _author(args: argparse.Namespace) -> str:
    if args.author:
        return args.author
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "command line"


def run(args: argparse.Namespace) -> int:
    from lib.core.db import get_engine
    from lib.snapshots.repo import create_snapshot, plan_snapshot

    engine = get_engine()
    with engine.connect() as conn:
        dataset_id = resolve_dataset(conn, args.dataset)
    options = {
        "train": args.train,
        "valid": args.valid,
        "test": args.test,
        "seed": args.seed,
        "stratify": False if args.no_stratify else None,
        "balance": args.balance,
        "approved_only": args.approved_only,
    }
    if args.no_stratify and args.balance != "none":
        raise UserError("--balance needs a stratified split; drop --no-stratify")
    if args.dry_run:
        plan = plan_snapshot(engine, dataset_id, **options)
        print(f"Dry run: a snapshot would hold {sum(plan.sizes.values()):,} examples:")
        for line in counts_text(plan.counts, stratified=plan.split.stratified):
            print("  " + line)
        for note in plan.split.notes:
            print(f"Note: {note}.")
        return 0
    snapshot = create_snapshot(engine, dataset_id, author=_author(args), name=args.name, **options)
    how = "stratified by label" if snapshot.settings.get("stratified") else "random"
    print(
        f"Snapshot {snapshot.id} ({snapshot.name!r}) of dataset {snapshot.dataset_name!r}: "
        f"{snapshot.n_examples:,} examples, {how}, seed {snapshot.seed}."
    )
    for line in counts_text(snapshot.counts, stratified=bool(snapshot.settings.get("stratified"))):
        print("  " + line)
    for note in snapshot.settings.get("notes", []):
        print(f"Note: {note}.")
    print(
        f"Export it: python -m lib export {shlex.quote(args.dataset)} --snapshot {snapshot.id} "
        "--format chat"
    )
    return 0
