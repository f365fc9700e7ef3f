"""The prepare pipeline: the legacy prepare_data's job as pure steps over columns.

For prompt/completion data the decisions, their order and their inputs are those of openai
0.28.1 ``validators.py``: necessary steps (drop extra columns, drop empty completions) run
first; every recommendation is then *decided* on that table and applied in order (duplicates,
long examples, lowercase, separator, prefixes, ending, leading space); the split is decided on
the final table. ``lib.checks.prepare_cli`` asks the questions and writes the files.

Deliberate differences (docs/prepare.md): long examples are dropped by what they are (the
legacy tool dropped rows by position label after other rows were gone, which removed the wrong
rows or crashed); cells reading "NA"/"None"/"null" stay text (pandas turned them into empty
completions).
"""

from __future__ import annotations

import itertools
import json
import operator
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lib.checks import legacy_rules as rules
from lib.checks.base import shown
from lib.core.examples import Example

if TYPE_CHECKING:
    from lib.core.forked import Ahead


@dataclass(frozen=True, slots=True)
class Table:
    """Prompt and completion columns with the source row of each example.

    ``prompt_end`` and ``completion_start`` are text every prompt ends with / every completion
    starts with that is not joined onto the strings yet (the separator and leading-space
    fixes): the writer writes it in place, so that 200k new strings (25 MB) are not built
    only to be copied once more. ``materialized()`` joins it on for anything else.
    """

    prompts: list[str]
    completions: list[str]
    rows: list[int]
    prompt_end: str = ""
    completion_start: str = ""

    def __len__(self) -> int:
        return len(self.prompts)

    def materialized(self) -> Table:
        """The same examples with ``prompt_end``/``completion_start`` joined onto the texts."""
        if not self.prompt_end and not self.completion_start:
            return self
        prompts, completions = self.prompts, self.completions
        if self.prompt_end:
            prompts = rules.with_suffix(prompts, self.prompt_end)
        if self.completion_start:
            completions = rules.with_prefix(completions, self.completion_start)
        return Table(prompts, completions, self.rows)

    def without(self, drop: list[int]) -> Table:
        gone = set(drop)
        keep = [i for i in range(len(self)) if i not in gone]
        return replace(
            self,
            prompts=[self.prompts[i] for i in keep],
            completions=[self.completions[i] for i in keep],
            rows=[self.rows[i] for i in keep],
        )

    def with_prompts(self, change: Callable[[str], str]) -> Table:
        return self.with_prompt_column(lambda texts: list(map(change, texts)))

    def with_completions(self, change: Callable[[str], str]) -> Table:
        return self.with_completion_column(lambda texts: list(map(change, texts)))

    def with_prompt_column(self, change: Callable[[list[str]], list[str]]) -> Table:
        """The prompts (as written) replaced by ``change`` of them; the completions' pending
        start stays pending."""
        prompts = self.prompts
        if self.prompt_end:
            prompts = rules.with_suffix(prompts, self.prompt_end)
        return replace(self, prompts=change(prompts), prompt_end="")

    def with_completion_column(self, change: Callable[[list[str]], list[str]]) -> Table:
        """The completions (as written) replaced by ``change`` of them; the prompts' pending
        end stays pending."""
        completions = self.completions
        if self.completion_start:
            completions = rules.with_prefix(completions, self.completion_start)
        return replace(self, completions=change(completions), completion_start="")

    def with_prompt_end(self, suffix: str) -> Table:
        """Every prompt followed by ``suffix`` (written in place, see the class docstring)."""
        return replace(self, prompt_end=self.prompt_end + suffix)

    def with_leading_space(self) -> Table:
        """A space in front of each completion that does not start with one; when none does
        (the usual case) the space is written in place."""
        if self.completion_start or rules.none_start_with(self.completions, " "):
            return replace(self, completion_start=" " + self.completion_start)
        return replace(self, completions=rules.with_leading_space(self.completions))

    def task_type(self) -> str:
        """``rules.task_type`` of the examples as written: a prompt end makes every prompt
        non-empty, and a leading space does not change a label (labels are compared stripped)."""
        prompts = [self.prompt_end] if self.prompt_end else self.prompts
        return rules.task_type(prompts, self.completions)

    def common_suffixes(self) -> tuple[str, str]:
        """(common suffix of the prompts, of the completions) as written."""
        prompt_suffix = rules.common_suffix(self.prompts) + self.prompt_end
        ending = rules.common_suffix(self.completions)
        if self.completion_start and ending in self.completions:  # may reach into the start
            ending = rules.common_suffix(rules.with_prefix(self.completions, self.completion_start))
        return prompt_suffix, ending


