"""The synthetic demo datasets: reproducible, well-formed, and useful for the demo.

These read the committed files a user opens on first start, and regenerate them into a temporary
folder to prove the generator still writes exactly those bytes.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter
from itertools import product
from pathlib import Path

import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
SEPARATOR = "\n\n###\n\n"
SYNTHETIC = "Synthetic demo data written by Tunelab's generator: "
DATA_FILES = [
    "product_reviews.jsonl",
    "product_categories.csv",
    "marketing_copy.jsonl",
    "support_chat.jsonl",
]


def _text(name: str) -> str:
    return (SAMPLE_DIR / name).read_bytes().decode("utf-8")


def _jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in _text(name).splitlines()]


def _manifest() -> list[dict[str, str]]:
    return json.loads(_text("manifest.json"))


def _categories() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text("product_categories.csv"), newline="")))


# --- reproducibility --------------------------------------------------------------------------


def test_generator_rewrites_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SAMPLE_DIR / "generate.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    expected = sorted([*DATA_FILES, "manifest.json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == expected
    for name in expected:
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), (
            f"{name} differs from a fresh run: run `python sample_data/generate.py`"
        )


def test_generator_refuses_extra_arguments(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SAMPLE_DIR / "generate.py"), str(tmp_path), "extra"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert "usage: python sample_data/generate.py [OUTPUT_DIR]" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- manifest and README ----------------------------------------------------------------------


def test_manifest_lists_every_data_file_in_order_and_says_synthetic() -> None:
    entries = _manifest()
    assert [entry["file"] for entry in entries] == DATA_FILES
    on_disk = sorted(p.name for p in SAMPLE_DIR.iterdir() if p.suffix in {".jsonl", ".csv"})
    assert on_disk == sorted(DATA_FILES)
    for entry in entries:
        assert set(entry) == {"file", "name", "description"}
        assert entry["name"].strip()
        assert entry["description"].startswith(SYNTHETIC)
    assert entries[0]["name"] == "Product reviews (stars)"
    assert len({entry["name"] for entry in entries}) == len(entries)


def test_readme_describes_each_file_and_how_to_regenerate() -> None:
    readme = _text("README.md")
    for name in DATA_FILES:
        assert f"`{name}`" in readme
    assert "synthetic" in readme.lower()
    assert "python sample_data/generate.py" in readme


@pytest.mark.parametrize("name", [*DATA_FILES, "manifest.json"])
def test_files_are_utf8_with_unix_line_ends_and_no_blank_lines(name: str) -> None:
    text = _text(name)
    assert "\r" not in text
    assert text.endswith("\n")
    if name.endswith(".jsonl"):
        assert all(line.strip() for line in text.split("\n")[:-1])


# --- product reviews --------------------------------------------------------------------------


def _reviews() -> tuple[list[str], list[str]]:
    rows = _jsonl("product_reviews.jsonl")
    return [row["prompt"] for row in rows], [row["completion"] for row in rows]


def test_reviews_are_legacy_prompt_completion_star_ratings() -> None:
    rows = _jsonl("product_reviews.jsonl")
    assert len(rows) == 1000
    for number, row in enumerate(rows, start=1):
        assert set(row) == {"prompt", "completion"}, f"line {number}"
        title, _, rest = row["prompt"].partition("\n\n")
        assert title.strip() and rest.endswith(SEPARATOR), f"line {number}"
        assert rest.removesuffix(SEPARATOR).strip(), f"line {number}: empty body"
    prompts, labels = _reviews()
    # Unique but for the deliberate faults: 6 exact duplicates and 3 reviews rated twice.
    assert len(set(prompts)) == len(prompts) - 9
    counts = Counter(" " + label.strip() for label in labels)
    assert set(counts) == {" 1", " 2", " 3", " 4", " 5"}
    # A realistic J-shape: most reviews are happy, 2 stars is the rarest.
    assert counts[" 5"] > counts[" 4"] > counts[" 2"]
    assert counts[" 2"] == min(counts.values())


def test_reviews_look_like_scraped_text() -> None:
    prompts, _ = _reviews()
    bodies = [p.partition("\n\n")[2].removesuffix(SEPARATOR) for p in prompts]
    assert sum("<br />" in b or "<p>" in b for b in bodies) >= 5
    assert sum('"' in b for b in bodies) >= 20
    assert sum(b == b.lower() for b in bodies) >= 20
    sentence_counts = Counter(min(b.count(". ") + 1, 5) for b in bodies)
    assert {1, 2, 3, 4, 5} <= set(sentence_counts)


def test_reviews_teach_a_linear_classifier_something_but_not_everything() -> None:
    prompts, spelled = _reviews()
    labels = [label.strip() for label in spelled]  # as the label-variants fix writes them
    x_train, x_test, y_train, y_test = train_test_split(
        prompts, labels, test_size=0.2, random_state=0, stratify=labels
    )
    vectorizer = TfidfVectorizer()
    model = LogisticRegression(max_iter=1000)
    model.fit(vectorizer.fit_transform(x_train), y_train)
    predicted = model.predict(vectorizer.transform(x_test))
    accuracy = sum(p == t for p, t in zip(predicted, y_test, strict=True)) / len(y_test)
    majority = Counter(y_test).most_common(1)[0][1] / len(y_test)
    errors = [(int(p), int(t)) for p, t in zip(predicted, y_test, strict=True) if p != t]
    off_by_one = sum(abs(p - t) == 1 for p, t in errors) / len(errors)
    print(f"accuracy={accuracy:.3f} majority={majority:.3f} off_by_one={off_by_one:.2f}")
    assert accuracy > majority + 0.15
    assert accuracy < 0.85, "reviews are too easy to be a realistic demo"
    assert off_by_one > 0.5, "most mistakes should be a neighbouring star"


# --- product categories -----------------------------------------------------------------------


def test_categories_are_a_quoted_prompt_completion_csv() -> None:
    text = _text("product_categories.csv")
    assert text.startswith("prompt,completion\n")
    rows = _categories()
    assert 600 <= len(rows) <= 1000
    for number, row in enumerate(rows, start=2):
        assert list(row) == ["prompt", "completion"], f"row {number}"
        assert row["prompt"].endswith(SEPARATOR), f"row {number}"
        assert row["completion"].startswith(" ") and row["completion"].strip(), f"row {number}"
    assert len({row["prompt"] for row in rows}) == len(rows)
    # Real quoting: commas and doubled quotes inside fields.
    assert sum("," in row["prompt"] for row in rows) >= len(rows) // 2
    assert sum('"' in row["prompt"] for row in rows) >= 10
    assert '""' in text
    frame = pd.read_csv(SAMPLE_DIR / "product_categories.csv", keep_default_na=False)
    assert frame.to_dict("records") == rows


def test_categories_have_many_clearly_imbalanced_classes() -> None:
    counts = Counter(row["completion"] for row in _categories())
    assert len(counts) >= 10
    largest, smallest = max(counts.values()), min(counts.values())
    total = sum(counts.values())
    assert largest >= 5 * smallest
    assert 0.2 <= largest / total <= 0.3
    assert 0.01 <= smallest / total <= 0.02
    assert counts.most_common(1)[0][0] == " Electronics"


# --- marketing copy ---------------------------------------------------------------------------

SECTOR_WORDS = {
    "Bakery": ("bakery", "bakehouse"),
    "Dental clinic": ("dental",),
    "Fitness studio": ("fitness", "gym"),
    "Accounting firm": ("accounting", "accountancy"),
    "Bike shop": ("bike", "cycle"),
    "Florist": ("florist", "flower"),
}
SIZE_HINTS = {
    "small": ("small", "family-run", "independent", "cosy", "team of four", "tiny team", "by name"),
    "medium": ("mid-sized", "medium-sized", "growing", "well-established", "team of twenty",
               "three friendly locations"),
    "large": ("large", "multi-location", "city-wide", "big", "hundred staff", "branches",
              "150 specialists"),
}  # fmt: skip


def test_marketing_covers_every_sector_city_size_three_times() -> None:
    rows = _jsonl("marketing_copy.jsonl")
    assert len(rows) == 162
    prompts = Counter(row["prompt"] for row in rows)
    sectors = {prompt.split(", ")[0] for prompt in prompts}
    cities = {prompt.split(", ")[1] for prompt in prompts}
    sizes = {prompt.split(", ")[2] for prompt in prompts}
    assert sectors == set(SECTOR_WORDS)
    assert len(cities) == 3
    assert sizes == {"small", "medium", "large"}
    assert set(prompts) == {", ".join(parts) for parts in product(sectors, cities, sizes)}
    assert set(prompts.values()) == {3}
    for prompt in prompts:
        completions = [row["completion"] for row in rows if row["prompt"] == prompt]
        assert len(set(completions)) == 3, prompt


def test_marketing_lines_are_one_sentence_that_fit_their_prompt() -> None:
    for number, row in enumerate(_jsonl("marketing_copy.jsonl"), start=1):
        assert set(row) == {"prompt", "completion"}, f"line {number}"
        sector, city, size = row["prompt"].split(", ")
        line = row["completion"]
        assert line.startswith(" ") and not line.startswith("  "), f"line {number}"
        assert line.endswith(".") and not any(s in line for s in (". ", "? ", "! ")), line
        lowered = line.lower()
        assert city in line, line
        assert any(word in lowered for word in SECTOR_WORDS[sector]), line
        assert any(hint in lowered for hint in SIZE_HINTS[size]), line


# --- support chat -----------------------------------------------------------------------------


def test_support_chat_is_openai_chat_format_with_one_system_message() -> None:
    rows = _jsonl("support_chat.jsonl")
    assert 200 <= len(rows) <= 300
    systems = set()
    for number, row in enumerate(rows, start=1):
        assert list(row) == ["messages"], f"line {number}"
        messages = row["messages"]
        assert len(messages) in (3, 5), f"line {number}"
        for message in messages:
            assert set(message) == {"role", "content"}, f"line {number}"
            assert isinstance(message["content"], str) and message["content"].strip()
        roles = [message["role"] for message in messages]
        assert roles == ["system", *["user", "assistant"] * ((len(roles) - 1) // 2)]
        systems.add(messages[0]["content"])
    assert len(systems) == 1
    assert "Plumtree Planner" in systems.pop()


def test_support_chat_varies_and_has_multi_turn_conversations() -> None:
    rows = _jsonl("support_chat.jsonl")
    multi_turn = sum(len(row["messages"]) == 5 for row in rows)
    assert 0.2 * len(rows) <= multi_turn <= 0.5 * len(rows)
    conversations = {tuple(m["content"] for m in row["messages"]) for row in rows}
    assert len(conversations) == len(rows)
    first_questions = {row["messages"][1]["content"] for row in rows}
    answers = {row["messages"][2]["content"] for row in rows}
    assert len(first_questions) >= 150
    assert len(answers) >= 25
