"""The one shutdown rule (the provider's date for the model, then its base's, then our table),
and the inventory's joins and order, on objects shaped like the SDK's."""

from __future__ import annotations

from datetime import date

import openai.types as t

from lib.migrate.inventory import build_inventory
from lib.providers.config import OPENAI_SHUTDOWN, ProviderConfig
from lib.providers.models import shutdown_of

OPENAI = ProviderConfig(name="OpenAI", kind="openai")
AZURE = ProviderConfig(name="Azure", kind="azure", endpoint="https://x.openai.azure.com")
TODAY = date(2026, 11, 30)


def _model(model_id: str, **extra: object) -> t.Model:
    return t.Model.model_validate(
        {"id": model_id, "object": "model", "created": 1750000000, "owned_by": "acme", **extra}
    )


def _job(model: str, made: str, **extra: object) -> t.FineTuningJob:  # type: ignore[name-defined]
    from openai.types.fine_tuning import FineTuningJob

    return FineTuningJob.model_validate({
        "id": f"ftjob-{made[-4:]}", "object": "fine_tuning.job", "created_at": 1750000000, "error": None,
        "fine_tuned_model": made, "finished_at": 1750000500, "hyperparameters": {"n_epochs": 3},
        "model": model, "organization_id": "org", "result_files": [], "seed": 1, "status": "succeeded",
        "trained_tokens": 12345, "training_file": "file-train", "validation_file": None, **extra,
    })  # fmt: skip


def test_the_rule_prefers_the_provider_then_the_base_then_the_table() -> None:
    assert shutdown_of(OPENAI, "ft:gpt-4o-2024-08-06:acme::a1", own="2026-12-31") == (
        date(2026, 12, 31),
        "provider",
    )
    assert shutdown_of(OPENAI, "ft:gpt-4o-2024-08-06:acme::a1", own=1798761600) == (
        date(2027, 1, 1),
        "provider",
    )
    assert shutdown_of(OPENAI, "ft:x:acme::a1", base="2027-02-01") == (date(2027, 2, 1), "provider")
    assert shutdown_of(OPENAI, "ft:gpt-4.1-2025-04-14:acme::a1") == (OPENAI_SHUTDOWN, "table")
    assert shutdown_of(OPENAI, "gpt-4o-mini-2024-07-18") == (OPENAI_SHUTDOWN, "table")
    assert shutdown_of(OPENAI, "o3-mini") == (None, "")
    assert shutdown_of(AZURE, "ft:gpt-4o-2024-08-06:acme::a1") == (
        None,
        "",
    )  # not OpenAI's schedule


def test_inventory_joins_jobs_skips_bases_and_sorts_by_shutdown() -> None:
    models = [
        _model("gpt-4o-mini-2024-07-18"),
        _model("ft:gpt-4o-mini-2024-07-18:acme::late", shutdown_date="2027-03-01"),
        _model("ft:gpt-4.1-2025-04-14:acme::soon"),
        _model("ft:davinci-002:acme::nodate"),
    ]
    jobs = [
        _job("gpt-4.1-2025-04-14", "ft:gpt-4.1-2025-04-14:acme::soon",
             method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 4, "batch_size": 8}}}),
    ]  # fmt: skip
    found = build_inventory(OPENAI, models, jobs, today=TODAY)
    assert (
        [m.id for m in found]
        == [
            "ft:davinci-002:acme::nodate",  # OpenAI's ft: models follow the table (as the wind-down note)
            "ft:gpt-4.1-2025-04-14:acme::soon",  # the table's 2027-01-14; same day: by id
            "ft:gpt-4o-mini-2024-07-18:acme::late",  # the provider's 2027-03-01
        ]
    )
    soon = found[1]
    assert (soon.job, soon.training_file, soon.trained_tokens) == (
        "ftjob-soon",
        "file-train",
        12345,
    )
    assert soon.hyperparameters == {
        "n_epochs": 4,
        "batch_size": 8,
    }  # the method's over the old field
    assert soon.days_left == 45 and soon.shutdown_source == "table"
    assert found[2].job is None and found[2].base_model == "gpt-4o-mini-2024-07-18"
    assert found[2].days_left == (date(2027, 3, 1) - TODAY).days
