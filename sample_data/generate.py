"""Write Tunelab's synthetic demo datasets and their manifest.

Usage: ``python sample_data/generate.py [OUTPUT_DIR]`` (default: this folder).

Why a generator and not checked-in data from elsewhere: Tunelab must work offline on first
start, and its demo data must be free of anyone else's rights. Everything here is invented by
seeded code using only the standard library, so the same command writes byte-for-byte the same
files on any machine, and a test checks that the committed files match.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

# The script is run by path, so its own folder is on sys.path and the builders import directly.
import gen_categories
import gen_marketing
import gen_reviews
import gen_support

HERE = Path(__file__).resolve().parent
SYNTHETIC = "Synthetic demo data written by Tunelab's generator: "

Rows = Sequence[Mapping[str, object]]


def _jsonl(rows: Rows) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _csv(rows: Rows) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["prompt", "completion"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# (file, name shown in the app, description, builder, serialiser), in the order shown.
DATASETS: list[tuple[str, str, str, Callable[[], Rows], Callable[[Rows], str]]] = [
    (
        "product_reviews.jsonl",
        "Product reviews (stars)",
        SYNTHETIC + "1,000 invented product reviews (title and text) labelled with a star "
        'rating " 1" to " 5", legacy prompt/completion form. More 5s and 4s than 2s, mixed '
        "opinions, typos and a few mislabelled rows, so a simple classifier gets about two "
        "thirds right and most of its mistakes are one star off. Like scraped data it also holds "
        "a few duplicates and near-duplicates, one review rated twice, ratings without their "
        "leading space and HTML residue, for the checks to find.",
        gen_reviews.build,
        _jsonl,
    ),
    (
        "product_categories.csv",
        "Product categories",
        SYNTHETIC + "800 invented product listings (title and short description) labelled "
        "with one of 11 shop categories, prompt,completion CSV. Deliberately imbalanced: "
        "Electronics is 25% of the rows, Automotive 1.5%.",
        gen_categories.build,
        _csv,
    ),
    (
        "marketing_copy.jsonl",
        "Marketing copy",
        SYNTHETIC + 'one-sentence marketing lines for prompts "<sector>, <city>, <size>" '
        "(6 sectors × 3 cities × 3 sizes, 3 different lines each, 162 rows). Free-text "
        "generation; prompts have no separator and completions no stop sequence, for the "
        "checks to suggest.",
        gen_marketing.build,
        _jsonl,
    ),
    (
        "support_chat.jsonl",
        "Support chat (Plumtree Planner)",
        SYNTHETIC + "240 chat-format support conversations for Plumtree Planner, an invented "
        "calendar and to-do app: one system message, user questions in varied wording, "
        "consistent answers, about a third of them with a follow-up question.",
        gen_support.build,
        _jsonl,
    ),
]


def manifest() -> list[dict[str, str]]:
    """The list the app reads to offer the samples, in display order."""
    return [
        {"file": file, "name": name, "description": description}
        for file, name, description, _, _ in DATASETS
    ]


def write_all(output_dir: Path) -> list[Path]:
    """(Re)write every dataset and ``manifest.json`` into ``output_dir``; return the paths."""
    output_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for file, _, _, build, serialise in DATASETS:
        path = output_dir / file
        path.write_text(serialise(build()), encoding="utf-8", newline="")
        written.append(path)
    path = output_dir / "manifest.json"
    text = json.dumps(manifest(), ensure_ascii=False, indent=2) + "\n"
    path.write_text(text, encoding="utf-8", newline="")
    written.append(path)
    return written


def main(argv: Sequence[str]) -> int:
    if len(argv) > 1:
        print("usage: python sample_data/generate.py [OUTPUT_DIR]", file=sys.stderr)
        return 2
    output_dir = Path(argv[0]) if argv else HERE
    for path in write_all(output_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
