"""prepare_data's rules as fast pure functions over lists of strings.

The same rules, thresholds and candidate orders as openai 0.28.1 ``validators.py`` (the legacy
``openai tools fine_tunes.prepare_data``), so that ``python -m lib prepare`` writes the same
examples. Written over whole columns with C-speed builtins (``str.join``, ``set``,
``collections.Counter``, ``os.path.commonprefix``) instead of per-row Python lambdas.
"""

from __future__ import annotations

import itertools
import operator
import os
import random
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable

from lib.core.convert import (
    ENDING_CANDIDATES,
    FALLBACK_ENDING,
    FALLBACK_SEPARATOR,
    SEPARATOR_CANDIDATES,
)
from lib.core.examples import labels_are_classification

MIN_EXAMPLES_HINT = 100
LONG_EXAMPLE_CHARS = 10_000
MAX_PROMPT_PREFIX = 12  # a longer common prompt prefix is worth removing
MIN_COMPLETION_PREFIX = 5  # a common completion prefix this long is worth removing
MAX_VALID_EXAMPLES = 1000
SPLIT_SEED = 42

# The candidates and fallbacks, in prepare_data's order, are shared with the format conversion.
SEPARATOR_FALLBACK = FALLBACK_SEPARATOR
ENDING_FALLBACK = FALLBACK_ENDING

_REVERSED = operator.itemgetter(slice(None, None, -1))
# ASCII uppercase letter → 1, lowercase → 2, any other byte → 0.
_LETTER_CLASS = bytes(1 if 65 <= b <= 90 else 2 if 97 <= b <= 122 else 0 for b in range(256))
_ASCII_BYTES = bytes(range(128))
_SAMPLE = 64  # texts whose common prefix/suffix is tried first against all the others
_JOIN = "\x00"  # no candidate holds it, so a match in the joined text lies within one string


def joined(texts: list[str]) -> str:
    """The column as one string, for the rules below that search or count over all of it
    (computed once per column and passed to each)."""
    return _JOIN.join(texts)


def any_contains(texts: list[str], needle: str) -> bool:
    """Whether any text contains ``needle`` (one substring search over the joined column)."""
    return needle in joined(texts)


def common_prefix(texts: list[str]) -> str:
    """The longest prefix of every text: the prefix common to the first few texts, shortened
    at each text that does not start with it (one pass that stops only to shorten it, none
    once it is empty)."""
    candidate = os.path.commonprefix(texts[:_SAMPLE])
    rest = iter(_distinct_or_all(texts) if candidate else ())
    while candidate:
        other = next(
            itertools.filterfalse(operator.methodcaller("startswith", candidate), rest), None
        )
        if other is None:
            break
        candidate = os.path.commonprefix([candidate, other])
    return candidate


def common_suffix(texts: list[str]) -> str:
    """The longest suffix of every text (as ``common_prefix``)."""
    candidate = os.path.commonprefix(list(map(_REVERSED, texts[:_SAMPLE])))[::-1]
    rest = iter(_distinct_or_all(texts) if candidate else ())
    while candidate:
        other = next(
            itertools.filterfalse(operator.methodcaller("endswith", candidate), rest), None
        )
        if other is None:
            break
        candidate = os.path.commonprefix([candidate[::-1], other[::-1]])[::-1]
    return candidate


def none_start_with(texts: list[str], prefix: str) -> bool:
    return not any(map(operator.methodcaller("startswith", prefix), _distinct_or_all(texts)))


# The fixes, column at a time with C-level ``map`` (no Python call per text).


def _few_distinct(texts: list[str]) -> dict[str, None] | None:
    """The distinct texts of a column that repeats a few values (labels), else None: judged
    from a sample first, so that a column of distinct prompts pays for no set."""
    if len(texts) < 1024 or len(set(texts[:256])) > 32:
        return None
    distinct = dict.fromkeys(texts)
    return distinct if len(distinct) * 8 <= len(texts) else None


def _distinct_or_all(texts: list[str]) -> Iterable[str]:
    distinct = _few_distinct(texts)
    return texts if distinct is None else distinct


