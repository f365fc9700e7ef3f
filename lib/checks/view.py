"""The view checks read: a dataset as parallel lists, built once, cheap to scan.

Why columns and not objects: 200,000 rows must be checked in well under a few seconds, and
most checks look at one field of every row (prompt, completion, label). Lists of strings let
them use C-speed builtins (``set``, ``str.join``, ``os.path.commonprefix``) instead of a Python
loop per row. The same view is built from a file (command line) or a stored dataset (app);
store ids and versions come along so that a fix can be applied as one undoable batch.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lib.core.examples import Example, content_text, extract

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lib.checks.scan import Columns
    from lib.core.tokens import TokenStats


_PUNCT_TO_SPACE = dict.fromkeys(
    map(ord, string.punctuation + "–—‐‑‘’‚“”„«»‹›…·•¡¿、。，！？：；（）【】「」『』"), " "
)


# The same mapping for ASCII text, as byte tables: upper case to lower (casefold is lower for
# ASCII), punctuation to space, and the separators str.split() treats as whitespace but
# bytes.split() does not (\x1c-\x1f) to space; for keys, punctuation and whitespace deleted.
_ASCII_SEPARATORS = "\x1c\x1d\x1e\x1f"
_ASCII_TABLE = bytes.maketrans(
    (string.ascii_uppercase + string.punctuation + _ASCII_SEPARATORS).encode(),
    (string.ascii_lowercase + " " * (len(string.punctuation) + len(_ASCII_SEPARATORS))).encode(),
)
_ASCII_LOWER = bytes.maketrans(string.ascii_uppercase.encode(), string.ascii_lowercase.encode())
_ASCII_GAPS = (string.punctuation + string.whitespace + _ASCII_SEPARATORS).encode()


def normalised_key(text: str) -> bytes:
    """``normalise_text(text)`` without its spaces, as bytes: equal for texts whose normalised
    forms are equal (and, rarely, for a few others, such as "ab c" and "a bc"), so it groups
    candidates that are then compared with ``normalise_text``. ASCII text takes one C call."""
    if text.isascii():
        return text.encode().translate(_ASCII_LOWER, delete=_ASCII_GAPS)
    return normalise_text(text).replace(" ", "").encode("utf-8", "surrogatepass")


def normalise_text(text: str) -> str:
    """Casefolded, with punctuation and whitespace runs collapsed to one space.

    ``str.translate`` + ``split`` instead of a Unicode regex: several times faster on 200k rows;
    ASCII text goes through a byte table, several times faster again.
    """
    if text.isascii():
        return b" ".join(text.encode().translate(_ASCII_TABLE).split()).decode()
    return " ".join(text.casefold().translate(_PUNCT_TO_SPACE).split())


@dataclass(slots=False)
class View:
    """A dataset (or file) to check; index ``i`` of each list is the same example."""

    schema: str
    datas: list[dict[str, Any]]
    source_rows: list[int]
    completions: list[str]
    # Chat prompts (all turns before the answer, rendered as text) cost a pass of string
    # building; they are made on first use (``prompts``) unless given.
    prompt_texts: list[str] | None = None
    example_ids: list[int] | None = None
    versions: list[int] | None = None
    model: str = ""
    context_limits: Mapping[str, int] | None = None
    file_name: str | None = None
    dataset_id: int | None = None
    data_version: int | None = None
    # Reader facts the legacy checks report (extra columns, renamed columns …).
    source_meta: dict[str, Any] = field(default_factory=dict)
    # The JSON text of each example as read (JSONL), when the reader had it: cheap equality.
    raws: list[str | None] | None = None
    # A chat JSONL file scanned into compact columns (``lib.checks.scan``): ``datas`` then
    # parses examples again from the file when asked, and checks read the scan's columns.
    facts: Columns | None = None

    def __len__(self) -> int:
        return len(self.datas)

    def rows_of(self, indexes: Iterable[int]) -> list[int]:
        return [self.source_rows[i] for i in indexes]

    def ids_of(self, indexes: Iterable[int]) -> list[int]:
        if self.example_ids is None:
            return []
        return [self.example_ids[i] for i in indexes]

    @property
    def prompts(self) -> list[str]:
        if self.prompt_texts is None:
            self.prompt_texts = [extract(self.schema, d).prompt for d in self.datas]
        return self.prompt_texts

    def prompt_at(self, index: int) -> str:
        """One example's prompt (a scanned file reads that example again instead of
        rendering every prompt)."""
        if self.prompt_texts is None and self.facts is not None:
            return extract(self.schema, self.datas[index]).prompt
        return self.prompts[index]

    @cached_property
    def char_lengths(self) -> list[int]:
        """Characters of text per example (prompt + completion; for chat all message texts)."""
        if self.schema == "completion" or self.prompt_texts is not None:
            return [len(p) + len(c) for p, c in zip(self.prompts, self.completions, strict=True)]
        if self.facts is not None:
            return list(self.facts.chars)
        return [chars_of(self.schema, d) for d in self.datas]

    @cached_property
    def roles(self) -> list[frozenset[str]]:
        """The roles of each chat example's messages (empty for other schemas)."""
        if self.facts is not None:
            sets = self.facts.role_sets
            return [sets[i] for i in self.facts.role_ids]
        return [roles_of(data) for data in self.datas]

    @cached_property
    def message_lists(self) -> list[bool]:
        """Whether each example is an object with a ``messages`` list (chat)."""
        if self.facts is not None:
            from lib.checks.scan import FLAG_MESSAGE_LIST

            return [bool(f & FLAG_MESSAGE_LIST) for f in self.facts.flags]
        return [isinstance(d, dict) and isinstance(d.get("messages"), list) for d in self.datas]

    def lacking_roles(self, accept: frozenset[str]) -> list[int]:
        """Chat examples with a messages list but no message of a role in ``accept`` (a
        scanned file decides once per distinct set of roles)."""
        if self.facts is None:
            return [
                i
                for i, (listed, roles) in enumerate(
                    zip(self.message_lists, self.roles, strict=True)
                )
                if listed and not roles & accept
            ]
        from lib.checks.scan import FLAG_MESSAGE_LIST

        lacking = {i for i, roles in enumerate(self.facts.role_sets) if not roles & accept}
        if not lacking:  # the usual case for most roles
            return []
        flags = self.facts.flags
        # Candidates picked in C (compress over a membership map), the flag tested on them only.
        candidates = compress(range(len(flags)), map(lacking.__contains__, self.facts.role_ids))
        return [i for i in candidates if flags[i] & FLAG_MESSAGE_LIST]

    def prompt_groups(self) -> list[tuple[str, list[int]]]:
        """(normalised prompt, indexes) for each prompt that two or more examples share after
        normalisation, in order of first appearance: what near-duplicate and conflicting-label
        checks compare. A scanned file groups by hash and confirms on the texts."""
        if self.facts is None:
            groups: dict[str, list[int]] = {}
            for index, key in enumerate(self.normalised_prompts):
                groups.setdefault(key, []).append(index)
            return [(key, found) for key, found in groups.items() if len(found) > 1]
        from lib.checks.scanned_view import prompt_groups

        return prompt_groups(self)

    @cached_property
    def normalised_prompts(self) -> list[str]:
        """``normalise_text`` of each prompt, once for every check that compares prompts."""
        return [normalise_text(p) for p in self.prompts]

    @cached_property
    def labels(self) -> list[str]:
        """Completions without surrounding whitespace: what a classifier's class is."""
        return [c.strip() for c in self.completions]

    @cached_property
    def tokens(self) -> TokenStats:
        """Token counts with the view's model (counted once, on first use)."""
        from lib.core.tokens import (
            DEFAULT_MODEL,
            TokenStats,
            context_limit,
            count_examples,
            get_encoder,
        )

        if self.facts is not None:
            model = self.model or DEFAULT_MODEL
            encoder = get_encoder(model)
            return TokenStats(
                model=model,
                encoding=encoder.name,
                approximate=encoder.approximate,
                per_example=self.facts.tokens.tolist(),
                context_limit=context_limit(model, table=self.context_limits),
            )
        return count_examples(
            self.schema,
            self.datas,
            model=self.model or DEFAULT_MODEL,
            context_limits=self.context_limits,
        )

    @cached_property
    def task_type(self) -> str:
        """prepare_data's inference: open-ended / classification / conditional generation."""
        if self.schema != "completion":
            return "chat" if self.schema == "chat" else "preference"
        return legacy_task_type(self.prompts, self.completions)


