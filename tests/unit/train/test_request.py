"""Launch requests: hyperparameters, method payloads, file formats and keys (pure parts)."""

from __future__ import annotations

import pytest

from lib.core.errors import UserError
from lib.providers import ProviderConfig
from lib.train.files import file_format
from lib.train.launch import _method_payload
from lib.train.request import LaunchRequest, clean_hyperparameters, launch_key, validate_request


def _request(**changes) -> LaunchRequest:
    return LaunchRequest(
        snapshot_id=1, provider="OpenAI", model="gpt-4o-mini-2024-07-18", **changes
    )


def test_auto_values_are_left_out_and_numbers_checked():
    request = _request(
        hyperparameters={"n_epochs": 3.0, "batch_size": "auto", "learning_rate_multiplier": 0.5}
    )
    assert clean_hyperparameters(request) == {"n_epochs": 3, "learning_rate_multiplier": 0.5}
    with pytest.raises(UserError, match="beta is not a hyperparameter of the supervised method"):
        clean_hyperparameters(_request(hyperparameters={"beta": 0.1}))
    with pytest.raises(UserError, match="positive"):
        clean_hyperparameters(_request(hyperparameters={"n_epochs": 0}))


def test_method_payloads_follow_openai_shapes():
    assert _method_payload(_request()) == {"type": "supervised", "supervised": {}}
    dpo = _request(method="dpo", hyperparameters={"beta": 0.2, "n_epochs": 2})
    assert _method_payload(dpo) == {
        "type": "dpo",
        "dpo": {"hyperparameters": {"beta": 0.2, "n_epochs": 2}},
    }


def test_file_formats():
    assert file_format(schema="completion", method="supervised", model="gpt-4o-mini") == "chat"
    assert (
        file_format(schema="completion", method="supervised", model="babbage-002") == "completion"
    )
    assert (
        file_format(schema="chat", method="supervised", model="ft:davinci-002:o::x") == "completion"
    )
    assert file_format(schema="preference", method="dpo", model="gpt-4.1-mini") == "preference"
    with pytest.raises(UserError, match="DPO trains on preference data"):
        file_format(schema="chat", method="dpo", model="gpt-4.1-mini")


def test_what_a_provider_cannot_do_is_refused():
    serving_only = ProviderConfig(name="Ollama", kind="compatible", base_url="http://o/v1")
    with pytest.raises(UserError, match="not set up for fine-tuning"):
        validate_request(_request(), serving_only)
    openai_config = ProviderConfig(name="OpenAI", kind="openai")
    validate_request(_request(method="dpo"), openai_config)
    with pytest.raises(UserError, match="does not offer the reinforcement"):
        validate_request(
            _request(method="reinforcement"),
            ProviderConfig(name="T", kind="compatible", base_url="http://t/v1", can_train=True),
        )


def test_keys_are_stable_per_store_and_differ_between_stores(db, tmp_path):
    from lib.core.db import create_engine_for
    from lib.core.migrations import migrate

    other = create_engine_for(f"sqlite:///{tmp_path / 'other.db'}")
    migrate(other)
    request = _request(hyperparameters={"n_epochs": 2})
    same = _request(hyperparameters={"n_epochs": 2.0, "batch_size": "auto"})
    assert launch_key(db, request) == launch_key(db, same)
    assert launch_key(db, request, attempt=2) != launch_key(db, request)
    assert launch_key(db, request) != launch_key(db, _request(seed=1))
    assert launch_key(db, request) != launch_key(other, request)  # another store
    other.dispose()