@dataclass(slots=True)
class Step:
    """One thing the analysis found; ``action`` is the question asked (None: nothing to do)."""

    name: str
    found: str
    action: str | None = None
    necessary: bool = False
    apply: Callable[[Table], Table] | None = None


@dataclass(slots=True)
class Analysis:
    table: Table  # after the necessary steps
    steps: list[Step] = field(default_factory=list)
    error: str | None = None  # the legacy tool aborted here

    @property
    def recommendations(self) -> list[Step]:
        return [s for s in self.steps if s.action and not s.necessary]

    @property
    def any_necessary(self) -> bool:
        return any(s.necessary for s in self.steps)


def _texts(table: Table) -> tuple[list[str], list[str]]:
    return table.prompts, table.completions


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "" if value is None else str(value)


def table_from_examples(examples: Iterable[Example]) -> tuple[Table, list[str]]:
    """The prompt/completion columns and the names of any other columns, from streamed
    examples (no list of 200k Example objects is kept)."""
    prompts: list[Any] = []
    completions: list[Any] = []
    rows: list[int] = []
    key_orders: dict[tuple[str, ...], None] = {}
    add_prompt, add_completion, add_row = prompts.append, completions.append, rows.append
    last_keys: Any = ()
    for example in examples:
        data = example.data
        add_prompt(data.get("prompt"))
        add_completion(data.get("completion"))
        add_row(example.source_row)
        keys = data.keys()
        if keys != last_keys:  # same key set as the row before: no new column to note
            key_orders[tuple(data)] = None
            last_keys = keys
    extra = {k: None for keys in key_orders for k in keys if k not in ("prompt", "completion")}
    if set(map(type, prompts)) - {str}:
        prompts = list(map(_text, prompts))
    if set(map(type, completions)) - {str}:
        completions = list(map(_text, completions))
    return Table(prompts, completions, rows), list(extra)


def table_from_columns(
    names: tuple[str, ...], cells: dict[str, list[str]], rows: list[int]
) -> tuple[Table, list[str]]:
    """``table_from_examples`` for a file read as columns of text (same table, same extras)."""
    n = len(rows)
    prompts = cells.get("prompt") or [""] * n
    completions = cells.get("completion") or [""] * n
    return Table(prompts, completions, rows), [
        c for c in names if c not in ("prompt", "completion")
    ]


def analyse(
    table: Table,
    *,
    extra_columns: list[str],
    file_format: str,
    expected_rows: Callable[[int], object] | None = None,
) -> Analysis:
    """Every step the legacy tool would take on this table, decided in its order.

    ``expected_rows`` is told, as soon as it is known, how many rows a classification table
    keeps when every fix is taken (the answer ``-q`` gives), so that its split can be worked
    out meanwhile (``start_legacy_split``).
    """
    steps: list[Step] = []
    if file_format != "jsonl":
        steps.append(
            Step(
                "read_any_format",
                f"Your file is a {file_format.upper()} file.",
                f"Your format {file_format.upper()} will be converted to JSONL",
                necessary=True,
            )
        )
    n = len(table)
    hint = (
        ""
        if n >= rules.MIN_EXAMPLES_HINT
        else ". In general, we recommend having at least a few hundred examples: performance "
        "tends to increase with every doubling of the number of examples"
    )
    steps.append(Step("num_examples", f"Your file contains {n} prompt-completion pairs{hint}"))
    if extra_columns:
        steps.append(
            Step(
                "additional_column",
                "The file should contain exactly two columns/keys per row. Additional "
                f"columns/keys present are: {extra_columns}",
                f"Remove additional columns/keys: {extra_columns}",
                necessary=True,
            )
        )
    empty = (
        [i for i, c in enumerate(table.completions) if c == ""] if "" in table.completions else []
    )
    if empty:
        steps.append(
            Step(
                "empty_completion",
                f"`completion` should not contain empty strings. These are rows: "
                f"{[table.rows[i] for i in empty]}",
                f"Remove {len(empty)} rows with empty completions",
                necessary=True,
            )
        )
        table = table.without(empty)
    analysis = Analysis(table=table, steps=steps)
    if not len(table):
        analysis.error = "no examples are left with a completion"
        return analysis
    _recommend(analysis, expected_rows)
    return analysis


