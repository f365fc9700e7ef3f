"""Test examples for an evaluation: a snapshot's split or an uploaded test file.

Each test example keeps its JSON (formatted into requests exactly as training formats it), its
gold text (the completion, or the last assistant message) and, when it came from a dataset,
the example id (lineage: suspicious examples go back to that dataset's review queue).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from lib.core.convert import detect_ending, detect_separator
from lib.core.errors import ReadError, UserError
from lib.core.examples import extract, is_classification

MAX_TEST_EXAMPLES = 100_000
SUPPORTED_SCHEMAS = ("completion", "chat")


@dataclass(frozen=True, slots=True)
class TestExample:
    key: str  # unique in the test set: "s<snapshot row id>" or "r<source row>"
    schema: str
    data: dict[str, Any]
    gold: str  # the completion / last assistant message, as written
    example_id: int | None = None  # the dataset example (lineage), when known
    dataset_id: int | None = None
    source_row: int | None = None


@dataclass(frozen=True, slots=True)
class TestSet:
    schema: str
    examples: list[TestExample]
    source: dict[str, Any]  # {"kind": "snapshot", "snapshot_id", "split"} or {"kind": "file", …}
    separator: str | None  # legacy prompt separator every prompt ends with
    ending: str | None  # legacy completion ending every completion ends with

    @property
    def golds(self) -> list[str]:
        return [e.gold for e in self.examples]

    def classification(self) -> bool:
        """prepare_data's rule over the gold labels (stripped), as the app uses everywhere."""
        labels = {g.strip() for g in self.golds if g.strip()}
        return is_classification(n_examples=len(self.examples), labels=labels)


def _finish(schema: str, examples: list[TestExample], source: dict[str, Any]) -> TestSet:
    if not examples:
        raise UserError("the test set holds no examples")
    if schema not in SUPPORTED_SCHEMAS:
        raise UserError(
            f"evaluation needs prompt/completion or chat examples; this test set holds {schema} "
            "examples"
        )
    separator = ending = None
    if schema == "completion":
        separator = detect_separator(e.data.get("prompt") or "" for e in examples)
        ending = detect_ending(e.gold for e in examples)
    return TestSet(schema, examples, source, separator, ending)


def from_snapshot(engine: Engine, snapshot_id: int, *, split: str = "test") -> TestSet:
    """The frozen examples of one split of a snapshot (lineage kept)."""
    from lib.snapshots.service import get_snapshot, iter_split

    with engine.connect() as conn:
        snapshot = get_snapshot(conn, snapshot_id)
    examples = [
        TestExample(
            key=f"s{row.id}",
            schema=snapshot.schema,
            data=row.data,
            gold=row.completion,
            example_id=row.example_id,
            dataset_id=snapshot.dataset_id,
            source_row=row.source_row,
        )
        for row in iter_split(engine, snapshot_id, split)
    ]
    if not examples:
        raise UserError(f"snapshot {snapshot.name!r} has no {split} examples")
    source = {
        "kind": "snapshot",
        "snapshot_id": snapshot_id,
        "snapshot_name": snapshot.name,
        "dataset_id": snapshot.dataset_id,
        "split": split,
    }
    return _finish(snapshot.schema, examples, source)


def from_examples(
    schema: str, rows: Iterable[Any], *, file_name: str, max_examples: int = MAX_TEST_EXAMPLES
) -> TestSet:
    """Examples read from a file (``lib.datasets.io`` ``Example`` objects: ``data`` and ``source_row``)."""
    examples: list[TestExample] = []
    for row in rows:
        fields = extract(schema, row.data)
        if not fields.completion.strip():
            where = (
                "its completion is empty"
                if schema == "completion"
                else "it has no assistant message"
            )
            raise ReadError(file_name, f"{where}: the gold answer is missing", line=row.source_row)
        examples.append(
            TestExample(
                key=f"r{row.source_row}",
                schema=schema,
                data=row.data,
                gold=fields.completion,
                source_row=row.source_row,
            )
        )
        if len(examples) > max_examples:
            raise UserError(
                f"{file_name}: more than {max_examples:,} test examples; use a smaller file"
            )
    return _finish(schema, examples, {"kind": "file", "file_name": file_name})


def from_file(data: Any, *, file_name: str) -> TestSet:
    """A test file in any format Tunelab reads (chat or prompt/completion)."""
    from lib.datasets.service import read_examples

    reading = read_examples(data, file_name=file_name)
    if reading.schema not in SUPPORTED_SCHEMAS:
        raise ReadError(
            file_name,
            f"a test file needs prompt/completion or chat examples, not {reading.schema} examples",
        )
    return from_examples(reading.schema, reading.examples(), file_name=file_name)


def label_set(golds: Sequence[str], *, stops: Sequence[str] = ()) -> list[str]:
    """The normalised gold labels, sorted (numbers in numeric order)."""
    from lib.evaluate.metrics import as_number, normalise_label

    labels = {normalise_label(g, stops=stops) for g in golds}
    labels.discard("")
    if labels and all(as_number(x) is not None for x in labels):
        return sorted(labels, key=lambda x: (as_number(x), x))
    return sorted(labels)
