"""``python -m lib prepare FILE [-q]``: the legacy prepare_data's job, for prompt/completion,
chat and preference files: analyse, ask before each fix, write ``<name>_prepared.jsonl`` (or a
train/valid pair) beside the input, and say what to do next."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lib.checks.prepare import (
    Table,
    analyse,
    output_names,
    split_positions,
    start_legacy_split,
    table_from_columns,
    table_from_examples,
    write_completion_jsonl,
    write_jsonl,
)
from lib.core.errors import UserError
from lib.core.examples import labels_are_classification
from lib.core.forked import usable_cpus
from lib.core.malloc_tuning import keep_freed_memory
from lib.core.tokens import DEFAULT_MODEL, counting_workers, get_encoder

if TYPE_CHECKING:
    from lib.core.forked import Ahead, Worker
    from lib.datasets.service import Reading

HELP = "analyse a file and write a fixed copy ready for fine-tuning (successor of prepare_data)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="CSV, TSV, XLSX, JSON, JSONL or TXT file")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="accept every suggestion without asking"
    )
    parser.add_argument(
        "--model", default=DEFAULT_MODEL, help=f"model for token limits (default {DEFAULT_MODEL})"
    )
    parser.add_argument(
        "--tokens", action="store_true", help="also count exact tokens of the prepared examples"
    )
    parser.add_argument(
        "--stratified",
        action="store_true",
        help="split train/valid by class (same sizes; the legacy split is random)",
    )


class _Asker:
    def __init__(self, *, auto: bool) -> None:
        self.auto = auto

    def __call__(self, question: str) -> bool:
        sys.stdout.write(question)
        if self.auto:
            sys.stdout.write("Y\n")
            return True
        sys.stdout.flush()
        answer = sys.stdin.readline()
        if not answer:  # end of input: treat as "no" for the rest rather than hang
            sys.stdout.write("\n")
            return False
        return answer.strip().lower() not in ("n", "no")


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    keep_freed_memory()  # a command that exits when done: freed buffers are reused, not re-faulted
    # With --tokens the counting workers are forked first, while this process is small: they
    # load the tokenizer while the file is read and analysed, then count the prepared texts.
    workers = counting_workers(args.model, processes=_workers_for(path)) if args.tokens else []
    try:
        return _run(path, args, workers)
    finally:
        for worker in workers:
            worker.close()  # not left behind, whatever happened


WORKER_MIN_BYTES = 4 << 20  # of the file per counting worker: ~0.15 s of counting each


def _workers_for(path: Path) -> int:
    """Counting workers for this file: one per CPU, fewer for a small file (each costs a
    tokenizer load, ~0.09 s of CPU); one at least, whose load overlaps the reading."""
    return min(usable_cpus(), max(1, path.stat().st_size // WORKER_MIN_BYTES))


def _run(path: Path, args: argparse.Namespace, workers: list[Worker]) -> int:
    from lib.datasets.service import read_examples

    print("Analyzing...")
    reading = read_examples(path, file_name=path.name)
    ask = _Asker(auto=args.quiet)
    fmt = path.suffix.lower().lstrip(".") or "jsonl"
    if reading.schema == "completion":
        # The legacy split's order is worked out by a child forked now, while this process is
        # small, as soon as the analysis knows how many rows a split would see.
        ahead = None if args.stratified else start_legacy_split()
        try:
            return _prepare_completion(
                path,
                reading,
                fmt=fmt,
                ask=ask,
                stratified=args.stratified,
                tokens_model=args.model if args.tokens else None,
                workers=workers,
                ahead=ahead,
            )
        finally:
            if ahead is not None:
                ahead.close()  # not left behind, whatever happened
    for worker in workers:
        worker.close()  # chat files are counted by the view
    examples = list(reading.examples())
    return _prepare_messages(path, reading.schema, examples, fmt=fmt, ask=ask, model=args.model)


def _read_table(
    reading: Reading, *, tokens_model: str | None, workers: Sequence[Worker] = ()
) -> tuple[Table, list[str]]:
    from lib.datasets.service import read_text_columns

    # A CSV/TSV read in bulk (a big one on every core), or None: stream it. While a child
    # parses part of it, this process loads the tokenizer the --tokens count will need,
    # unless counting workers (which load their own) will count.
    load = tokens_model is not None and not workers
    columns = read_text_columns(
        reading,
        processes=usable_cpus(),
        meanwhile=(lambda: get_encoder(tokens_model)) if load and tokens_model else None,
        own_share=0.35 if load else 0.5,
    )
    if columns is not None:
        return table_from_columns(columns.columns, columns.cells, columns.rows)
    return table_from_examples(reading.examples())


def _prepare_completion(
    path: Path,
    reading: Reading,
    *,
    fmt: str,
    ask: _Asker,
    stratified: bool,
    tokens_model: str | None = None,
    workers: Sequence[Worker] = (),
    ahead: Ahead | None = None,
) -> int:
    """Analyse, ask, fix and write; with ``tokens_model`` also print the prepared examples'
    exact tokens (counted by forked children while the files are written); ``ahead`` works out
    the split's order meanwhile (``start_legacy_split``)."""
    table, extra = _read_table(reading, tokens_model=tokens_model, workers=workers)
    analysis = analyse(
        table,
        extra_columns=extra,
        file_format=fmt,
        expected_rows=ahead.ask if ahead is not None else None,
    )
    for step in analysis.steps:
        print(f"\n- {step.found}", end="")
    if analysis.error:
        print(f"\n\nERROR: {analysis.error}\n\nAborting... nothing was written")
        return 1
    # Only the table being fixed stays referenced: each fix replaces a column (25 MB at 200k
    # rows), and the columns it replaced are freed instead of held to the end.
    table, steps, any_necessary = analysis.table, analysis.steps, analysis.any_necessary
    recommendations = bool(analysis.recommendations)
    del analysis
    applied = []
    if recommendations or any_necessary:
        print("\n\nBased on the analysis we will perform the following actions:")
        for step in steps:
            if step.action is None:
                continue
            if step.necessary:
                print(f"- [Necessary] {step.action}")
                continue
            if ask(f"- [Recommended] {step.action} [Y/n]: "):
                assert step.apply is not None
                table = step.apply(table)
                applied.append(step.name)
    else:
        print("\n\nNo remediations found.")
    kind = table.task_type()
    split = kind == "classification" and ask(
        "- [Recommended] Would you like to split into training and validation set? [Y/n]: "
    )
    if not applied and not any_necessary and not split:
        print(f"\nYour file is ready for fine-tuning as it is: {path}")
        _next_steps([path], table)
        if tokens_model:
            _start_tokens(table, model=tokens_model, workers=workers)()
        return 0
    if not ask("\n\nYour data will be written to a new JSONL file. Proceed [Y/n]: "):
        print("Aborting... did not write the file")
        return 0
    print_tokens = (
        _start_tokens(table, model=tokens_model, workers=workers) if tokens_model else None
    )
    written = _write(path, table, split=split, stratified=stratified, ahead=ahead)
    print(f"\nWrote {' and '.join(str(p) for p in written)}\nFeel free to take a look!")
    _next_steps(written, table)
    if print_tokens:
        print_tokens()
    return 0


