"""Token counting: encodings by base model, cookbook counts, offline fallback, limits, epochs."""

from __future__ import annotations

import pytest

from lib.core import tokens
from lib.core.examples import default_epochs


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("gpt-4.1-2025-04-14", "o200k_base"),
        ("ft:gpt-4.1-mini-2025-04-14:acme::abc123", "o200k_base"),
        ("ft:gpt-3.5-turbo-0125:acme::x", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-4", "cl100k_base"),
        ("babbage-002", "cl100k_base"),
        ("davinci-002:ft-acme-2023-01-01", "cl100k_base"),
        ("o3-mini", "o200k_base"),
    ],
)
def test_encoding_from_base_model(model, encoding):
    assert tokens.encoding_name(model) == encoding


def test_cookbook_count_without_its_crashes():
    messages = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "hi", "name": "ann"},
        {"role": "assistant", "tool_calls": [{"id": "1", "type": "function"}], "weight": 0},
    ]
    n = tokens.num_tokens_from_messages(messages, model="gpt-4o")
    encoder = tokens.get_encoder("gpt-4o")
    assert not encoder.approximate
    text_tokens = sum(
        encoder.count(t)
        for t in [
            "system",
            "You are helpful.",
            "user",
            "hi",
            "ann",
            "assistant",
            '[{"id":"1","type":"function"}]',
        ]
    )
    assert n == text_tokens + 3 * 3 + 1 + 3
    assert tokens.count_text("<|endoftext|>", model="gpt-4o") > 1  # counted as text, not refused


def test_approximate_when_tokenizer_files_are_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("TUNELAB_OFFLINE", "1")
    tokens.reset_encoders()
    try:
        stats = tokens.count_examples("completion", [{"prompt": "abcdefgh", "completion": "xyz"}])
        assert stats.approximate and stats.summary()["approximate"] is True
        assert stats.per_example == [3]  # ceil(8/4) + ceil(3/4)
    finally:
        tokens.reset_encoders()


def test_context_limits_table_and_user_edits(db):
    assert tokens.context_limit("gpt-3.5-turbo") == 16_385
    assert tokens.context_limit("ft:gpt-4o-mini-2024-07-18:org::x") == 65_536
    assert tokens.context_limit("some-new-model") == tokens.FALLBACK_CONTEXT_LIMIT
    tokens.save_context_limits(db, {"gpt-4o-mini": 32_000, "my-model": 1_000})
    with db.connect() as conn:
        table = tokens.load_context_limits(conn)
    assert tokens.context_limit("gpt-4o-mini-2024-07-18", table=table) == 32_000
    assert tokens.context_limit("my-model-v2", table=table) == 1_000
    assert tokens.context_limit("gpt-4o-2024-08-06", table=table) == 65_536


def test_epochs_rule_and_billing():
    assert default_epochs(5) == 20  # 100 // 5
    assert default_epochs(3) == 25  # clamped to 25
    assert default_epochs(50) == 3
    assert default_epochs(10_000) == 2  # 25,000 // 10,000
    assert default_epochs(100_000) == 1
    assert tokens.billed_tokens([10, 20_000], epochs=3, limit=16_385) == 3 * (10 + 16_385)


def test_billing_and_over_limit_count_truncated_examples_at_the_limit():
    from lib.core.tokens import TokenStats, billing_tokens_per_epoch

    assert billing_tokens_per_epoch([5, 20, 7], limit=10) == 22
    assert billing_tokens_per_epoch(iter([5, 10, 7]), limit=10) == 22
    assert billing_tokens_per_epoch([], limit=10) == 0
    stats = TokenStats("m", "cl100k_base", False, [3, 10, 11, 40, 10], context_limit=10)
    summary = stats.summary()
    assert summary["over_limit"] == 2 and stats.over_limit == [2, 3]
    assert summary["billed_tokens_per_epoch"] == 3 + 10 + 10 + 10 + 10