def _changed(texts: list[str], change: Callable[[list[str]], list[str]]) -> list[str]:
    """``change`` of the column; for a column of a few repeated labels, ``change`` of each
    distinct label only (no new string per example)."""
    distinct = _few_distinct(texts)
    if distinct is None:
        return change(texts)
    keys = list(distinct)
    return list(map(dict(zip(keys, change(keys), strict=True)).__getitem__, texts))


def with_suffix(texts: list[str], suffix: str) -> list[str]:
    return _changed(texts, lambda ts: list(map(operator.add, ts, itertools.repeat(suffix))))


def with_prefix(texts: list[str], prefix: str) -> list[str]:
    return _changed(texts, lambda ts: list(map(operator.add, itertools.repeat(prefix), ts)))


def without_prefix(texts: list[str], length: int, *, keep: str = "") -> list[str]:
    """Texts without their first ``length`` characters, ``keep`` put in front instead."""

    def change(ts: list[str]) -> list[str]:
        cut = list(map(operator.itemgetter(slice(length, None)), ts))
        return list(map(operator.add, itertools.repeat(keep), cut)) if keep else cut

    return _changed(texts, change)


def with_leading_space(texts: list[str]) -> list[str]:
    """A space in front of each text that does not start with one."""
    return _changed(texts, _with_leading_space)


def _with_leading_space(texts: list[str]) -> list[str]:
    if not any(map(operator.methodcaller("startswith", " "), texts)):
        return list(map(operator.add, itertools.repeat(" "), texts))
    return [t if t[:1] == " " else " " + t for t in texts]


def choose_separator(prompts: list[str], *, joined_prompts: str | None = None) -> str:
    """The first candidate no prompt contains (`` ->`` only when no prompt has a newline)."""
    text = joined(prompts) if joined_prompts is None else joined_prompts
    for candidate in SEPARATOR_CANDIDATES:
        if candidate == " ->" and "\n" in text:
            continue
        if candidate in text:
            continue
        return candidate
    return SEPARATOR_FALLBACK


def choose_ending(completions: list[str]) -> str:
    """The first ending candidate no completion contains."""
    text = joined(completions)
    for candidate in ENDING_CANDIDATES:
        if candidate not in text:
            return candidate
    return ENDING_FALLBACK


def letter_case_counts(texts: list[str], *, joined_texts: str | None = None) -> tuple[int, int]:
    """(uppercase letters, lowercase letters) over all texts, as ``isalpha() and isupper()``.

    ASCII letters are classified by one ``bytes.translate`` over the UTF-8 text and counted
    with ``bytes.count`` (C loops over 25 MB instead of a Python loop per character); only the non-ASCII characters (UTF-8 bytes ≥ 0x80, which deleting the ASCII
    bytes leaves whole) are counted with ``Counter``, one distinct character at a time.
    """
    text = joined(texts) if joined_texts is None else joined_texts
    data = text.encode("utf-8", "surrogatepass")
    classes = data.translate(_LETTER_CLASS)
    upper, lower = classes.count(1), classes.count(2)
    if text.isascii():
        return upper, lower
    rest = data.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
    for char, n in Counter(rest).items():
        if char.isalpha():
            if char.isupper():
                upper += n
            elif char.islower():
                lower += n
    return upper, lower


_NOT_UPPER = bytes(b for b in range(256) if not 65 <= b <= 90)
_COMMON_LOWER = b"etaoins"  # the commonest lowercase letters of English text, in that order


def mostly_uppercase(texts: list[str], *, joined_texts: str | None = None) -> bool:
    """prepare_data's rule: more than a third of the letters are uppercase.

    For ASCII text the uppercase letters are counted by deleting every other byte (one C pass
    that keeps few bytes), and the lowercase letters are bounded from below by counting the
    commonest ones: as soon as twice the uppercase count is within that bound the answer is
    no, without the exact count (``letter_case_counts``) that decides the other cases.
    """
    text = joined(texts) if joined_texts is None else joined_texts
    if text.isascii():
        data = text.encode("ascii")
        upper = len(data.translate(None, _NOT_UPPER))
        if not upper:
            return False
        lower_at_least = 0
        for letter in _COMMON_LOWER:
            lower_at_least += data.count(letter)
            if upper * 2 <= lower_at_least:
                return False
    upper, lower = letter_case_counts(texts, joined_texts=text)
    return upper * 2 > lower


