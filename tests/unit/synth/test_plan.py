"""The specification's checks, the cross product, the requests and the estimate."""

from __future__ import annotations

import dataclasses

import pytest

from lib.core.errors import UserError
from lib.core.pricing import default_table
from lib.synth import demo, estimate, make_plan
from lib.synth.plan import MAX_REQUESTS, SynthSpec
from tests.unit.synth.conftest import small_spec


def marketing_spec(**changes: object) -> SynthSpec:
    spec = SynthSpec(
        generation_template=demo.GENERATION_TEMPLATE,
        training_template=demo.TRAINING_TEMPLATE,
        values=demo.values(),
        samples=demo.SAMPLES,
        dataset_name="m",
    )
    return dataclasses.replace(spec, **changes)


def test_marketing_example_is_6_x_3_x_3_x_3():
    plan = make_plan(marketing_spec())
    assert plan.placeholders == ("sector", "city", "size")
    assert (plan.n_combinations, plan.n_requests) == (54, 162)
    assert plan.warnings == ()
    requests = list(plan.requests())
    assert len(requests) == 162
    assert len({r.item for r in requests}) == 162
    # The book's training prompts, each three times.
    prompts = [r.meta["training_prompt"] for r in requests]
    assert prompts[:4] == ["Grocery Stores, Brussels, small"] * 3 + [
        "Grocery Stores, Brussels, medium"
    ]
    assert prompts[-1] == "Electronics Stores, Berlin, large"
    assert all(prompts.count(p) == 3 for p in set(prompts))


def test_requests_carry_model_temperature_tokens_system_and_a_seed_per_sample():
    plan = make_plan(
        small_spec(system="You write short sales copy.", temperature=1.3, max_tokens=77)
    )
    first, second = list(plan.requests())[:2]
    assert first.model == "tunelab-base" and first.endpoint == "chat"
    assert first.body["messages"][0] == {"role": "system", "content": "You write short sales copy."}
    assert first.body["messages"][1]["content"] == (
        "Write one sentence selling payment terminals to small bakeries in Paris."
    )
    assert (first.body["temperature"], first.body["max_tokens"]) == (1.3, 77)
    assert first.meta["values"] == second.meta["values"]
    assert (first.meta["sample"], second.meta["sample"]) == (1, 2)
    assert first.body["seed"] != second.body["seed"]
    # Deterministic: the same spec asks the same; another base seed asks differently.
    assert [r.body["seed"] for r in make_plan(small_spec()).requests()] == [
        r.body["seed"] for r in make_plan(small_spec()).requests()
    ]
    other = [r.body["seed"] for r in make_plan(small_spec(seed=7)).requests()]
    assert set(other).isdisjoint(r.body["seed"] for r in make_plan(small_spec()).requests())


def test_seeds_do_not_move_when_a_value_is_added():
    before = {
        r.meta["training_prompt"] + str(r.meta["sample"]): r.body["seed"]
        for r in make_plan(small_spec()).requests()
    }
    values = {
        "sector": ["bakeries", "pharmacies", "florists"],
        "city": ["Paris", "Berlin"],
        "size": ["small"],
    }
    after = {
        r.meta["training_prompt"] + str(r.meta["sample"]): r.body["seed"]
        for r in make_plan(small_spec(values=values)).requests()
    }
    assert all(after[key] == seed for key, seed in before.items())


def test_missing_placeholder_values_are_an_error_naming_them():
    values = {"sector": ["bakeries"], "size": ["small"]}
    with pytest.raises(UserError) as error:
        make_plan(small_spec(values=values))
    message = str(error.value)
    assert "{city}" in message and "generation and training prompt" in message
    with pytest.raises(UserError, match=r"\{size\}"):
        make_plan(small_spec(values={"sector": ["a"], "city": ["b"], "size": []}))


def test_unused_values_and_mismatched_templates_warn():
    values = {"sector": ["a"], "city": ["b"], "size": ["c"], "colour": ["red"]}
    plan = make_plan(small_spec(values=values, training_template="{sector}, {city}"))
    text = " | ".join(plan.warnings)
    assert "values were given for {colour}, which neither template uses" in text
    assert "the training prompt does not use {size}" in text
    assert plan.n_combinations == 1  # unused values do not multiply the requests


def test_template_errors_and_bad_numbers_are_user_errors():
    with pytest.raises(UserError, match="the generation prompt, line 1, column 1"):
        make_plan(small_spec(generation_template="{oops"))
    with pytest.raises(UserError, match="samples per combination"):
        make_plan(small_spec(samples=0))
    with pytest.raises(UserError, match="temperature"):
        make_plan(small_spec(temperature=2.5))
    with pytest.raises(UserError, match="needs a name"):
        make_plan(small_spec(dataset_name="  "))
    with pytest.raises(UserError, match="training prompt"):
        make_plan(small_spec(training_template=""))


def test_too_many_requests_are_refused_before_anything_is_sent():
    values = {
        "sector": [str(i) for i in range(1000)],
        "city": [str(i) for i in range(100)],
        "size": ["s"],
    }
    with pytest.raises(UserError) as error:
        make_plan(small_spec(values=values))
    assert f"at most {MAX_REQUESTS:,}" in str(error.value) and "200,000 requests" in str(
        error.value
    )


def test_preview_renders_the_first_combinations():
    rows = make_plan(marketing_spec()).preview(n=2)
    assert [r.training_prompt for r in rows] == [
        "Grocery Stores, Brussels, small",
        "Grocery Stores, Brussels, medium",
    ]
    assert "- sector of activity: Grocery Stores" in rows[0].generation_prompt
    assert "{" not in rows[0].generation_prompt


def test_spec_round_trips_through_json():
    spec = small_spec(system="s", output="chat", training_system="t")
    again = SynthSpec.from_json(spec.to_json())
    assert again.to_json() == spec.to_json()
    assert make_plan(again).n_requests == make_plan(spec).n_requests == 8


def test_estimate_engine_is_free_openai_is_priced_unknown_is_said():
    plan = make_plan(marketing_spec())
    table = default_table()
    free = estimate(plan, table=table, provider_kind="engine", provider_name="Built-in engine")
    assert free.n_requests == 162 and free.cost == 0.0
    assert "no charge" in free.summary()
    assert free.max_output_tokens == 162 * plan.spec.max_tokens
    priced_plan = make_plan(marketing_spec(model="gpt-4o-mini-2024-07-18", max_tokens=100))
    priced = estimate(priced_plan, table=table, provider_kind="openai", provider_name="OpenAI")
    expected = (priced.prompt_tokens * 0.15 + 162 * 100 * 0.60) / 1e6
    assert priced.cost == pytest.approx(expected)
    assert priced.prompt_tokens > 162 * 100  # each rendered prompt is well over 100 tokens
    assert "at most $" in priced.summary()
    unknown = estimate(
        make_plan(marketing_spec(model="llama-3.1-8b")),
        table=table,
        provider_kind="compatible",
        provider_name="Local vLLM",
    )
    assert unknown.cost is None and "unknown cost" in unknown.summary()
    assert "no price for llama-3.1-8b" in unknown.cost_note
    assert not unknown.tokens_exact and "approximation" in unknown.token_note
