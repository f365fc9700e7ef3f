"""Near-duplicate flagging of generated texts: the sparse implementation against a plain
pairwise reference (same answers?), then the sparse one alone at sizes the reference cannot do.

Run: python bench/synth_dedupe_bench.py
"""

from __future__ import annotations

import csv
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lib.synth.dedupe import SHINGLE, find_duplicates, normalise  # noqa: E402

BOOK = REPO / ".." / "shared" / "datasets" / "gpt_examples" / "out_openai_completion.csv"


def texts(n: int, seed: int = 1) -> list[str]:
    """Texts on one theme: the book's 162 generated messages with 3–8 words rewritten each."""
    with BOOK.open(encoding="utf-8", newline="") as handle:
        base = [row["completion"] for row in csv.DictReader(handle)]
    vocabulary = sorted({w for t in base for w in t.split()})
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = rng.choice(base).split()
        for _ in range(rng.randint(3, 8)):
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
        out.append(" ".join(words))
    return out


def reference(items: list[str], threshold: float) -> list[tuple[int, int, float]]:
    """Every pair compared with Python sets: the obvious quadratic way."""
    norm = [normalise(t) for t in items]
    first: dict[str, int] = {}
    copies: set[int] = set()
    found = []
    for i, text in enumerate(norm):
        if text in first:
            copies.add(i)
            found.append((i, first[text], 1.0))
        else:
            first[text] = i
    sets = [{t[k : k + SHINGLE] for k in range(max(1, len(t) - SHINGLE + 1))} for t in norm]
    for i in range(len(norm)):
        if i in copies:
            continue
        best, best_j = 0.0, -1
        for j in range(i):
            if j in copies:
                continue
            sim = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
            if sim > best:
                best, best_j = sim, j
        if best >= threshold:
            found.append((i, best_j, best))
    return sorted(found)


def main() -> None:
    threshold = 0.6
    small = texts(1_000)
    started = time.perf_counter()
    expected = reference(small, threshold)
    ref_s = time.perf_counter() - started
    started = time.perf_counter()
    got = [(m.index, m.of, m.similarity) for m in find_duplicates(small, threshold=threshold)]
    fast_s = time.perf_counter() - started
    want = {(i, j) for i, j, _ in expected}
    have = {(i, j) for i, j, _ in got}
    print(
        f"1,000 texts: pairwise reference {ref_s:.2f} s, MinHash+exact {fast_s:.2f} s "
        f"({ref_s / fast_s:.0f}x); reference flags {len(want)}, found {len(want & have)}, "
        f"extra {len(have - want)}"
    )
    for n in (2_000, 10_000):
        many = texts(n)
        started = time.perf_counter()
        flagged = len(find_duplicates(many, threshold=threshold))
        print(
            f"{n:,} texts: MinHash+exact {time.perf_counter() - started:.2f} s, {flagged:,} flagged"
        )


if __name__ == "__main__":
    main()
