"""``python -m lib prepare -q`` writes the same examples, and the same split, as the legacy
``openai tools fine_tunes.prepare_data -q`` (openai 0.28.1 in a temporary venv)."""

from __future__ import annotations

import csv
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .legacy_tool import default_folder, legacy_python, run_legacy


@pytest.fixture(scope="session")
def legacy() -> Path:
    return legacy_python(default_folder())


def _csv(path: Path, rows: list[tuple[str, str]], header=("prompt", "completion")) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _jsonl(path: Path, rows: list[tuple[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for p, c in rows:
            handle.write(json.dumps({"prompt": p, "completion": c}) + "\n")
    return path


def _shapes(rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    words = ["alpha", "beta", "gamma", "delta", "Ωmega", "naïve", "zeta", "eta", "theta"]

    def sentence(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n))

    classes = ["positive", "negative", "neutral"]
    return {
        "classification": [(sentence(6), rng.choice(classes)) for _ in range(300)],
        "classification_sep": [
            (sentence(5) + "\n\n###\n\n", " " + rng.choice(classes)) for _ in range(260)
        ],
        "classification_newlines": [
            (sentence(3) + "\n" + sentence(3), rng.choice(classes)) for _ in range(150)
        ],
        "generation": [
            (sentence(4), sentence(12) + rng.choice([".", "!", ""])) for _ in range(120)
        ],
        "uppercase": [(sentence(5).upper(), sentence(8).upper()) for _ in range(80)],
        "prefixes": [
            ("Classify the following sentence, please: " + sentence(5), "Label: " + sentence(3))
            for _ in range(90)
        ],
        "duplicates_and_empty": [
            (f"item {i % 40}", f"answer {i % 40}" if i % 17 else "") for i in range(200)
        ],
        "long_rows": [
            (sentence(4) + ("x" * 10_001 if i in (3, 9) else ""), sentence(6)) for i in range(60)
        ],
        "big_classification": [(sentence(8), rng.choice(classes)) for _ in range(6000)],
    }


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _outputs(folder: Path, stem: str) -> dict[str, Path]:
    return {p.name[len(stem) :]: p for p in sorted(folder.glob(f"{stem}_prepared*.jsonl"))}


@pytest.mark.slow
def test_prepare_matches_legacy_on_generated_shapes(legacy: Path, tmp_path: Path):
    rng = random.Random(7)
    for name, rows in _shapes(rng).items():
        for writer, ext in ((_csv, "csv"), (_jsonl, "jsonl")):
            if ext == "jsonl" and name not in ("classification", "generation", "prefixes"):
                continue
            theirs_dir, ours_dir = (
                tmp_path / f"legacy_{name}_{ext}",
                tmp_path / f"ours_{name}_{ext}",
            )
            theirs_dir.mkdir()
            ours_dir.mkdir()
            source = writer(theirs_dir / f"{name}.{ext}", rows)
            shutil.copy(source, ours_dir / source.name)
            legacy_run = run_legacy(legacy, source)
            assert legacy_run.returncode == 0, legacy_run.stderr[-2000:]
            ours = subprocess.run(
                [sys.executable, "-m", "lib", "prepare", str(ours_dir / source.name), "-q"],
                capture_output=True,
                text=True,
            )
            assert ours.returncode == 0, ours.stderr
            theirs_files, our_files = _outputs(theirs_dir, name), _outputs(ours_dir, name)
            assert set(theirs_files) == set(our_files), (name, ext, legacy_run.stdout[-1500:])
            for suffix, path in theirs_files.items():
                assert _records(our_files[suffix]) == _records(path), (name, ext, suffix)


def test_prepare_matches_the_legacy_output_of_the_real_file(shared_datasets, tmp_path: Path):
    source = tmp_path / "out_openai_completion.csv"
    shutil.copy(shared_datasets / "gpt_examples/out_openai_completion.csv", source)
    result = subprocess.run(
        [sys.executable, "-m", "lib", "prepare", str(source), "-q"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    expected = (shared_datasets / "gpt_examples/out_openai_completion_prepared.jsonl").read_bytes()
    assert (tmp_path / "out_openai_completion_prepared.jsonl").read_bytes() == expected
    assert "Add a suffix separator ` ->` to all prompts" in result.stdout
