"""The engine's tokenizer: word pieces found by a regular expression.

Real tokenizers (tiktoken) need files the engine must not depend on; the engine's own models
predict word pieces, so counting them is exact *for the engine* and approximate compared with
OpenAI's tokens. ``usage`` numbers are documented as approximate for that reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from lib.engine.codepoints import (
    OTHER,
    SEPARATOR,
    SPACE,
    WORD,
    classify,
    code_points,
)

# A leading space belongs to the word that follows it, as in GPT-style tokenizers.
_PIECE = re.compile(r"'(?:s|t|re|ve|m|ll|d)\b| ?\w+| ?[^\s\w]+|\s+(?!\S)|\s+")
_CONTRACTIONS = ("s", "t", "re", "ve", "m", "ll", "d")
_CHUNK = 20_000  # documents per pass of total_tokens


def tokenize(text: str) -> list[str]:
    """Split text into word pieces whose concatenation is exactly ``text``."""
    return _PIECE.findall(text)


def count_tokens(text: str) -> int:
    """An approximate token count (word pieces)."""
    return len(tokenize(text))


def total_tokens(texts: Sequence[str]) -> int:
    """``sum(count_tokens(t) for t in texts)``, computed with numpy over chunks of texts.

    A job counts the tokens it trained on once per file; doing that with the regular
    expression took about a fifth of a 200,000-example job. :func:`_count_pieces` derives the
    number of matches from runs of word, space and other characters instead; a unit test
    holds it equal to the regular expression on random texts made of the tricky characters.
    """
    total = 0
    for start in range(0, len(texts), _CHUNK):
        part = list(texts[start : start + _CHUNK])
        joined = "\x00".join(part)
        if joined.count("\x00") == len(part) - 1:
            total += _count_pieces(joined)
        else:  # a NUL inside a text: NUL separates documents in _count_pieces
            total += sum(map(count_tokens, part))
    return total


def _count_pieces(joined: str) -> int:
    """How many matches ``_PIECE`` finds in each NUL-separated document, summed.

    Scanning left to right, ``_PIECE`` cuts a document into: each maximal run of word
    characters (``\\w+``) and of other characters (``[^\\s\\w]+``), one piece each; a space run
    at the end of the document, one piece; a space run before a word or other character,
    ``(length ≥ 2) + (its last character is not " ")`` pieces — its last " " joins the next
    piece (`` ?\\w+``), any other last space character stands alone (``\\s+``). A contraction
    (``'s``, ``'t``, ``'re``, ``'ve``, ``'m``, ``'ll``, ``'d``, then a word boundary) turns
    the pieces ``'`` and its word into one, when the ``'`` starts a piece: at the start of
    the document, after a word, or after a space character other than " ".
    """
    codes = code_points(joined)
    if not len(codes):
        return 0
    classes = classify(codes)
    # Shifted views: what precedes and follows each code point (a separator at either end).
    prev = np.empty_like(classes)
    prev[0], prev[1:] = SEPARATOR, classes[:-1]
    nxt = np.empty_like(classes)
    nxt[-1], nxt[:-1] = SEPARATOR, classes[1:]
    run_start = classes != prev
    pieces = np.count_nonzero(run_start & ((classes == WORD) | (classes == OTHER)))
    last_space = (classes == SPACE) & (nxt != SPACE)
    at_end = last_space & (nxt == SEPARATOR)
    inner = last_space ^ at_end
    pieces += np.count_nonzero(at_end) + np.count_nonzero(inner & (prev == SPACE))
    pieces += np.count_nonzero(inner & (codes != 32))
    return int(pieces) - _contractions(codes, classes, prev)


def _contractions(codes: np.ndarray, classes: np.ndarray, prev: np.ndarray) -> int:
    """Apostrophes that start a piece and are followed by a contraction's whole word."""
    at = np.flatnonzero(codes == ord("'"))
    at = at[at + 1 < len(codes)]
    if not len(at):
        return 0
    before = codes[np.maximum(at - 1, 0)]
    starts_piece = (
        (prev[at] == SEPARATOR) | (prev[at] == WORD) | ((prev[at] == SPACE) & (before != 32))
    )
    at = at[starts_piece & (classes[at + 1] == WORD)]

    def cls(offset: int) -> np.ndarray:  # class at ``at + offset``, SEPARATOR past the end
        where = at + offset
        return np.where(where < len(codes), classes[np.minimum(where, len(codes) - 1)], SEPARATOR)

    def char(offset: int) -> np.ndarray:
        return codes[np.minimum(at + offset, len(codes) - 1)]

    one = cls(2) != WORD  # a one-letter word follows
    two = (cls(2) == WORD) & (cls(3) != WORD)
    first, second = char(1), char(2)
    found = one & np.isin(first, [ord(c) for c in _CONTRACTIONS if len(c) == 1])
    for word in (c for c in _CONTRACTIONS if len(c) == 2):
        found |= two & (first == ord(word[0])) & (second == ord(word[1]))
    return int(np.count_nonzero(found))
