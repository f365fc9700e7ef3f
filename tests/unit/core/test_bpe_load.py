"""The encodings built by ``lib.core.bpe_load`` are tiktoken's own: same name, split pattern,
special tokens and every rank, and the same tokens for the same texts."""

from __future__ import annotations

import pytest

from lib.core import tokens
from lib.core.bpe_load import SPECS, load_encoding, parse_ranks
from lib.core.paths import tiktoken_cache_dir

tiktoken = pytest.importorskip("tiktoken")

TEXTS = [
    "Hello, world! It's a test.",
    "  leading spaces\n\nand\r\nline ends\t\ttabs   ",
    "naïve café — 東京 123456789 <|endoftext|> ümlaut's",
    "def f(x):\n    return x ** 2  # comment\n",
    "",
]


@pytest.fixture(autouse=True)
def _offline_files(monkeypatch):
    folder = tiktoken_cache_dir()
    if folder is None:
        pytest.fail("the tokenizer files are part of the test environment")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(folder))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_encoding_equals_tiktokens(name):
    ours = load_encoding(name)
    theirs = tiktoken.get_encoding(name)
    assert ours is not None
    assert ours.name == theirs.name
    assert ours._pat_str == theirs._pat_str
    assert ours._special_tokens == theirs._special_tokens
    assert ours._mergeable_ranks == theirs._mergeable_ranks
    assert ours.max_token_value == theirs.max_token_value
    for text in TEXTS:
        assert ours.encode_ordinary(text) == theirs.encode_ordinary(text)
        assert ours.encode(text, disallowed_special=()) == theirs.encode(
            text, disallowed_special=()
        )


def test_other_names_and_odd_files_are_left_to_tiktoken():
    assert load_encoding("r50k_base") is None
    assert parse_ranks(b"IQ== 0\nIg==\n") is None
    assert parse_ranks(b"IQ== 0\nIg== 1\n") == {b"!": 0, b'"': 1}


def test_the_counter_uses_it_and_counts_as_before(monkeypatch):
    reference = tiktoken.get_encoding("cl100k_base")

    def refuse(name):
        raise AssertionError(f"tiktoken.get_encoding({name!r}) called")

    monkeypatch.setattr(tiktoken, "get_encoding", refuse)
    tokens.reset_encoders()
    try:
        encoder = tokens.get_encoder("gpt-3.5-turbo")
        assert not encoder.approximate
        assert [encoder.count(t) for t in TEXTS] == [
            len(reference.encode_ordinary(t)) for t in TEXTS
        ]
    finally:
        tokens.reset_encoders()
