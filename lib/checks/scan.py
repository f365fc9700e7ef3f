"""A chat JSONL file's examples as compact per-example facts, computed in one pass.

Why: checking 100,000 chat examples held as Python dicts (plus their rendered prompts and
normalised texts) cost more memory than the cookbook's loop, and most of the time went to
building texts one check after another. Here each example is parsed once (orjson), every
per-example rule the chat checks apply is evaluated once, the texts are tokenized in the same
pass, and only small columns are kept: integers in arrays, role sets and answers as shared
table entries, hashes instead of normalised texts, and the byte offset of each line so that the
few examples a finding needs are read again from the file (``lib.checks.file_datas``). Ranges
of a file are scanned on every core by ``lib.checks.scan_parallel``.

The rules themselves stay where they live (``chat.example_problems``, ``quality.blank_messages``,
``residue.has_markup``, ``view.normalised_key``, ``lib.core.tokens.example_texts``): this module
calls them, and computes inline only what they reduce to for the plain example (tested equal).
A line that the fast parser cannot take as it is (invalid UTF-8, ``NaN``, integers beyond 64
bits, whitespace other than JSON's) is parsed as the reader parses it; a line the reader would
refuse (malformed JSON, not an object, too deep, another schema) raises ``Refused``, and the
caller reads the file with the reader, which names the line and the reason. orjson:
https://github.com/ijl/orjson (``loads`` takes bytes, raises ``JSONDecodeError``, a subclass of
``json.JSONDecodeError``).
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from lib.checks.chat import ROLES, example_problems
from lib.checks.quality import blank_messages
from lib.checks.residue import has_markup
from lib.checks.view import chars_of, normalised_key, roles_of
from lib.core.examples import KNOWN_KEYS, MAX_LABEL_WORDS, extract
from lib.core.tokens import (
    TOKENS_PER_MESSAGE,
    TOKENS_REPLY_PRIMING,
    Encoder,
    example_texts,
)
from lib.datasets.service import MAX_DEPTH, detect_record, json_depth_exceeds

BLOCK_BYTES = 4 << 20
# Repeated texts are counted once per process: every system or developer message of a plain
# example (a shared system prompt), and in other examples any text up to this length (role
# names, short tool arguments); longer ones rarely repeat and would only fill the cache.
CACHED_TEXT_CHARS = 512
FLAG_MESSAGE_LIST = 1
FLAG_BLANK = 2
FLAG_MARKUP = 4
# Byte tables keeping one flag of every example's flags (the others cleared).
_KEEP_FLAG = {
    flag: bytes(byte & flag for byte in range(256))
    for flag in (FLAG_MESSAGE_LIST, FLAG_BLANK, FLAG_MARKUP)
}
_CHAT_KEYS = KNOWN_KEYS["chat"]
# Top-level keys a rule reads besides ``messages``: examples with any of them take the rules.
_KEYS_RULES_READ = frozenset({"tools", "functions", "parallel_tool_calls"})
_json_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


class Refused(Exception):
    """A line the reader would refuse: the caller reads the file the ordinary way."""


def _slow_parse(raw: bytes) -> Any:
    """A line as ``JsonlRecords`` parses it (None for a blank line); Refused where it errs."""
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise Refused from None
    if not text:
        return None
    try:
        try:
            value, end = _json_scan(text, 0)
            if end != len(text):
                value = json.loads(text)
        except StopIteration:
            value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise Refused from None
    return value


def parse_line(raw: bytes, *, check_depth: bool = True) -> tuple[Any, bytes]:
    """(value, the line's text as the reader keeps it) for one line of a chat JSONL file.

    The value is None for a blank line. Raises Refused for what the reader refuses.
    ``check_depth=False``: the caller checks the nesting depth itself (``too_deep``), only
    where it can exceed the reader's limit.
    """
    text = raw.strip()
    if not text:
        return None, text
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        value = _slow_parse(raw)
        if value is None:
            return None, b""
        text = raw.decode("utf-8").strip().encode("utf-8")
    if type(value) is not dict:
        raise Refused
    if check_depth and too_deep(text, value):
        raise Refused
    if not ("messages" in value and value.keys() <= _CHAT_KEYS) and detect_record(value) not in (
        None,
        "chat",
    ):
        raise Refused  # another schema: the reader explains the mix
    return value, text


def too_deep(text: bytes, value: Any) -> bool:
    """Whether the reader refuses the line as nested too deeply (a line with few brackets
    cannot be, and is spared the walk)."""
    return (text.count(b"{") + text.count(b"[")) > MAX_DEPTH and json_depth_exceeds(value)


@dataclass(slots=True)
class Columns:
    """Facts of the examples of one range of the file (or of the whole file, merged)."""

    offsets: array[int] = field(default_factory=lambda: array("q"))
    lines: array[int] = field(default_factory=lambda: array("q"))
    tokens: array[int] = field(default_factory=lambda: array("q"))
    chars: array[int] = field(default_factory=lambda: array("q"))
    role_ids: array[int] = field(default_factory=lambda: array("l"))
    role_sets: list[frozenset[str]] = field(default_factory=list)
    flags: bytearray = field(default_factory=bytearray)
    problems: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    # Python's hash of the prompt's ``normalised_key`` and of the line: forked processes share
    # the hash seed, and equal hashes are only candidates, confirmed on the texts read again.
    prompt_digests: array[int] = field(default_factory=lambda: array("q"))
    raw_digests: array[int] = field(default_factory=lambda: array("q"))
    # Answers as ids into ``answers`` while the file may still be classification data; None
    # once there are too many distinct labels for that (then no check needs them all).
    answer_ids: array[int] | None = field(default_factory=lambda: array("l"))
    answers: list[str] | None = field(default_factory=list)
    newlines: int = 0

    def __len__(self) -> int:
        return len(self.tokens)


EncoderSource = Encoder | Callable[[], Encoder]


@dataclass(slots=True)
class Labels:
    """The distinct labels (stripped answers) one process has seen over all its ranges, to
    know when the file cannot be classification data: ``is_classification`` wants fewer labels
    than a third of the examples and at most half of them long, and ``limit`` (a third of the
    file's lines) is at least a third of its examples. Past either bound no check needs the
    answers."""

    limit: float
    seen: set[str] = field(default_factory=set)
    long: int = 0
    exceeded: bool = False

    def add(self, label: str) -> None:
        if label in self.seen:
            return
        self.seen.add(label)
        # Splitting stops once the label is known to be long (most answers of chat data are).
        if len(label.split(maxsplit=MAX_LABEL_WORDS)) > MAX_LABEL_WORDS:
            self.long += 1
        if len(self.seen) >= self.limit or 2 * self.long >= self.limit:
            self.exceeded = True
            self.seen.clear()

    @staticmethod
    def drop_answers(columns: Columns) -> None:
        columns.answer_ids = columns.answers = None


def flagged(flags: bytearray, flag: int) -> list[int]:
    """Indexes of the examples whose ``flags`` hold ``flag`` (one of the ``FLAG_`` values).

    Found in C: a byte table keeps only that flag, then ``find`` jumps from one flagged example
    to the next (most files have none or few; a Python loop looked at all 100k).
    """
    only = flags.translate(_KEEP_FLAG[flag])
    marker = bytes([flag])
    found: list[int] = []
    at = only.find(marker)
    while at >= 0:
        found.append(at)
        at = only.find(marker, at + 1)
    return found


def scan_range(
    path: Path, start: int, end: int, *, encoder: EncoderSource, labels: Labels
) -> Columns:
    """The facts of the lines that start in ``[start, end)`` (``start`` begins a line).

    ``lines`` are numbered from 1 within the range; ``newlines`` counts the range's line ends.
    ``encoder`` may also be a function that loads it (each process then loads its own after
    the fork); the check passes one loaded before the fork, which the processes share: on
    idle cores both ways take the same wall time, and sharing spares each extra process
    importing tiktoken and loading the BPE file (~0.1 s of CPU).
    """
    if not isinstance(encoder, Encoder):
        encoder = encoder()
    out = Columns()
    role_index: dict[frozenset[str], int] = {}
    answer_index: dict[str, int] = {}
    if labels.exceeded:
        Labels.drop_answers(out)
    cache: dict[str, int] = {}
    count = encoder.count
    role_tokens = {role: count(role) for role in ROLES}

    def tokens_of(texts: list[str]) -> int:
        total = 0
        for piece in texts:
            if len(piece) <= CACHED_TEXT_CHARS:
                known = cache.get(piece)
                if known is None:
                    known = cache[piece] = count(piece)
                total += known
            else:
                total += count(piece)
        return total

    # Bound methods looked up once: the loop body runs once per example.
    add_offset, add_line, add_tokens = out.offsets.append, out.lines.append, out.tokens.append
    add_chars, add_role, add_flags = out.chars.append, out.role_ids.append, out.flags.append
    add_prompt, add_raw = out.prompt_digests.append, out.raw_digests.append
    number = 0
    offset = start
    for raw in _lines(path, start, end):
        number += 1
        line_start = offset
        offset += len(raw) + 1
        value, text = parse_line(raw, check_depth=False)
        if value is None:
            continue
        plain = _plain_messages(value)
        # A plain example with no other key is 3 levels deep: only others can be too deep.
        if (plain is None or len(value) != 1) and too_deep(text, value):
            raise Refused
        add_offset(line_start)
        add_line(number)
        if plain is not None:
            roles_list, contents = plain
            last = _last_assistant(roles_list)
            n_tokens = TOKENS_REPLY_PRIMING + TOKENS_PER_MESSAGE * len(contents)
            n_tokens += sum(map(role_tokens.__getitem__, roles_list))
            for role, content in zip(roles_list, contents, strict=True):
                if role == "system" or role == "developer":  # the usual repeated texts
                    known = cache.get(content)
                    if known is None:
                        known = cache[content] = count(content)
                    n_tokens += known
                else:
                    n_tokens += count(content)
            chars = sum(map(len, contents))
            roles = frozenset(roles_list)
            problems = [] if last >= 0 else list(example_problems(value))
            flags = FLAG_MESSAGE_LIST
            if "" in contents or any(map(str.isspace, contents)):  # what strip() leaves empty
                flags |= FLAG_BLANK
            turns = len(contents) if last < 0 else last
            # The prompt as ``extract`` renders it; the usual one or two turns without a loop.
            if turns == 2:
                prompt = f"{roles_list[0]}: {contents[0]}\n{roles_list[1]}: {contents[1]}"
            elif turns == 1:
                prompt = f"{roles_list[0]}: {contents[0]}"
            else:
                prompt = "\n".join(
                    [f"{r}: {c}" for r, c in zip(roles_list[:turns], contents[:turns], strict=True)]
                )
            answer = contents[last] if last >= 0 else ""
        else:
            texts, n_tokens = example_texts("chat", value)
            n_tokens += tokens_of(texts)
            chars = chars_of("chat", value)
            roles = roles_of(value)
            problems = list(example_problems(value))
            flags = FLAG_MESSAGE_LIST if isinstance(value.get("messages"), list) else 0
            if blank_messages(value, "chat"):
                flags |= FLAG_BLANK
            extracted = extract("chat", value)
            prompt, answer = extracted.prompt, extracted.completion
        add_tokens(n_tokens)
        add_chars(chars)
        role_id = role_index.get(roles)
        if role_id is None:
            role_id = role_index[roles] = len(out.role_sets)
            out.role_sets.append(roles)
        add_role(role_id)
        if problems:
            out.problems[len(out.tokens) - 1] = problems
        if has_markup(prompt + "\n" + answer):
            flags |= FLAG_MARKUP
        add_flags(flags)
        add_prompt(hash(normalised_key(prompt)))
        add_raw(hash(text))
        if out.answer_ids is not None and out.answers is not None:
            answer_id = answer_index.get(answer)
            if answer_id is None:
                answer_id = answer_index[answer] = len(out.answers)
                out.answers.append(answer)
                label = answer.strip()
                if label:
                    labels.add(label)
                    if labels.exceeded:
                        Labels.drop_answers(out)
                        answer_index.clear()
                        continue
            out.answer_ids.append(answer_id)
    out.newlines = number - 1 if end >= path.stat().st_size else number
    return out


def _plain_messages(value: dict[str, Any]) -> tuple[list[str], list[str]] | None:
    """(roles, contents) of the common example: ``messages`` (other keys ignored, but no tools
    or functions), each message exactly a known ``role`` and a text ``content``. For those the
    rules reduce to what ``scan_range`` computes inline (``tests/unit/checks/test_scan.py``
    holds it equal to the general rules); anything else goes through the rules themselves."""
    if len(value) != 1 and not _KEYS_RULES_READ.isdisjoint(value):
        return None
    messages = value.get("messages")
    if type(messages) is not list or not messages:
        return None
    roles: list[str] = []
    contents: list[str] = []
    for message in messages:
        if type(message) is not dict or len(message) != 2:
            return None
        role = message.get("role")
        content = message.get("content")
        if type(content) is not str or type(role) is not str or role not in ROLES:
            return None
        roles.append(role)
        contents.append(content)
    return roles, contents


def _last_assistant(roles: list[str]) -> int:
    for index in range(len(roles) - 1, -1, -1):
        if roles[index] == "assistant":
            return index
    return -1


def _lines(path: Path, start: int, end: int) -> Iterator[bytes]:
    """The lines (without ``\\n``) starting in ``[start, end)``, read in large blocks."""
    with open(path, "rb") as handle:
        handle.seek(start)
        left = end - start
        rest = b""
        while left > 0:
            block = handle.read(min(BLOCK_BYTES, left))
            if not block:
                break
            left -= len(block)
            pieces = (rest + block).split(b"\n")
            rest = pieces.pop()
            yield from pieces
        if rest or end >= os.fstat(handle.fileno()).st_size:
            # The file's last line (no \n after it); at the end, "" stands for the empty
            # line after a final \n, which the reader counts too.
            yield rest


def merge(parts: Sequence[Columns]) -> Columns:
    """One file's columns from its ranges' (line numbers made file-wide)."""
    out = Columns()
    role_index: dict[frozenset[str], int] = {}
    answer_index: dict[str, int] = {}
    base_line = 0
    for part in parts:
        base = len(out)
        out.offsets.extend(part.offsets)
        out.lines.extend(array("q", map(base_line.__add__, part.lines)))  # map: a C loop
        base_line += part.newlines
        out.tokens.extend(part.tokens)
        out.chars.extend(part.chars)
        out.flags += part.flags
        out.prompt_digests.extend(part.prompt_digests)
        out.raw_digests.extend(part.raw_digests)
        remap = [role_index.setdefault(roles, len(role_index)) for roles in part.role_sets]
        if remap == list(range(len(remap))):  # the usual case: sets met in the same order
            out.role_ids.extend(part.role_ids)
        else:
            out.role_ids.extend(array("l", map(remap.__getitem__, part.role_ids)))
        out.problems.update({base + i: found for i, found in part.problems.items()})
        if out.answer_ids is None or part.answer_ids is None or part.answers is None:
            out.answer_ids = out.answers = None
            continue
        remap = [answer_index.setdefault(answer, len(answer_index)) for answer in part.answers]
        out.answer_ids.extend(array("l", map(remap.__getitem__, part.answer_ids)))
    out.role_sets = list(role_index)
    if out.answer_ids is not None:
        out.answers = list(answer_index)
    return out