def _recommend(analysis: Analysis, expected_rows: Callable[[int], object] | None) -> None:
    table, steps = analysis.table, analysis.steps
    prompts, completions = table.prompts, table.completions
    kind = rules.task_type(prompts, completions)
    if kind == "classification":
        steps.append(
            Step(
                "task_type",
                "Based on your data it seems like you're fine-tuning a model for classification. "
                "Keep a held-out set to estimate the expected performance.",
            )
        )
    duplicates = rules.duplicate_indexes(prompts, completions)
    if duplicates:
        steps.append(
            Step(
                "duplicated_rows",
                f"There are {len(duplicates)} duplicated prompt-completion sets. These are rows: "
                f"{[table.rows[i] for i in duplicates]}",
                f"Remove {len(duplicates)} duplicate rows",
                apply=lambda t: t.without(rules.duplicate_indexes(t.prompts, t.completions)),
            )
        )
    long: list[int] = []
    if kind != "open-ended generation":
        long = rules.long_indexes(prompts, completions)
        if long:
            steps.append(
                Step(
                    "long_examples",
                    f"There are {len(long)} examples that are very long. These are rows: "
                    f"{[table.rows[i] for i in long]}",
                    f"Remove {len(long)} long examples",
                    apply=lambda t: t.without(rules.long_indexes(*_texts(t.materialized()))),
                )
            )
    if expected_rows is not None and kind == "classification":
        # The other fixes keep every row; the long rows are taken from the deduplicated table.
        expected_rows(len(table) - len(set(duplicates).union(long)))
    joined_prompts = rules.joined(prompts)  # searched and counted by several rules
    for column, texts in (("prompt", prompts), ("completion", completions)):
        if rules.mostly_uppercase(
            texts, joined_texts=joined_prompts if column == "prompt" else None
        ):
            steps.append(
                Step(
                    f"lower_case_{column}",
                    f"More than a third of your `{column}` column/key is uppercase. Uppercase "
                    f"{column}s tend to perform worse than a mixture of case.",
                    f"Lowercase all your data in column/key `{column}`",
                    apply=(
                        (lambda t: t.with_prompts(str.lower))
                        if column == "prompt"
                        else (lambda t: t.with_completions(str.lower))
                    ),
                )
            )
    if kind != "open-ended generation":
        _separator(analysis, prompts, joined_prompts)
        if analysis.error:
            return
    _prefixes(steps, prompts, completions)
    if kind == "conditional generation":
        _ending(analysis, completions)
        if analysis.error:
            return
    if rules.needs_leading_space(completions):
        steps.append(
            Step(
                "completion_space_start",
                "The completion should start with a whitespace character (` `). This tends to "
                "produce better results due to the tokenization.",
                "Add a whitespace character to the beginning of the completion",
                apply=Table.with_leading_space,
            )
        )


def _separator(analysis: Analysis, prompts: list[str], joined_prompts: str) -> None:
    chosen = rules.choose_separator(prompts, joined_prompts=joined_prompts)
    suffix = rules.common_suffix(prompts)
    if all(p == suffix for p in prompts):
        analysis.error = (
            f"All prompts are identical: `{suffix}`. Leave the prompts blank for open-ended "
            "generation, otherwise make them different"
        )
        return
    if suffix:
        found = f"All prompts end with suffix `{shown(suffix, limit=80)}`"
        if any(suffix in p[: -len(suffix)] for p in prompts):
            found += (
                f"\n  WARNING: Some of your prompts contain the suffix `{shown(suffix)}` more "
                "than once. We strongly suggest that you review your prompts and add a unique suffix"
            )
        analysis.steps.append(Step("common_prompt_suffix", found))
        return
    analysis.steps.append(
        Step(
            "common_prompt_suffix",
            "Your data does not contain a common separator at the end of your prompts. A "
            "separator makes it clear to the fine-tuned model where the completion should begin.",
            f"Add a suffix separator `{shown(chosen)}` to all prompts",
            apply=lambda t: t.with_prompt_end(chosen),
        )
    )


