"""The engine's pure helpers: the task rule, the tokenizer, features and decoding."""

from __future__ import annotations

import itertools
import random
import re
import zlib

import numpy as np

from lib.core.examples import labels_are_classification as is_classification
from lib.engine.decode import generate
from lib.engine.features import featurize
from lib.engine.models import CandidateSession
from lib.engine.tokens import count_tokens, tokenize, total_tokens


def test_classification_rule_is_prepare_datas():
    assert is_classification([" 1", " 2", " 3"] * 4)  # 3 unique < 12 / 3
    assert not is_classification([" 1", " 2", " 3", " 4"] * 3)  # 4 unique == 12 / 3
    assert not is_classification([f"answer {i}" for i in range(30)])


def test_tokens_rebuild_the_text_and_keep_leading_spaces():
    text = "Hello, world!  It's 4 stars.\n\n###\n\n你好 世界"
    pieces = tokenize(text)
    assert "".join(pieces) == text
    assert " world" in pieces and " 4" in pieces and " 世界" in pieces


def test_features_are_stable_normalised_and_case_blind():
    matrix = featurize(["Stocks rally", "stocks RALLY", ""], bits=12)
    rows = matrix.toarray()
    assert np.allclose(rows[0], rows[1])
    assert np.isclose((rows[0] ** 2).sum(), 1.0) and rows[2].sum() == 0
    assert np.array_equal(featurize(["Stocks rally"], bits=12).toarray()[0], rows[0])


def test_chain_rule_decoding_respects_stop_sequences():
    session = CandidateSession(
        [(("The", " cat", "."), np.log(0.75)), (("The", " dog"), np.log(0.25))]
    )
    rng = np.random.default_rng(0)
    out = generate(session, max_tokens=10, temperature=0, top_k=2, rng=rng)
    assert out.text == "The cat." and out.finish_reason == "stop"
    assert np.isclose(out.logprobs[1], np.log(0.75))
    assert [t for t, _ in out.top[1]] == [" cat", " dog"]
    cut = generate(session, max_tokens=10, temperature=0, stop=[" c"], top_k=2, rng=rng)
    assert cut.text == "The" and cut.finish_reason == "stop"
    short = generate(session, max_tokens=1, temperature=0, rng=rng)
    assert short.text == "The" and short.finish_reason == "length"


# Tricky characters for the vectorised passes: spaces of several kinds, apostrophes and the
# letters of contractions, word characters beyond ASCII, a final sigma, a NUL.
_TRICKY = [" ", " ", "  ", "\n", "\t", "\u00a0", "\r\n", "'", "''", "s", "t", "re", "ve", "m",
           "ll", "d", "S", "x", "_", "1", ".", "!", "é", "ΑΣ", "İ", "😀", "東京", "ab", "\x00"]  # fmt: skip


def _random_texts(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choice(_TRICKY) for _ in range(rng.randint(0, 20))) for _ in range(count)]


def test_total_tokens_counts_what_the_tokenizer_finds():
    rng = random.Random(16)
    for _ in range(2000):
        texts = _random_texts(rng, rng.randint(1, 5))
        assert total_tokens(texts) == sum(count_tokens(t) for t in texts), texts
    assert total_tokens([]) == 0
    assert total_tokens(["It's 4 stars.", "  don't\n\n'll"]) == 6 + 5


def _splitmix(value: int) -> int:
    mask = 2**64 - 1
    value ^= value >> 30
    value = value * 0xBF58476D1CE4E5B9 & mask
    value ^= value >> 27
    value = value * 0x94D049BB133111EB & mask
    return value ^ value >> 31


def _word_features_by_definition(text: str, bits: int) -> np.ndarray:
    """The word part of the features as saved models were trained on them: CRC-32 of every
    ``\\w+`` of the lower-cased text, unigrams and bigrams mixed, log1p counts, L2 norm."""
    hashes = [zlib.crc32(w.encode("utf-8")) for w in re.findall(r"\w+", text.lower())]
    columns = [_splitmix(h) for h in hashes]
    columns += [
        _splitmix((a * 0x9E3779B97F4A7C15 + b + 1) & (2**64 - 1))
        for a, b in itertools.pairwise(hashes)
    ]
    row = np.zeros(2 * 2**bits)
    for column in columns:
        row[column % 2**bits] += 1
    row = np.log1p(row)
    norm = np.sqrt((row**2).sum())
    return row / norm if norm else row


def test_features_keep_the_hashes_saved_models_were_trained_on():
    texts = _random_texts(random.Random(11), 300) + ["Stocks rally, İstanbul's ΑΣ café_1 東京 😀"]
    matrix = featurize(texts, bits=10, chars=False).toarray()
    for text, row in zip(texts, matrix, strict=True):
        assert np.allclose(row, _word_features_by_definition(text, 10), atol=1e-6), text


def test_a_nul_inside_a_text_does_not_split_it():
    with_nul = featurize(["Stocks\x00rally", "bonds"], bits=10).toarray()
    assert with_nul.shape[0] == 2
    assert np.allclose(with_nul, featurize(["Stocks rally", "bonds"], bits=10).toarray())
