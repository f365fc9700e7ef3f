"""The sample reviews hold what a demo of the checks should find, and the fixes clear it."""

from __future__ import annotations

from lib.checks.fixes import apply_edits_in_memory, plan_fix
from lib.checks.registry import run_checks
from lib.checks.residue import has_markup, strip_markup
from lib.checks.view import view_from_datas, view_from_file
from lib.core.paths import SAMPLE_DATA_DIR


def _findings() -> dict[str, object]:
    view = view_from_file(SAMPLE_DATA_DIR / "product_reviews.jsonl")
    return {f.check: f for f in run_checks(view)}


def test_the_checks_find_the_sample_reviews_faults() -> None:
    found = _findings()
    warnings = {name for name, f in found.items() if f.severity == "warning"}
    assert {
        "duplicates",
        "near_duplicates",
        "conflicting_labels",
        "label_variants",
        "completion_leading_space",
        "html_residue",
    } <= warnings
    assert len(found["duplicates"].rows) == 6
    assert len(found["near_duplicates"].rows) == 4
    assert len(found["conflicting_labels"].details["groups"]) == 3
    assert "' 5' / '5'" in found["label_variants"].message


def test_html_fix_turns_breaks_into_lines_and_decodes_entities() -> None:
    assert strip_markup("Great<br />Loud <p>fan</p> &amp; it&#39;s fine") == (
        "Great\nLoud fan & it's fine"
    )
    assert not has_markup("a <b and c> d")  # a comparison, not markup
    view = view_from_datas(
        "completion",
        [
            {"prompt": "Nice<br/>kettle\n\n###\n\n", "completion": " 5"},
            {"prompt": "Plain text\n\n###\n\n", "completion": " 4"},
        ],
    )
    edits = plan_fix(view, "strip_html")
    assert [e.index for e in edits] == [0]
    fixed = apply_edits_in_memory(view, edits)
    assert fixed[0]["prompt"] == "Nice\nkettle\n\n###\n\n"
    assert fixed[1] == view.datas[1]


def test_near_duplicate_fix_keeps_the_first() -> None:
    view = view_from_datas(
        "completion",
        [
            {"prompt": "Good blender.", "completion": " 5"},
            {"prompt": "GOOD  blender", "completion": " 5"},
            {"prompt": "Good blender.", "completion": " 5"},  # exact: the other check's
        ],
    )
    assert [e.index for e in plan_fix(view, "drop_near_duplicates")] == [1]
