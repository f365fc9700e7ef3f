"""Hashed text features computed with numpy: word 1–2-grams and character 3–4-grams.

Why not scikit-learn's vectorizers: importing scikit-learn takes seconds (it pulls in much of
SciPy), and its character analyzer runs in Python per n-gram. Here words are hashed once per
distinct word (CRC-32, stable across processes) and everything else — bigrams, byte n-grams of
the lower-cased text, counting — is vectorised. Hashing needs no fitted vocabulary, so a
fine-tuned model can keep training on new data with the same features (warm start).
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

_WORD = re.compile(r"\w+")
_CHUNK = 10_000  # documents per pass, to bound memory on large training files
_MIX = np.uint64(0x9E3779B97F4A7C15)
CHAR_NGRAMS = (3, 4)


def _mix(values: np.ndarray) -> np.ndarray:
    """A splitmix64 finaliser: spreads hashes over all bits before taking them modulo a width."""
    values = values.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        values ^= values >> np.uint64(30)
        values *= np.uint64(0xBF58476D1CE4E5B9)
        values ^= values >> np.uint64(27)
        values *= np.uint64(0x94D049BB133111EB)
        values ^= values >> np.uint64(31)
    return values


def _word_features(texts: Sequence[str], width: int) -> tuple[np.ndarray, np.ndarray]:
    per_doc = [_WORD.findall(text.lower()) for text in texts]
    lengths = np.fromiter(map(len, per_doc), dtype=np.int64, count=len(per_doc))
    vocabulary: dict[str, int] = {}
    flat = itertools.chain.from_iterable(per_doc)
    ids = np.fromiter((vocabulary.setdefault(w, len(vocabulary)) for w in flat), dtype=np.int64)
    word_hash = np.fromiter(
        (zlib.crc32(w.encode("utf-8")) for w in vocabulary), dtype=np.uint64, count=len(vocabulary)
    )[ids]
    docs = np.repeat(np.arange(len(texts)), lengths)
    same = docs[1:] == docs[:-1]
    with np.errstate(over="ignore"):
        pairs = _mix(word_hash[:-1] * _MIX + word_hash[1:] + np.uint64(1))[same]
    rows = np.concatenate([docs, docs[1:][same]])
    cols = np.concatenate([_mix(word_hash), pairs]) % np.uint64(width)
    return rows, cols.astype(np.int64)


def _char_features(texts: Sequence[str], width: int) -> tuple[np.ndarray, np.ndarray]:
    joined = "\x00".join(" " + " ".join(t.lower().split()) + " " for t in texts)
    data = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8).astype(np.uint64)
    breaks = data == 0
    doc_at = np.cumsum(breaks)
    rows, cols = [], []
    for n in CHAR_NGRAMS:
        if len(data) < n:
            continue
        count = len(data) - n + 1
        code = np.zeros(count, dtype=np.uint64)
        crosses = np.zeros(count, dtype=bool)
        with np.errstate(over="ignore"):
            for k in range(n):
                code = code * np.uint64(257) + data[k : k + count]
                crosses |= breaks[k : k + count]
        keep = ~crosses
        rows.append(doc_at[:count][keep])
        cols.append((_mix(code[keep] + np.uint64(n << 40)) % np.uint64(width)).astype(np.int64))
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def _counts(texts: Sequence[str], *, bits: int, chars: bool) -> sp.csr_matrix:
    width = 2**bits
    rows, cols = _word_features(texts, width)
    if chars:
        char_rows, char_cols = _char_features(texts, width)
        rows, cols = np.concatenate([rows, char_rows]), np.concatenate([cols, char_cols + width])
    values = np.ones(len(rows), dtype=np.float32)
    shape = (len(texts), 2 * width)
    return sp.csr_matrix((values, (rows, cols)), shape=shape, dtype=np.float32)


def l2_normalise(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr)).astype(matrix.dtype)
    return matrix


def featurize(texts: Sequence[str], *, bits: int, chars: bool = True) -> sp.csr_matrix:
    """Sublinear term counts (log1p) of hashed n-grams, rows L2-normalised.

    Columns ``[0, 2**bits)`` are words and word pairs, ``[2**bits, 2 * 2**bits)`` character
    3–4-grams (all zero when ``chars`` is False).
    """
    parts = [
        _counts(texts[start : start + _CHUNK], bits=bits, chars=chars)
        for start in range(0, len(texts), _CHUNK)
    ]
    if not parts:
        return sp.csr_matrix((0, 2 * 2**bits), dtype=np.float32)
    matrix = sp.vstack(parts, format="csr") if len(parts) > 1 else parts[0]
    matrix.sum_duplicates()
    matrix.data = np.log1p(matrix.data)
    return l2_normalise(matrix)