def legacy_task_type(prompts: list[str], completions: list[str]) -> str:
    """prepare_data's ``infer_task_type``: no prompt text → open-ended; fewer unique
    completions than a third of the rows → classification; else conditional generation."""
    if not any(prompts):
        return "open-ended generation"
    if len(set(completions)) < len(completions) / 3:
        return "classification"
    return "conditional generation"


def duplicate_indexes(view: View) -> list[int]:
    """Rows repeating an earlier example: same prompt-completion pair (prepare_data's rule),
    or the same JSON object for chat and preference data."""
    from lib.checks.legacy_rules import duplicate_indexes as pair_duplicates

    if view.schema == "completion":
        return pair_duplicates(view.prompts, view.completions)
    if view.facts is not None:
        from lib.checks.scanned_view import duplicate_indexes as scanned_duplicates

        return scanned_duplicates(view)
    seen: set[str] = set()
    found = []
    raws = view.raws or []
    for index, data in enumerate(view.datas):
        raw = raws[index] if index < len(raws) else None
        key = raw if raw is not None else json.dumps(data, sort_keys=True, ensure_ascii=False)
        if key in seen:
            found.append(index)
        else:
            seen.add(key)
    return found


def _answer(schema: str, data: Any) -> str:
    """The completion as ``lib.core.examples.extract`` gives it, without rendering the prompt."""
    if schema == "chat" and isinstance(data, dict):
        messages = data.get("messages")
        if isinstance(messages, list):
            for message in reversed(messages):
                if isinstance(message, dict) and message.get("role") == "assistant":
                    content = message.get("content")
                    if type(content) is str and content:  # what extract gives, faster
                        return content
                    return extract(schema, {"messages": [message]}).completion
        return ""
    return extract(schema, data).completion if isinstance(data, dict) else ""