def duplicate_indexes(prompts: list[str], completions: list[str]) -> list[int]:
    """Indexes of rows whose (prompt, completion) appeared on an earlier row."""
    if len(set(prompts)) == len(prompts):
        return []  # unique prompts: no pair can repeat (string hashes are cached, C speed)
    pairs = list(zip(prompts, completions, strict=True))
    seen: set[tuple[str, str]] = set()
    duplicates: list[int] = []
    add = seen.add
    for index, pair in enumerate(pairs):
        if pair in seen:
            duplicates.append(index)
        else:
            add(pair)
    return duplicates


def long_indexes(prompts: list[str], completions: list[str]) -> list[int]:
    """Rows whose prompt and completion together exceed 10,000 characters."""
    if max(map(len, prompts), default=0) + max(map(len, completions), default=0) <= (
        LONG_EXAMPLE_CHARS
    ):
        return []  # no pair can be too long (two C passes, no list of sums)
    lengths = list(map(operator.add, map(len, prompts), map(len, completions)))
    return [i for i, n in enumerate(lengths) if n > LONG_EXAMPLE_CHARS]


def task_type(prompts: list[str], completions: list[str]) -> str:
    """open-ended generation / classification / conditional generation (prepare_data's rule)."""
    if not any(prompts):
        return "open-ended generation"
    if labels_are_classification(completions):
        return "classification"
    return "conditional generation"


def needs_leading_space(completions: list[str]) -> bool:
    """prepare_data: completions should all start with a space."""
    if not completions:
        return False
    return any(not c.startswith(" ") for c in completions)


def valid_size(n: int) -> int:
    """Rows the legacy split puts in the validation file: n − max(n − 1000, int(0.8 n))."""
    return n - max(n - MAX_VALID_EXAMPLES, int(n * 0.8))


def legacy_split(n: int) -> tuple[list[int], list[int]]:
    """(train positions in the legacy file's order, valid positions in file order), from
    ``legacy_permutation(n, SPLIT_SEED)``: the valid rows are the permutation's tail, sorted
    (no set of 200k positions to test every row against)."""
    order = legacy_permutation(n, SPLIT_SEED)
    n_train = n - valid_size(n)
    return order[:n_train], sorted(order[n_train:])


def legacy_permutation(n: int, seed: int) -> list[int]:
    """``numpy.random.RandomState(seed).permutation(n)`` in plain Python, same numbers.

    RandomState seeds MT19937 with ``init_genrand(seed)`` and shuffles with Fisher-Yates,
    drawing each index as 32-bit outputs masked to the smallest all-ones mask and rejected
    while too big. Python's ``random`` is the same MT19937, so its state is set to that seed
    and ``getrandbits(32)`` gives the same outputs. Twice as fast as importing numpy for it
    (0.16 s vs 0.32 s for 200k rows), which is most of ``prepare``'s start-up; drawing the
    outputs in chunks and one mask per bit length took it from 0.11 s to 0.04 s.
    """
    if n > 0xFFFFFFFF:  # numpy draws 64-bit numbers there; not reached by real files
        import numpy as np

        return [int(i) for i in np.random.RandomState(seed).permutation(n)]
    state = [seed & 0xFFFFFFFF]
    for i in range(1, 624):
        prev = state[-1]
        state.append((1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF)
    rng = random.Random()
    rng.setstate((3, (*state, 624), None))
    # The generator's 32-bit outputs in order, drawn a chunk at a time: ``getrandbits(32 k)``
    # holds k successive outputs, the first in the lowest word (CPython's _randommodule.c).
    chunk = 1 << 14
    outputs = itertools.chain.from_iterable(
        array("I", rng.getrandbits(32 * chunk).to_bytes(4 * chunk, sys.byteorder))
        for _ in itertools.count()
    )
    draw = outputs.__next__
    order = list(range(n))
    top = n - 1
    while top > 0:  # one mask per run of indexes with the same bit length
        mask = (1 << top.bit_length()) - 1
        low = (mask + 1) >> 1
        for i in range(top, low - 1, -1):
            j = draw() & mask
            while j > i:
                j = draw() & mask
            order[i], order[j] = order[j], order[i]
        top = low - 1
    return order
