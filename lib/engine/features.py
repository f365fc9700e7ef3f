"""Hashed text features computed with numpy: word 1–2-grams and character 3–4-grams.

Why not scikit-learn's vectorizers: importing scikit-learn takes seconds (it pulls in much of
SciPy), and its character analyzer runs in Python per n-gram. Here a chunk of documents is
joined into one NUL-separated string and everything — finding words, bigrams, byte n-grams of
the lower-cased text, counting — is vectorised; Python runs only once per *distinct* word (its
CRC-32, stable across processes). Hashing needs no fitted vocabulary, so a fine-tuned model can
keep training on new data with the same features (warm start); for the same reason the hashes
must never change: saved models are scored with them.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from lib.engine.codepoints import WORD, classify, code_points, join_documents

_CHUNK = 10_000  # documents per pass, to bound memory on large training files
_MIX = np.uint64(0x9E3779B97F4A7C15)
_POLY = np.uint64(0x100000001B3)  # odd, so it has an inverse modulo 2**64
_POLY_INVERSE = np.uint64(pow(int(_POLY), -1, 2**64))
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


def _word_hashes(joined: str) -> tuple[np.ndarray, np.ndarray]:
    """Document number and CRC-32 of every ``\\w+`` run of lower-cased, NUL-joined documents.

    The same words as ``re.findall(r"\\w+", text)`` per document, found with numpy
    (:mod:`lib.engine.codepoints`). Each run
    gets a 64-bit polynomial hash (prefix sums of code × B^i, scaled back by B^-start) that
    only serves to group equal words within the chunk; the CRC-32 is then computed once per
    distinct word. Regular expressions over every document cost about three times as much.
    """
    codes = code_points(joined)
    is_word = classify(codes) == WORD
    edges = np.diff(is_word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if not len(starts):
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    with np.errstate(over="ignore"):
        powers = np.full(len(codes), _POLY, dtype=np.uint64)
        powers[0] = 1
        np.cumprod(powers, out=powers)
        prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
        np.cumsum(codes * powers, out=prefix[1:])
        np.cumprod(np.full(len(codes), _POLY_INVERSE, dtype=np.uint64), out=powers)
        scaled_back = np.concatenate([[np.uint64(1)], powers])[starts]
        run_hash = (prefix[ends] - prefix[starts]) * scaled_back
    distinct, which = np.unique(run_hash, return_inverse=True)
    where = np.empty(len(distinct), dtype=np.int64)
    where[which] = np.arange(len(run_hash))
    crc = np.fromiter(
        (zlib.crc32(joined[a:b].encode("utf-8")) for a, b in zip(
            starts[where].tolist(), ends[where].tolist(), strict=True
        )),
        dtype=np.uint64,
        count=len(distinct),
    )  # fmt: skip
    docs = np.cumsum(codes == 0)[starts]
    return docs, crc[which]


def _word_features(texts: Sequence[str], width: int) -> tuple[np.ndarray, np.ndarray]:
    docs, word_hash = _word_hashes(join_documents(list(texts)).lower())
    same = docs[1:] == docs[:-1]
    with np.errstate(over="ignore"):
        pairs = _mix(word_hash[:-1][same] * _MIX + word_hash[1:][same] + np.uint64(1))
    rows = np.concatenate([docs, docs[1:][same]])
    cols = np.concatenate([_mix(word_hash), pairs]) & np.uint64(width - 1)
    return rows, cols.astype(np.int64)


def _char_features(texts: Sequence[str], width: int) -> tuple[np.ndarray, np.ndarray]:
    joined = "\x00".join(
        " " + " ".join(t.split()) + " " for t in join_documents(list(texts)).lower().split("\x00")
    )
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
        cols.append((_mix(code[keep] + np.uint64(n << 40)) & np.uint64(width - 1)).astype(np.int64))
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def _chunk(texts: Sequence[str], *, bits: int, chars: bool) -> sp.csr_matrix:
    """Features of one chunk of documents, finished (log1p counts, rows L2-normalised).

    Counting sorts one int64 key per n-gram (document << shift | column): numpy's sort of
    plain integers is several times faster than scipy's COO-to-CSR conversion with duplicates.
    """
    width = 2**bits
    rows, cols = _word_features(texts, width)
    if chars:
        char_rows, char_cols = _char_features(texts, width)
        rows, cols = np.concatenate([rows, char_rows]), np.concatenate([cols, char_cols + width])
    shift = (2 * width).bit_length() - 1
    keys = np.sort((rows << shift) | cols)
    first = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    counts = np.diff(np.append(first, len(keys)))
    keys = keys[first]
    docs = keys >> shift
    data = np.log1p(counts.astype(np.float64))
    norms = np.sqrt(np.bincount(docs, weights=data * data, minlength=len(texts)))
    norms[norms == 0] = 1.0
    data /= norms[docs]
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(docs, minlength=len(texts)), out=indptr[1:])
    columns = (keys & (2 * width - 1)).astype(np.int32)
    return sp.csr_matrix((data.astype(np.float32), columns, indptr), shape=(len(texts), 2 * width))


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
        _chunk(texts[start : start + _CHUNK], bits=bits, chars=chars)
        for start in range(0, len(texts), _CHUNK)
    ]
    if not parts:
        return sp.csr_matrix(np.zeros((0, 2 * 2**bits), dtype=np.float32))
    if len(parts) == 1:
        return parts[0]
    offsets = np.cumsum([0] + [part.nnz for part in parts[:-1]])
    indptr = np.concatenate(
        [[0]] + [part.indptr[1:] + offset for part, offset in zip(parts, offsets, strict=True)]
    )
    matrix = sp.csr_matrix(
        (
            np.concatenate([part.data for part in parts]),
            np.concatenate([part.indices for part in parts]),
            indptr,
        ),
        shape=(len(texts), 2 * 2**bits),
    )
    matrix.has_sorted_indices = True
    return matrix
