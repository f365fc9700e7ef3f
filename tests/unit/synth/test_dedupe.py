"""Duplicates and near-duplicates among generated texts."""

from __future__ import annotations

from lib.synth.dedupe import find_duplicates, normalise


def test_normalise_ignores_case_punctuation_and_spacing():
    assert normalise("  Hello,   WORLD!\n") == "hello world"


def test_duplicate_after_normalising_names_the_first_row():
    texts = ["Pay in one tap.", "Something else entirely here", "pay in ONE tap!!"]
    [match] = find_duplicates(texts, threshold=0.9)
    assert (match.index, match.of, match.exact) == (2, 0, True)
    assert match.comment() == "duplicate of row 1"


def test_near_duplicate_with_its_similarity():
    texts = [
        "Upgrade your small Paris bakery with our fast and secure payment service today.",
        "A completely unrelated sentence about the weather in Berlin this week.",
        "Upgrade your small Paris bakery with our fast and secure payment service now.",
    ]
    [match] = find_duplicates(texts, threshold=0.8)
    assert (match.index, match.of) == (2, 0)
    assert 0.8 <= match.similarity < 1.0
    assert match.comment().startswith("near-duplicate (similarity 0.")
    assert match.comment().endswith("of row 1")


def test_threshold_decides_and_different_texts_are_not_flagged():
    texts = [
        "Upgrade your small Paris bakery with our fast and secure payment service today.",
        "Upgrade your large Berlin pharmacy with our fast and secure payment service today.",
    ]
    assert find_duplicates(texts, threshold=0.95) == []
    assert len(find_duplicates(texts, threshold=0.4)) == 1
    assert find_duplicates(["one text", "another one"], threshold=0.9) == []


def test_empty_texts_are_not_duplicates_of_each_other():
    assert find_duplicates(["", "", "abc"], threshold=0.5) == []


def test_many_texts_scale():
    texts = [f"message number {i} for store {i * 7919 % 1000}" for i in range(3000)]
    texts.append(texts[10])
    matches = find_duplicates(texts, threshold=0.99)
    assert [(m.index, m.of) for m in matches if m.exact] == [(3000, 10)]


def test_default_threshold_on_the_books_real_generated_messages(shared_datasets):
    import csv

    from lib.synth.plan import DEFAULT_NEAR_DUPLICATE

    path = shared_datasets / "gpt_examples" / "out_openai_completion.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        texts = [row["completion"] for row in csv.DictReader(handle)]
    assert len(texts) == 162
    matches = find_duplicates(texts, threshold=DEFAULT_NEAR_DUPLICATE)
    assert len(matches) == 4
    assert all(0.6 <= m.similarity < 0.7 and m.of < m.index for m in matches)
    fast_food = [m for m in matches if "fast food restaurants in Berlin" in texts[m.index]]
    assert fast_food and "fast food restaurants in Paris" in texts[fast_food[0].of]
    assert find_duplicates(texts, threshold=0.7) == []