def _start_tokens(table: Table, *, model: str, workers: Sequence[Worker]) -> Callable[[], None]:
    """Start counting the table's tokens; the returned call prints the figures.

    With workers (forked at the start, their tokenizer loaded by now) the texts are handed to
    them now and they count while this process writes the files. Without (no fork here),
    children forked now count every text (``parent_share=0``). The counts are the same.
    """
    from lib.core.tokens import start_columns_count, start_completion_count

    if workers:
        finish = start_columns_count(
            table.prompts,
            table.completions,
            prompt_end=table.prompt_end,
            completion_start=table.completion_start,
            model=model,
            workers=workers,
        )
    else:
        sys.stdout.flush()  # nothing buffered is copied into the children
        whole = table.materialized()
        finish = start_completion_count(
            whole.prompts, whole.completions, model=model, processes=usable_cpus(), parent_share=0.0
        )

    def print_tokens() -> None:
        stats = finish()  # the three figures shown, not the whole summary (percentiles, billing)
        counts = stats.per_example
        about = "about " if stats.approximate else ""
        print(
            f"Tokens ({stats.encoding}): {about}{sum(counts):,} in all, "
            f"{min(counts, default=0):,}–{max(counts, default=0):,} per example."
        )

    return print_tokens


def _write(
    path: Path, table: Table, *, split: bool, stratified: bool, ahead: Ahead | None = None
) -> list[Path]:
    prompts, completions = table.prompts, table.completions
    ends = {"prompt_end": table.prompt_end, "completion_start": table.completion_start}
    names = output_names(path, split=split)
    if not split:
        write_completion_jsonl(names[0], prompts, completions, range(len(table)), **ends)
        return names
    labels = [c.strip() for c in table.materialized().completions] if stratified else None
    train, valid = split_positions(len(table), labels=labels, ahead=ahead)
    write_completion_jsonl(names[0], prompts, completions, train, **ends)
    try:
        write_completion_jsonl(names[1], prompts, completions, valid, **ends)
    except OSError:
        names[0].unlink(missing_ok=True)
        raise
    return names


