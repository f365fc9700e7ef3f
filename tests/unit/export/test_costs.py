"""Cost and time estimates, the price table, and the inference cost chart."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lib.core.errors import UserError
from lib.core.examples import default_epochs
from lib.core.pricing import (
    PRICES_READ_ON,
    ModelPrice,
    default_table,
    get_price_table,
    reset_price_table,
    save_price_table,
    table_rows,
)
from lib.snapshots.cost_chart import Scenario, build_figure, inference_series
from lib.snapshots.costs import estimate_snapshot, estimate_training, format_money
from lib.snapshots.repo import create_snapshot

from .helpers import make_dataset

PRICE = ModelPrice(
    provider="test",
    model="gpt-4o-mini-2024-07-18",
    training=3.0,
    input=0.3,
    output=1.2,
    base_input=0.15,
    base_output=0.6,
    train_tokens_per_second=1000,
)


@pytest.mark.parametrize(
    ("n", "epochs"), [(100, 3), (20, 5), (10, 10), (1, 25), (8_000, 3), (10_000, 2), (40_000, 1)]
)
def test_auto_epochs_follow_the_cookbook(n: int, epochs: int) -> None:
    # 3 epochs unless n × 3 leaves 100..25,000: 20 → 100 // 20 = 5; 10,000 → 25,000 // 10,000
    # = 2; 40,000 → 0, clamped to 1.
    assert default_epochs(n) == epochs
    assert estimate_training([10] * n, model="m", price=None, limit=100).epochs == epochs


def test_billed_tokens_and_cost_by_hand() -> None:
    # 20 examples: 18 of 100 tokens, 2 of 5,000 truncated to the 1,000 limit.
    tokens = [100] * 18 + [5_000] * 2
    estimate = estimate_training(tokens, model="m", price=PRICE, limit=1_000)
    assert estimate.epochs == 5 and estimate.epochs_auto
    assert estimate.tokens_per_epoch == 18 * 100 + 2 * 1_000 == 3_800
    assert estimate.billed_tokens == 5 * 3_800 == 19_000
    assert estimate.cost == pytest.approx(19_000 * 3.0 / 1_000_000)  # $0.057
    assert estimate.over_limit == 2
    assert estimate.seconds == pytest.approx(600 + 19_000 / 1000)
    assert "Estimated cost: $0.06" in estimate.lines()
    chosen = estimate_training(tokens, model="m", price=PRICE, limit=1_000, epochs=2)
    assert chosen.billed_tokens == 7_600 and not chosen.epochs_auto


def test_bad_epochs_and_empty_split_are_refused() -> None:
    with pytest.raises(UserError, match="between 1 and 25"):
        estimate_training([1], model="m", price=PRICE, limit=10, epochs=30)
    with pytest.raises(UserError, match="empty"):
        estimate_training([], model="m", price=PRICE, limit=10)


def test_estimate_for_a_snapshot_counts_real_tokens(db: sa.Engine) -> None:
    rows = [{"prompt": "hello world", "completion": " yes"} for _ in range(100)]
    dataset_id = make_dataset(db, rows)
    snap = create_snapshot(db, dataset_id, author="Ana", stratify=False)
    estimate = estimate_snapshot(db, snap.id, model="openai/gpt-4o-mini-2024-07-18")
    # o200k: "hello world" = 2 tokens, " yes" = 1 token; 80 train examples, 3 epochs
    assert not estimate.approximate
    assert estimate.n_examples == 80 and estimate.epochs == 3
    assert estimate.tokens_per_epoch == 80 * 3
    assert estimate.billed_tokens == 720
    assert estimate.cost == pytest.approx(720 * 3.0 / 1_000_000)
    assert "Prices as read on" in estimate.price_caption


def test_price_table_defaults_edits_and_reset(db: sa.Engine) -> None:
    table = default_table()
    assert table.read_on == PRICES_READ_ON
    assert "check the provider's pricing page" in table.caption()
    assert table.find("ft:gpt-4o-mini-2024-07-18:org::abc").training == 3.0
    assert table.find("engine/tunelab-base").training == 0.0
    rows = table_rows(table)
    rows[0]["training"] = 99.5
    rows.append({"provider": "azure", "model": "gpt-4o-mini", "training": "3.3", "input": None})
    save_price_table(db, rows, read_on="2026-11-21", source="Azure price sheet")
    with db.connect() as conn:
        edited = get_price_table(conn)
    assert edited.edited and edited.read_on == "2026-11-21"
    assert edited.rows[0].training == 99.5
    assert edited.find("azure/gpt-4o-mini").training == 3.3
    with pytest.raises(UserError, match="row 1: training must be a number"):
        save_price_table(db, [{"provider": "x", "model": "y", "training": "cheap"}], read_on="now")
    with pytest.raises(UserError, match="appears twice"):
        save_price_table(db, [{"provider": "x", "model": "y"}] * 2, read_on="now")
    reset_price_table(db)
    with db.connect() as conn:
        assert not get_price_table(conn).edited


def test_inference_chart_break_even_by_hand() -> None:
    # base: 100 + 10 × 50 = 600 prompt tokens at $0.15/M + 10 output at $0.60/M = $0.000096
    # fine-tuned: 100 prompt tokens at $0.30/M + 10 output at $1.20/M = $0.000042
    scenario = Scenario(
        requests_per_day=1_000,
        days=30,
        prompt_tokens=100,
        few_shot_examples=10,
        tokens_per_example=50,
        fine_tuned_prompt_tokens=100,
        output_tokens=10,
        training_cost=0.54,
    )
    series = inference_series(scenario, fine_tuned=PRICE)
    assert series.per_request_base == pytest.approx(0.000096)
    assert series.per_request_fine_tuned == pytest.approx(0.000042)
    assert series.fine_tuned[0] == pytest.approx(0.54)
    assert series.base[30] == pytest.approx(30 * 0.096)
    assert series.break_even_day == pytest.approx(0.54 / (0.096 - 0.042))  # day 10
    figure = build_figure(series, caption="prices …")
    assert len(figure.data) == 2
    assert figure.layout.shapes[0].x0 == pytest.approx(10)


def test_inference_chart_without_break_even() -> None:
    scenario = Scenario(1_000, 10, 100, 0, 0, 100, 10, training_cost=1.0)
    series = inference_series(scenario, fine_tuned=PRICE)
    assert series.break_even_day is None
    with pytest.raises(UserError, match="days"):
        inference_series(Scenario(1, 0, 1, 1, 1, 1, 1), fine_tuned=PRICE)
    with pytest.raises(UserError, match="no base input price"):
        inference_series(scenario, fine_tuned=ModelPrice("p", "m", input=1, output=1))


def test_money_format() -> None:
    assert format_money(None) == "unknown"
    assert format_money(0.0004) == "$0.00040"
    assert format_money(0.000042) == "$0.000042"
    assert format_money(1234.5) == "$1,234.50"