def _prefixes(steps: list[Step], prompts: list[str], completions: list[str]) -> None:
    prefix = rules.common_prefix(prompts)
    if prefix and not all(p == prefix for p in prompts):
        if len(prefix) > rules.MAX_PROMPT_PREFIX:
            steps.append(
                Step(
                    "common_prompt_prefix",
                    f"All prompts start with prefix `{shown(prefix, limit=80)}`. Fine-tuning "
                    "doesn't need the instruction repeated in every prompt.",
                    f"Remove prefix `{shown(prefix, limit=80)}` from all prompts",
                    apply=lambda t: t.with_prompt_column(
                        lambda texts: rules.without_prefix(texts, len(prefix))
                    ),
                )
            )
        else:
            steps.append(
                Step("common_prompt_prefix", f"All prompts start with prefix `{shown(prefix)}`")
            )
    cprefix = rules.common_prefix(completions)
    if len(cprefix) >= rules.MIN_COMPLETION_PREFIX and not all(c == cprefix for c in completions):
        keep_space = cprefix[0] == " "
        steps.append(
            Step(
                "common_completion_prefix",
                f"All completions start with prefix `{shown(cprefix, limit=80)}`. Most of the time "
                "you should only add the output data into the completion, without any prefix",
                f"Remove prefix `{shown(cprefix, limit=80)}` from all completions",
                apply=lambda t: t.with_completion_column(
                    lambda texts: rules.without_prefix(
                        texts, len(cprefix), keep=" " if keep_space else ""
                    )
                ),
            )
        )


def _ending(analysis: Analysis, completions: list[str]) -> None:
    suffix = rules.common_suffix(completions)
    if all(c == suffix for c in completions):
        analysis.error = (
            f"All completions are identical: `{suffix}`. Make completions different, otherwise "
            "the model will just repeat it"
        )
        return
    chosen = rules.choose_ending(completions)
    if suffix:
        analysis.steps.append(
            Step("common_completion_suffix", f"All completions end with suffix `{shown(suffix)}`")
        )
        return
    analysis.steps.append(
        Step(
            "common_completion_suffix",
            "Your data does not contain a common ending at the end of your completions. A common "
            "ending makes it clear to the fine-tuned model where the completion should end.",
            f"Add a suffix ending `{shown(chosen)}` to all completions",
            apply=lambda t: t.with_completion_column(
                lambda texts: rules.with_suffix(texts, chosen)
            ),
        )
    )


# --- output ----------------------------------------------------------------------------------


def output_names(path: Path, *, split: bool) -> list[Path]:
    """``<name>_prepared.jsonl`` or ``_prepared_train`` + ``_prepared_valid``; `` (1)`` … when
    taken (the legacy tool's names)."""
    suffixes = ["_train", "_valid"] if split else [""]
    stem = path.with_suffix("")
    i = 0
    while True:
        extra = f" ({i})" if i > 0 else ""
        names = [Path(f"{stem}_prepared{s}{extra}.jsonl") for s in suffixes]
        if not any(n.exists() for n in names):
            return names
        i += 1


def start_legacy_split() -> Ahead | None:
    """A child, forked now while the process is small, that works out ``rules.legacy_split``
    for the row count it is later asked (``expected_rows`` of ``analyse``) while this process
    analyses the rest (about 0.04 s of CPU at 200k rows); None where no child can be forked."""
    from lib.core.forked import start_ahead

    def positions(n: int) -> bytes:
        train, valid = rules.legacy_split(n)
        return array("q", itertools.chain(train, valid)).tobytes()

    return start_ahead(positions)


def split_positions(
    n: int, *, labels: list[str] | None = None, ahead: Ahead | None = None
) -> tuple[Sequence[int], Sequence[int]]:
    """(train positions, valid positions in file order).

    Without labels: the legacy split (pandas ``sample(random_state=42)``): train in the sampled
    order, valid in the original order; from ``ahead`` (``start_legacy_split``) when it was
    asked for ``n`` rows, else worked out here. With labels: stratified (same sizes, each class
    represented in proportion), for ``--stratified``.
    """
    if labels is None:
        answer = ahead.answer(n) if ahead is not None else None
        if answer is None or len(answer) != 8 * n:
            return rules.legacy_split(n)
        order = array("q", answer)
        n_train = n - rules.valid_size(n)
        return order[:n_train], order[n_train:]
    n_valid = rules.valid_size(n)
    import numpy as np

    rng = np.random.RandomState(rules.SPLIT_SEED)
    by_label: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        by_label.setdefault(label, []).append(index)
    valid: list[int] = []
    remainders: list[tuple[float, str]] = []
    for label, indexes in by_label.items():
        exact = len(indexes) * n_valid / n
        take = int(exact)
        remainders.append((exact - take, label))
        shuffled = [indexes[int(i)] for i in rng.permutation(len(indexes))]
        by_label[label] = shuffled
        valid.extend(shuffled[:take])
    for _, label in sorted(remainders, reverse=True)[: n_valid - len(valid)]:
        taken = sum(1 for i in valid if labels[i] == label)
        valid.append(by_label[label][taken])
    chosen = set(valid)
    return [i for i in range(n) if i not in chosen], sorted(valid)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_quote = json.encoder.encode_basestring  # C speed-up


