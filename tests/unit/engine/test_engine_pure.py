"""The engine's pure helpers: the task rule, the tokenizer, features and decoding."""

from __future__ import annotations

import numpy as np

from lib.engine.data import is_classification
from lib.engine.decode import generate
from lib.engine.features import featurize
from lib.engine.models import CandidateSession
from lib.engine.tokens import tokenize


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
