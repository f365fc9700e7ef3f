"""Duplicates and near-duplicates among generated texts.

Why: a model asked many times at a high temperature still repeats itself, and a training set
full of the same sentence teaches that sentence. Each text is compared with the earlier ones:
the same text after normalising (case, punctuation, spacing) is a *duplicate*; a text whose
5-character pieces overlap an earlier one's by at least the threshold (Jaccard similarity)
is a *near-duplicate*. The most similar earlier text is named (the first of them on a tie),
so a reviewer keeps the first and looks at the rest.

Why 0.6 is the default threshold (measured on the seed book's 162 real generated marketing
messages, ``out_openai_completion.csv``): at 0.6 four pairs are flagged, each a copy of an
earlier message with the size or city swapped ("Boost your sales and streamline your payment
process … for small fast food restaurants in Paris" / "… for large fast food restaurants in
Berlin!", similarity 0.66); at 0.5 24 are flagged, many merely alike; from 0.7 none.
Pieces of 5 characters make Jaccard strict: one changed word removes about ten of them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SHINGLE = 5
N_HASHES = 128
LSH_RECALL = 0.98  # chance that a pair exactly at the threshold is compared at all
_PRIME = np.uint64(2**31 - 1)
ESTIMATE_MARGIN = 0.15  # about 3.5 standard deviations of the MinHash estimate
PAIR_CHUNK = 200_000
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Match:
    index: int  # the later text (0-based)
    of: int  # the earlier text it repeats (0-based)
    similarity: float  # 1.0 for a duplicate

    @property
    def exact(self) -> bool:
        return self.similarity >= 1.0

    def comment(self) -> str:
        """The review comment, naming 1-based rows as the review screen shows them."""
        if self.exact:
            return f"duplicate of row {self.of + 1}"
        return f"near-duplicate (similarity {self.similarity:.2f}) of row {self.of + 1}"


def normalise(text: str) -> str:
    """Case-folded words separated by single spaces (punctuation and spacing ignored)."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_NON_WORD.sub(" ", folded).split())


def find_duplicates(texts: Sequence[str], *, threshold: float) -> list[Match]:
    """For each text that repeats an earlier one, the earliest most similar earlier text."""
    normalised = [normalise(t) for t in texts]
    first: dict[str, int] = {}
    matches: dict[int, Match] = {}
    for index, text in enumerate(normalised):
        if not text:
            continue  # empty texts are flagged as empty, not as duplicates of each other
        if text in first:
            matches[index] = Match(index=index, of=first[text], similarity=1.0)
        else:
            first[text] = index
    if threshold < 1.0:
        for match in _near(normalised, set(matches), threshold=threshold):
            matches[match.index] = match
    return [matches[i] for i in sorted(matches)]


def _bands(threshold: float) -> tuple[int, int]:
    """(bands, rows per band) so that a pair exactly at the threshold is compared with ≥ 98 %
    odds (more above it: 99.6 % at +0.05 for the default 0.6)."""
    rows = 1
    for r in range(1, 17):
        if 1 - (1 - threshold**r) ** (N_HASHES // r) >= LSH_RECALL:
            rows = r
    return N_HASHES // rows, rows


def _signatures(sets: list[np.ndarray]) -> np.ndarray:
    """MinHash signatures (N_HASHES × texts) of shingle-id sets, one hash function at a time."""
    rng = np.random.default_rng(20261121)  # fixed: the same texts get the same flags
    a = rng.integers(1, _PRIME, N_HASHES, dtype=np.uint64)
    b = rng.integers(0, _PRIME, N_HASHES, dtype=np.uint64)
    flat = np.concatenate(sets) % _PRIME
    starts = np.cumsum([0] + [len(x) for x in sets[:-1]])
    signatures = np.empty((N_HASHES, len(sets)), dtype=np.uint64)
    for k in range(N_HASHES):
        signatures[k] = np.minimum.reduceat((a[k] * flat + b[k]) % _PRIME, starts)
    return signatures


def _candidate_pairs(signatures: np.ndarray, threshold: float) -> np.ndarray:
    """Pairs (later, earlier) sharing a whole band of their signatures, each once."""
    n_bands, rows = _bands(threshold)
    weights = np.arange(1, rows + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    found: list[np.ndarray] = []
    n = signatures.shape[1]
    for band in range(n_bands):
        keys = (signatures[band * rows : (band + 1) * rows] * weights[:, None]).sum(axis=0)
        order = np.argsort(keys, kind="stable")
        edges = np.flatnonzero(np.diff(keys[order])) + 1
        starts = np.r_[0, edges]
        sizes = np.diff(np.r_[starts, n])
        for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
            members = np.sort(order[start : start + size])
            earlier, later = np.triu_indices(size, 1)  # row < column
            found.append(members[earlier] * n + members[later])  # earlier < later
    if not found:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(found))


def _near(texts: list[str], exact: set[int], *, threshold: float) -> list[Match]:
    """Near-duplicates: MinHash with banding proposes pairs, exact Jaccard decides.

    Texts on one theme share most of their common pieces ("e-commerce payment service"), so
    comparing every pair — or every pair sharing a piece — is quadratic in practice (measured:
    minutes for 10,000 texts). MinHash signatures with banding (Broder 1997; Leskovec et al.,
    *Mining of Massive Datasets*, ch. 3) propose the pairs above the threshold (each with at
    least 98 % probability), far fewer than all pairs; every proposed pair's similarity is
    then computed exactly, so nothing below the threshold is flagged. Measured (bench/
    synth_dedupe_bench.py): the same flags as the exact pairwise comparison but for 0.1 % of
    pairs lying right at the threshold, 1 s for 2,000 texts and 25 s for 10,000 on a loaded
    2-core machine; pairs of texts on one theme still make the work grow faster than linearly.
    """
    docs = [i for i, text in enumerate(texts) if text and i not in exact]
    if len(docs) < 2:
        return []
    ids: dict[str, int] = {}
    sets = []
    for i in docs:
        text = texts[i]
        pieces = {text[k : k + SHINGLE] for k in range(max(1, len(text) - SHINGLE + 1))}
        sets.append(np.fromiter((ids.setdefault(p, len(ids)) for p in pieces), dtype=np.uint64))
    signatures = _signatures(sets)
    pairs = _candidate_pairs(signatures, threshold)
    n = len(docs)
    # The share of equal MinHash values estimates the similarity (σ ≈ 0.04 at 128 hashes):
    # only pairs estimated near or above the threshold are measured exactly.
    keep: list[np.ndarray] = []
    for start in range(0, len(pairs), PAIR_CHUNK):
        chunk = pairs[start : start + PAIR_CHUNK]
        earlier, later = np.divmod(chunk, n)
        estimate = (signatures[:, earlier] == signatures[:, later]).mean(axis=0)
        keep.append(chunk[estimate >= threshold - ESTIMATE_MARGIN])
    as_sets: dict[int, set[int]] = {}
    best: dict[int, tuple[float, int]] = {}
    for code in (np.concatenate(keep) if keep else pairs).tolist():
        earlier, later = divmod(code, n)
        a = as_sets.setdefault(later, set(sets[later].tolist()))
        b = as_sets.setdefault(earlier, set(sets[earlier].tolist()))
        shared = len(a & b)
        sim = shared / (len(a) + len(b) - shared)
        current = best.get(later)
        if sim >= threshold and (current is None or (sim, -earlier) > (current[0], -current[1])):
            best[later] = (sim, earlier)
    return [
        Match(index=docs[later], of=docs[earlier], similarity=sim)
        for later, (sim, earlier) in sorted(best.items())
    ]