def jsonl_line(record: dict[str, Any]) -> str:
    return _ENCODER.encode(record) + "\n"


_SHORT_ESCAPES = (
    (b"\\", b"\\\\"),
    (b'"', b'\\"'),
    (b"\n", b"\\n"),
    (b"\r", b"\\r"),
    (b"\t", b"\\t"),
)
# Two ASCII control characters standing between a prompt and its completion and between a
# completion and the next prompt while a chunk of lines is escaped as one text (ASCII, so that
# an ASCII chunk stays one byte per character). They are not among the short escapes above.
_AFTER_PROMPT, _AFTER_COMPLETION = "\x1e", "\x1f"
# The control characters, markers included: once the short escapes are done, a chunk escaped in
# bulk holds none but its 2 markers a line (any other is written as \u00XX).
_CONTROL_BYTES = bytes(range(0x20))
_OPEN, _MIDDLE, _CLOSE = b'{"prompt":"', b'","completion":"', b'"}\n'

CHUNK = 16_384  # lines per C pass: big enough to amortise the calls, small enough for the cache


def completion_jsonl_chunk(
    prompts: Sequence[str],
    completions: Sequence[str],
    prompt_end: str = "",
    completion_start: str = "",
) -> bytes:
    """The JSONL lines of these pairs, byte for byte ``jsonl_line``'s (``ensure_ascii=False``),
    each prompt followed by ``prompt_end`` and each completion preceded by ``completion_start``.

    The pairs are joined into one text with a marker after each prompt and after each
    completion, encoded, escaped with a few ``bytes.replace`` passes (JSON escaping is one
    character at a time, so escaping the whole is escaping each part), and the markers become
    the JSON between the strings: C loops over the chunk instead of a call per line. The
    prompt end and completion start stand beside the marker between the two, so they are
    written without a new string per example. A chunk holding a marker or another control
    character (escaped as ``\\u00XX``) is written one line at a time.
    """
    k = len(prompts)
    if not k:
        return b""
    parts = [prompt_end + _AFTER_PROMPT + completion_start] * (4 * k)
    parts[0::4] = prompts
    parts[2::4] = completions
    parts[3::4] = [_AFTER_COMPLETION] * k
    data = "".join(parts).encode("utf-8")
    for raw, escaped in _SHORT_ESCAPES:
        if raw in data:
            data = data.replace(raw, escaped)
    # One pass proves both: no text holds a marker, and none another control character.
    if len(data.translate(None, _CONTROL_BYTES)) == len(data) - 2 * k:
        data = data.replace(_AFTER_PROMPT.encode(), _MIDDLE)
        data = data.replace(_AFTER_COMPLETION.encode(), _CLOSE + _OPEN)
        return b"".join((_OPEN, memoryview(data)[: -len(_OPEN)]))
    return "".join(
        f'{{"prompt":{_quote(p + prompt_end)},"completion":{_quote(completion_start + c)}}}\n'
        for p, c in zip(prompts, completions, strict=True)
    ).encode("utf-8")


def _taken(texts: list[str], positions: Sequence[int]) -> Sequence[str]:
    """``texts`` at these positions (one C call: ``itemgetter`` of many positions)."""
    if len(positions) == 1:
        return [texts[positions[0]]]
    return operator.itemgetter(*positions)(texts) if positions else ()


def write_completion_jsonl(
    path: Path,
    prompts: list[str],
    completions: list[str],
    order: Sequence[int],
    *,
    prompt_end: str = "",
    completion_start: str = "",
) -> None:
    """Write the JSONL lines of the examples at ``order``, all or nothing (a temp file renamed
    into place), a chunk of lines at a time (``completion_jsonl_chunk``)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as handle:
            for start in range(0, len(order), CHUNK):
                chunk = order[start : start + CHUNK]
                handle.write(
                    completion_jsonl_chunk(
                        _taken(prompts, chunk),
                        _taken(completions, chunk),
                        prompt_end,
                        completion_start,
                    )
                )
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_jsonl(path: Path, records: list[dict[str, Any]] | list[str]) -> None:
    """Write all lines (records, or ready JSONL lines), or nothing: a temp file renamed into place."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(r if isinstance(r, str) else jsonl_line(r) for r in records)
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
