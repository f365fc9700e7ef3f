"""Every fix: previewed, applied to a stored dataset as one batch, and undone."""

from __future__ import annotations

import pytest

from lib.checks import run_checks, view_from_store
from lib.checks.fixes import FIXES, apply_fix, preview_fix
from lib.checks.stored import example_ids_with_findings, save_findings
from lib.core.errors import StaleVersionError, UserError
from lib.core.example_store import Change, iter_examples, list_batches, undo_batch, update_example
from lib.datasets.repo import get_dataset

from .conftest import chat

PC = [
    {"prompt": "Say it LOUD: Apple", "completion": "FRUIT"},
    {"prompt": "Say it LOUD: Apple", "completion": "FRUIT"},
    {"prompt": "Say it LOUD: Carrot", "completion": " VEGETABLE"},
    {"prompt": "Say it LOUD: carrot!", "completion": "FRUIT"},
    {"prompt": "Say it LOUD: Pear", "completion": ""},
    {"prompt": "Say it LOUD: Leek", "completion": "VEGETABLE"},
    {"prompt": "Say it LOUD: " + "x" * 10_001, "completion": "FRUIT"},
] + [{"prompt": f"Say it LOUD: item {i}", "completion": "FRUIT"} for i in range(8)]

CHAT = [
    chat(("system", "Be brief."), ("user", "hi"), ("assistant", "hello")),
    chat(("user", "bye"), ("assistant", "goodbye")),
    chat(("user", "   "), ("assistant", "ok")),
    {"messages": [{"role": "user", "content": "x"}]},
]

# fix → (schema, data, expected (changed, dropped))
CASES = {
    "drop_extra_keys": ("completion", [{**PC[0], "extra": 1}, PC[2]], (1, 0)),
    "rename_columns": ("completion", [{"Prompt": "a", "completion": "b"}, PC[2]], (1, 0)),
    "drop_empty": ("completion", PC, (0, 1)),
    "drop_duplicates": ("completion", PC, (0, 1)),
    "merge_conflicts": ("completion", PC, (0, 1)),
    "drop_long": ("completion", PC, (0, 1)),
    "drop_over_limit": (
        "completion",
        [{"prompt": "word " * 70_000, "completion": "a"}, PC[2]],
        (0, 1),
    ),
    "truncate_over_limit": (
        "completion",
        [{"prompt": "word " * 70_000, "completion": "a"}, PC[2]],
        (1, 0),
    ),
    "lowercase_prompt": ("completion", PC, (15, 0)),
    "lowercase_completion": ("completion", PC, (14, 0)),
    "add_separator": ("completion", PC, (15, 0)),
    "strip_prompt_prefix": ("completion", PC, (15, 0)),
    "strip_completion_prefix": (
        "completion",
        [{"prompt": "a", "completion": "Answer: 1"}, {"prompt": "b", "completion": "Answer: 2"}],
        (2, 0),
    ),
    "add_ending": ("completion", PC, (15, 0)),
    "add_leading_space": ("completion", PC, (14, 0)),
    "normalise_labels": ("completion", PC, (1, 0)),
    "add_system_message": ("chat", CHAT, (3, 0)),
    "drop_invalid": ("chat", CHAT, (0, 1)),
    "convert_to_chat": ("completion", PC[:4], (4, 0)),
    "convert_to_completion": ("chat", CHAT[:2], (2, 0)),
    "drop_near_duplicates": (
        "completion",
        [PC[2], {"prompt": "SAY IT LOUD:  carrot", "completion": " vegetable"}, PC[5]],
        (0, 1),
    ),
    "strip_html": (
        "completion",
        [{"prompt": "Great<br />kettle &amp; lid", "completion": " 5"}, PC[2]],
        (1, 0),
    ),
}


def _state(db, dataset_id):
    return [(r.id, r.data, r.deleted) for r in iter_examples(db, dataset_id, include_deleted=True)]


def test_every_fix_has_a_case():
    assert set(CASES) == set(FIXES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fix_preview_apply_undo(db, store_dataset, name):
    schema, datas, (changed, dropped) = CASES[name]
    dataset_id = store_dataset(schema, datas)
    before = _state(db, dataset_id)
    view = view_from_store(db, dataset_id)
    preview = preview_fix(view, name)
    assert (preview.n_changed, preview.n_dropped) == (changed, dropped)
    assert preview.samples and preview.samples[0]["before"] != preview.samples[0]["after"]
    batch = apply_fix(db, view, name, author="ann")
    assert batch is not None
    after = _state(db, dataset_id)
    assert (
        sum(1 for (_, d0, x0), (_, d1, x1) in zip(before, after, strict=True) if d0 != d1)
        == changed
    )
    assert sum(1 for _, _, deleted in after if deleted) == dropped
    with db.connect() as conn:
        assert list_batches(conn, dataset_id)[0].n_changes == changed + dropped
        schema_now = get_dataset(conn, dataset_id).schema
    assert schema_now == (FIXES[name].new_schema or schema)
    undo_batch(db, batch, author="ann")
    assert _state(db, dataset_id) == before
    with db.connect() as conn:
        assert get_dataset(conn, dataset_id).schema == schema


def test_stale_example_refuses_whole_fix(db, store_dataset):
    dataset_id = store_dataset("completion", PC)
    view = view_from_store(db, dataset_id)
    first = next(iter_examples(db, dataset_id))
    update_example(
        db, Change(first.id, first.version, data={"prompt": "x", "completion": " y"}), author="bob"
    )
    before = _state(db, dataset_id)
    with pytest.raises(StaleVersionError):
        apply_fix(db, view, "add_leading_space", author="ann")
    assert _state(db, dataset_id) == before


def test_fix_needs_author_and_matching_schema(db, store_dataset):
    dataset_id = store_dataset("completion", PC)
    view = view_from_store(db, dataset_id)
    with pytest.raises(UserError):
        apply_fix(db, view, "add_leading_space", author=" ")
    with pytest.raises(UserError, match="does not apply"):
        apply_fix(db, view, "add_system_message", author="ann")


def test_conversion_error_names_the_row_and_writes_nothing(db, store_dataset):
    dataset_id = store_dataset("chat", CHAT)  # row 5 has no assistant message
    view = view_from_store(db, dataset_id)
    with pytest.raises(UserError, match="row 5"):
        apply_fix(db, view, "convert_to_completion", author="ann")
    with db.connect() as conn:
        assert list_batches(conn, dataset_id) == []


def test_stored_findings_for_review_filter(db, store_dataset):
    dataset_id = store_dataset("completion", PC)
    view = view_from_store(db, dataset_id)
    findings = run_checks(view)
    assert save_findings(db, dataset_id, view.data_version, findings) > 0
    with db.connect() as conn:
        ids = example_ids_with_findings(conn, dataset_id)
    duplicate = next(f for f in findings if f.check == "duplicates")
    assert set(duplicate.example_ids) <= ids
    save_findings(db, dataset_id, view.data_version, [])
    with db.connect() as conn:
        assert example_ids_with_findings(conn, dataset_id) == set()


def test_deleting_a_checked_dataset_removes_its_findings(db, store_dataset):
    import sqlalchemy as sa

    from lib.checks.tables import check_findings
    from lib.datasets.repo import delete_dataset

    dataset_id = store_dataset("completion", PC)
    view = view_from_store(db, dataset_id)
    save_findings(db, dataset_id, view.data_version, run_checks(view))
    delete_dataset(db, dataset_id)
    with db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(check_findings)).scalar() == 0
