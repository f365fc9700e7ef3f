"""``word_cached_counter`` gives tiktoken's own count for every text, on both encodings: on the
real datasets and on random texts built to hit each rule of the split patterns (spaces of every
kind, line breaks after letters, digits, marks and symbols, contractions, symbols before
``/`` and line breaks)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from lib.core.paths import tiktoken_cache_dir
from lib.core.word_counts import word_cached_counter

tiktoken = pytest.importorskip("tiktoken")

ENCODINGS = ["cl100k_base", "o200k_base"]

# Pieces of text, each a rule of the split patterns or a character whose class matters there.
WORDS = ["the", "kettle", "Boils", "FAST", "naïve", "café", "東京", "Ünïcödé", "x", "I", "a1b2"]
# fmt: off
PIECES = [
    *WORDS,
    *(" " + w for w in WORDS),
    " ", " ", " ", "  ", "   ", "\u00a0", "\t", "\n", "\n\n", "\r\n", "\r", "\u2028", "\u3000",
    "\x85", "\x1c", "\u200b", "\ufeff",
    "e\u0301", "\u0301", "\u0915\u093f",  # combining marks: a letter's part in o200k, a symbol in cl100k
    "7", "42", "12345", "٣", "½",
    ".", ",", "!", "?", "...", "'", "'s", "'ll", "'RE", "'t", '"', "(", ")", "/", "-", "#", "###",
    "->", "$", "🙂", "<|endoftext|>",
]
# fmt: on
# Endings a prepared prompt or completion gets, after text that ends in each kind of character.
ENDS = ["", "\n\n###\n\n", "\n\nSentiment:", " ->", "\n", "\n\n", " END", "\nrest of it\n", " "]


def _random_text(rng: random.Random) -> str:
    if rng.random() < 0.5:  # words and single spaces, the common case, with an ending
        words = rng.choices(
            [*WORDS, "it's", "don't", "3.5", "e-mail", "a/b", "Q:"], k=rng.randint(1, 12)
        )
        text = " ".join(words)
        if rng.random() < 0.2:
            text = " " + text
        return text + rng.choice(ENDS)
    return "".join(rng.choices(PIECES, k=rng.randint(0, 14))) + rng.choice(ENDS)


def _dataset_texts(datasets: Path) -> list[str]:
    texts: list[str] = []
    with (datasets / "openai_cookbook" / "AG_news_samples.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            texts += [row["title"], row["description"], row["description"] + "\n\n###\n\n"]
    with (datasets / "gpt_examples" / "out_openai_completion.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            texts += [row["prompt"], " " + row["completion"], row["prompt"] + "\n\n###\n\n"]
    for line in (datasets / "openai_cookbook" / "dbpedia_samples.jsonl").open():
        texts.append(json.loads(line)["text"])
    for line in (datasets / "openai_cookbook" / "toy_chat_fine_tuning.jsonl").open():
        texts += [m["content"] for m in json.loads(line)["messages"]]
    for name in ("KUAKE-QIC_100.json", "Med-dialog_100.json"):
        for record in json.loads((datasets / "huatuogpt" / name).read_text()):
            texts += [v for v in record.values() if isinstance(v, str)]
    return texts


@pytest.fixture(scope="module", params=ENCODINGS)
def encoding(request):  # noqa: ANN001, ANN201 - pytest's own types
    folder = tiktoken_cache_dir()
    if folder is None:
        pytest.fail("the tokenizer files are part of the test environment")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIKTOKEN_CACHE_DIR", str(folder))
        yield tiktoken.get_encoding(request.param)


def test_counts_equal_tiktokens_on_the_real_datasets(encoding, shared_datasets: Path) -> None:  # noqa: ANN001
    texts = _dataset_texts(shared_datasets)
    assert len(texts) > 6_000
    count = word_cached_counter(encoding.encode_ordinary)
    expected = [len(encoding.encode_ordinary(t)) for t in texts]
    assert [count(t) for t in texts] == expected
    assert [count(t) for t in texts] == expected  # again, now from what it remembered


def test_counts_equal_tiktokens_on_random_texts(encoding) -> None:  # noqa: ANN001
    rng = random.Random(20261130)
    texts = [_random_text(rng) for _ in range(30_000)]
    count = word_cached_counter(encoding.encode_ordinary)
    wrong = [
        (t, n, len(encoding.encode_ordinary(t)))
        for t in texts
        if (n := count(t)) != len(encoding.encode_ordinary(t))
    ]
    assert wrong == []


def test_shared_words_are_encoded_once(encoding) -> None:  # noqa: ANN001
    encoded: list[str] = []

    def encode(text: str) -> list[int]:
        encoded.append(text)
        return encoding.encode_ordinary(text)

    count = word_cached_counter(encode)
    prompts = [f"the kettle boils {word}\n\n###\n\n" for word in ["fast", "slowly", "fast"] * 100]
    counts = [count(p) for p in prompts]
    assert counts == [len(encoding.encode_ordinary(p)) for p in prompts]
    # "the", " kettle", " boils", " fast", " slowly" and the separator: each encoded once.
    assert sorted(encoded) == sorted(
        ["the", " kettle", " boils", " fast", " slowly", "\n\n###\n\n"]
    )
