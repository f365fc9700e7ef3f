"""Try a model against the built-in engine over loopback: base and fine-tuned, with logprobs."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from lib.core.errors import UserError
from lib.core.identity import Actor, Role
from lib.evaluate.try_model import try_model
from lib.providers import ENGINE_NAME
from tests.unit.evaluate.helpers import BASE, review_rows

TRAINER = Actor(name="Ana", verified=True, roles=frozenset({Role.TRAINER}))
VIEWER = Actor(name="Vic", verified=True, roles=frozenset({Role.VIEWER}))


@pytest.fixture
def engine_env(engine_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TUNELAB_ENGINE_URL", engine_url)
    return engine_url


def test_a_fine_tuned_model_answers_with_token_probabilities(
    db: sa.Engine, engine_env: str, trained_model: str
) -> None:
    prompt = review_rows()[0]["prompt"].removesuffix("\n\n###\n\n")
    answer = try_model(
        db, provider=ENGINE_NAME, model=trained_model, prompt=prompt, max_tokens=4, actor=TRAINER
    )
    assert answer.output.strip() in {"1", "2", "3", "4", "5"}
    assert answer.tokens and answer.tokens[0].alternatives
    first = answer.tokens[0]
    assert 0 < first.probability <= 1
    assert first.alternatives[0][1] >= first.alternatives[-1][1]
    assert abs(sum(p for _, p in first.alternatives) - 1) < 0.2
    assert math.isclose(answer.confidence, math.prod(t.probability for t in answer.tokens))
    base = try_model(db, provider=ENGINE_NAME, model=BASE, prompt=prompt, actor=TRAINER)
    assert base.model == BASE and base.endpoint == "chat" and base.output


def test_refusals_are_sentences(db: sa.Engine, engine_env: str) -> None:
    with pytest.raises(UserError, match="trainer"):
        try_model(db, provider=ENGINE_NAME, model=BASE, prompt="hi", actor=VIEWER)
    with pytest.raises(UserError, match="write a prompt"):
        try_model(db, provider=ENGINE_NAME, model=BASE, prompt="  ", actor=TRAINER)
    with pytest.raises(UserError):
        try_model(db, provider=ENGINE_NAME, model="no-such-model", prompt="hi", actor=TRAINER)