def _next_steps(files: list[Path], table: Table | None) -> None:
    lines = ["\nNext:"]
    lines.append(f"- import it into Tunelab to review it: python -m lib import {files[0]}")
    valid = f", validation_file={str(files[1])!r}" if len(files) > 1 else ""
    lines.append(
        f"- or upload it and start a job: training_file={str(files[0])!r}{valid} "
        "(Train screen, or fine_tuning.jobs.create in the openai SDK)"
    )
    if table is not None and len(table):
        separator, ending = table.common_suffixes()
        if separator:
            lines.append(
                f"- prompts sent to the fine-tuned model must end with {separator!r} "
                "so that it starts writing the completion"
            )
        if ending:
            lines.append(f"- use stop=[{ending!r}] so that generated text ends where it should")
    print("\n".join(lines))


def _prepare_messages(
    path: Path, schema: str, examples: list[Any], *, fmt: str, ask: _Asker, model: str
) -> int:
    # The checks registry and the view are for chat files only: prompt/completion files
    # (the common big CSV) do not pay for importing them.
    from lib.checks.prepare_chat import analyse_chat
    from lib.checks.view import view_from_examples

    view = view_from_examples(schema, examples, model=model, file_name=str(path))
    steps = analyse_chat(view)
    for step in steps:
        if step.found:
            print(f"\n- {step.found}", end="")
    stats = view.tokens.summary()
    about = "about " if stats["approximate"] else ""
    print(
        f"\n- Tokens ({stats['encoding']}): {about}{stats['total']:,} in all, "
        f"{stats['min']:,}–{stats['max']:,} per example; with the default "
        f"{stats['epochs']} epochs a job is billed for {about}"
        f"{stats['epochs'] * stats['billed_tokens_per_epoch']:,} tokens"
    )
    datas = view.datas
    fixes = [s for s in steps if s.fix]
    changed = fmt != "jsonl"
    if fixes:
        print("\nBased on the analysis we will perform the following actions:")
        for step in fixes:
            if ask(f"- [Recommended] {step.action} [Y/n]: "):
                datas = step.apply(datas, schema=schema, model=model)
                changed = True
    else:
        print("\nNo remediations found.")
    if not datas:
        print("\nNo examples are left; nothing was written")
        return 1
    labels = view_from_datas_labels(schema, datas)
    classification = labels_are_classification(labels)
    split = classification and ask(
        "- [Recommended] Would you like to split into training and validation set? [Y/n]: "
    )
    if not changed and not split:
        print(f"\nYour file is ready for fine-tuning as it is: {path}")
        _next_steps([path], None)
        return 0
    if not ask("\n\nYour data will be written to a new JSONL file. Proceed [Y/n]: "):
        print("Aborting... did not write the file")
        return 0
    names = output_names(path, split=split)
    if split:
        train, valid = split_positions(len(datas))
        write_jsonl(names[0], [datas[i] for i in train])
        write_jsonl(names[1], [datas[i] for i in valid])
    else:
        write_jsonl(names[0], datas)
    print(f"\nWrote {' and '.join(str(p) for p in names)}\nFeel free to take a look!")
    _next_steps(names, None)
    return 0


def view_from_datas_labels(schema: str, datas: list[dict[str, Any]]) -> list[str]:
    from lib.checks.view import view_from_datas

    return view_from_datas(schema, datas).labels
