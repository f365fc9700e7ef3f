"""Each rule lives once: one price table every estimate reads, one epochs rule for the estimate
and the engine, one classification rule, one ``ft:`` parser, one Wilson interval."""

from __future__ import annotations

import pytest

from lib.core.examples import Example, default_epochs, is_classification, labels_are_classification
from lib.core.pricing import get_price_table, save_price_table, table_rows
from lib.core.stats import wilson_interval
from lib.core.tokens import base_model, is_fine_tuned, is_legacy_completion_model
from lib.engine.trainer import resolve_hyperparameters
from lib.evaluate import runs as evaluation
from lib.evaluate import testset as tests
from lib.evaluate.requests import ModelSpec
from lib.snapshots.costs import estimate_snapshot, estimate_training
from lib.snapshots.repo import create_snapshot
from lib.synth import make_plan
from lib.synth.estimate import estimate as synth_estimate

from ..export.helpers import classification_rows, make_dataset
from ..synth.test_plan import marketing_spec

MODEL = "gpt-4o-mini-2024-07-18"


def _estimates(db, snapshot_id: int) -> tuple[float, float, float]:
    """Training, evaluation and synthetic-data estimates in dollars, as the screens get them."""
    training = estimate_snapshot(db, snapshot_id, model=f"openai/{MODEL}").cost
    rows = [
        Example(data={"prompt": f"ticket {i} ->", "completion": " a"}, source_row=i)
        for i in range(20)
    ]
    testset = tests.from_examples("completion", rows, file_name="t.jsonl")
    _, requests = evaluation.plan(
        testset, [ModelSpec(MODEL), ModelSpec(f"ft:{MODEL}:org::abc")], task="classification"
    )
    evaluation_cost = evaluation.estimate_cost(
        requests, free_models=set(), table=evaluation.price_table(db)
    ).dollars
    spec = marketing_spec(model=MODEL)
    with db.connect() as conn:
        table = get_price_table(conn)
    synth = synth_estimate(
        make_plan(spec), table=table, provider_kind="openai", provider_name="OpenAI"
    ).cost
    assert training and evaluation_cost and synth
    return training, evaluation_cost, synth


def test_a_price_edited_in_settings_changes_training_evaluation_and_synthetic_estimates(db):
    dataset_id = make_dataset(db, classification_rows(100))
    snapshot_id = create_snapshot(db, dataset_id, author="Ana").id
    before = _estimates(db, snapshot_id)

    # What Providers & settings does: the table's rows, one row edited, saved with a date.
    with db.connect() as conn:
        rows = table_rows(get_price_table(conn))
    for row in rows:
        if row["model"] == MODEL:
            for name in ("training", "input", "output", "base_input", "base_output"):
                row[name] = row[name] * 10
    save_price_table(db, rows, read_on="2026-11-30", source="price sheet")

    after = _estimates(db, snapshot_id)
    for kind, old, new in zip(("training", "evaluation", "synthetic"), before, after, strict=True):
        assert new == pytest.approx(old * 10), kind


@pytest.mark.parametrize(
    ("n", "epochs"), [(31, 3), (33, 3), (34, 3), (30, 3), (20, 5), (7, 14), (3, 25), (10_000, 2)]
)
def test_the_estimate_and_the_engine_choose_the_same_epochs(n: int, epochs: int) -> None:
    # The cookbook divides with //: 31 examples → 100 // 31 = 3 epochs (not 4).
    assert default_epochs(n) == epochs
    assert estimate_training([10] * n, model="m", price=None, limit=100).epochs == epochs
    assert resolve_hyperparameters(n, {"n_epochs": "auto"}).n_epochs == epochs


def test_one_classification_rule() -> None:
    assert labels_are_classification(["a", "b"] * 10)  # 2 labels < 20 / 3
    assert not labels_are_classification(["a", "b", "c", "d", "e", "f", "g"])
    assert not labels_are_classification([])
    assert is_classification(n_examples=30, labels={str(i) for i in range(9)})
    assert not is_classification(n_examples=30, labels={str(i) for i in range(10)})
    # The engine asks the same rule: repeated sentences are free text, not classes.
    answers = [f"Open Settings, then step {i} of the calendar sync guide." for i in range(4)]
    assert not labels_are_classification(answers * 10)


@pytest.mark.parametrize(
    ("name", "base", "tuned"),
    [
        ("ft:gpt-4o-mini-2024-07-18:org:suffix:abc123", "gpt-4o-mini-2024-07-18", True),
        ("ft:tunelab-base:tunelab::abcd1234", "tunelab-base", True),
        ("babbage-002:ft-org-2023-01-01", "babbage-002", True),
        (" gpt-4.1 ", "gpt-4.1", False),
        ("ft:", "ft:", True),
    ],
)
def test_one_fine_tuned_name_parser(name: str, base: str, tuned: bool) -> None:
    assert base_model(name) == base
    assert is_fine_tuned(name) is tuned


def test_legacy_completion_models_by_their_base() -> None:
    assert is_legacy_completion_model("ft:babbage-002:org::x")
    assert not is_legacy_completion_model("ft:gpt-4o-mini-2024-07-18:org::x")


def test_wilson_interval_takes_half_wins() -> None:
    interval = wilson_interval(1.5, 2)
    assert interval.estimate == 0.75 and 0 < interval.low < 0.75 < interval.high <= 1