def example_messages(schema: str, data: Any, *, rejected: bool = True) -> list[Any]:
    """The messages of a chat or preference example (preference: input, then the preferred
    output, then the rejected one unless ``rejected`` is False)."""
    if not isinstance(data, dict):
        return []
    if schema == "chat":
        messages = data.get("messages")
        return messages if isinstance(messages, list) else []
    found: list[Any] = []
    source = data.get("input")
    if isinstance(source, dict) and isinstance(source.get("messages"), list):
        found.extend(source["messages"])
    for key in ("preferred_output", "non_preferred_output") if rejected else ("preferred_output",):
        if isinstance(data.get(key), list):
            found.extend(data[key])
    return found


def roles_of(data: Any) -> frozenset[str]:
    """The roles of a chat example's messages (empty without a messages list)."""
    messages = data.get("messages") if isinstance(data, dict) else None
    if isinstance(messages, list):
        return frozenset([str(m.get("role")) for m in messages if isinstance(m, dict)])
    return frozenset()


def answer_of(data: Any) -> str:
    """A chat example's completion (the last assistant message's text)."""
    return _answer("chat", data)


def chars_of(schema: str, data: Any) -> int:
    total = 0
    for message in example_messages(schema, data, rejected=False):
        if type(message) is dict or isinstance(message, dict):
            content = message.get("content")
            total += len(content) if type(content) is str else len(content_text(content))
    return total


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "" if value is None else str(value)


def view_from_datas(
    schema: str,
    datas: list[dict[str, Any]],
    *,
    source_rows: list[int] | None = None,
    model: str = "",
    context_limits: Mapping[str, int] | None = None,
    file_name: str | None = None,
) -> View:
    """A view over plain data dicts (tests, the prepare pipeline, converted data)."""
    rows = source_rows if source_rows is not None else list(range(1, len(datas) + 1))
    prompts: list[str] | None = None
    if schema == "completion":
        prompts = [_text(d.get("prompt")) for d in datas]
        completions = [_text(d.get("completion")) for d in datas]
    else:
        completions = [_answer(schema, d) for d in datas]
    return View(
        schema=schema,
        datas=datas,
        source_rows=rows,
        prompt_texts=prompts,
        completions=completions,
        model=model,
        context_limits=context_limits,
        file_name=file_name,
    )


def view_from_examples(
    schema: str,
    examples: Iterable[Example],
    *,
    model: str = "",
    context_limits: Mapping[str, int] | None = None,
    file_name: str | None = None,
) -> View:
    datas: list[dict[str, Any]] = []
    rows: list[int] = []
    raws: list[str | None] = []
    for example in examples:
        datas.append(example.data)
        rows.append(example.source_row)
        raws.append(example.raw_json)
    view = view_from_datas(
        schema,
        datas,
        source_rows=rows,
        model=model,
        context_limits=context_limits,
        file_name=file_name,
    )
    if all(raw is not None for raw in raws):
        view.raws = raws
    return view


def view_from_file(
    path: str | Path,
    *,
    model: str = "",
    context_limits: Mapping[str, int] | None = None,
) -> View:
    """Read a file with Tunelab's readers (ReadError on a bad file) into a view."""
    from lib.datasets.service import read_examples

    file_name = Path(path).name
    reading = read_examples(Path(path), file_name=file_name)
    if reading.format == "jsonl" and reading.schema == "chat" and reading.mapping is None:
        from lib.checks.scanned_view import view_from_scan

        scanned = view_from_scan(Path(path), reading.encoding, model, context_limits)
        if scanned is not None:
            return scanned
    view = view_from_examples(
        reading.schema,
        reading.examples(),
        model=model,
        context_limits=context_limits,
        file_name=str(path),
    )
    return view


def view_from_store(
    engine: Engine,
    dataset_id: int,
    *,
    model: str = "",
    context_limits: Mapping[str, int] | None = None,
) -> View:
    """A view of a stored dataset's live examples, with ids and versions for fixes."""
    from lib.core.example_store import iter_examples
    from lib.datasets.service import get_dataset

    with engine.connect() as conn:
        info = get_dataset(conn, dataset_id)
    datas: list[dict[str, Any]] = []
    rows: list[int] = []
    prompts: list[str] = []
    completions: list[str] = []
    ids: list[int] = []
    versions: list[int] = []
    for row in iter_examples(engine, dataset_id):
        datas.append(row.data)
        rows.append(row.source_row if row.source_row is not None else row.position)
        ids.append(row.id)
        versions.append(row.version)
        if info.schema == "completion":
            prompts.append(_text(row.data.get("prompt")))
            completions.append(_text(row.data.get("completion")))
        else:
            prompts.append(row.prompt)
            completions.append(row.completion)
    return View(
        schema=info.schema,
        datas=datas,
        source_rows=rows,
        prompt_texts=prompts,
        completions=completions,
        example_ids=ids,
        versions=versions,
        model=model,
        context_limits=context_limits,
        file_name=info.name,
        dataset_id=dataset_id,
        data_version=info.data_version,
    )
