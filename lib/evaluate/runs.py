"""Evaluation runs: a test set × models, stored and executed by :mod:`lib.runner`.

The run's settings (never a key) say where each model lives, so any process can resume it:
``{"source", "schema", "task", "models": [ModelSpec…], "top_k", "max_tokens", "separator",
"ending", "labels", "n_examples"}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection, Engine

from lib.core.errors import UserError
from lib.core.pricing import MILLION, PriceTable, get_price_table
from lib.evaluate.requests import (
    DEFAULT_TOP_K,
    MAX_TOP_K_CHAT,
    ModelSpec,
    build_requests,
    stops_for,
)
from lib.evaluate.testset import TestSet, label_set
from lib.providers.service import (
    ProviderConfig,
    client_for,
    default_provider,
    get_provider,
    server_identity,
    url_config,
)
from lib.runner import service as runner

if TYPE_CHECKING:
    import openai

KIND = "evaluation"
MAX_MODELS = 8


@dataclass(frozen=True, slots=True)
class CostEstimate:
    n_requests: int
    prompt_tokens: int  # approximate (4 characters a token)
    completion_tokens: int  # the most the requests may produce
    dollars: float | None  # None when a model's price is unknown
    unknown_price: tuple[str, ...]


def _approx_tokens(body: Mapping[str, Any]) -> int:
    text = body.get("prompt") or json.dumps(body.get("messages") or [], ensure_ascii=False)
    return max(1, len(str(text)) // 4)


def price_table(engine: Engine) -> PriceTable:
    """The price table every estimate reads (the defaults with the user's edits)."""
    with engine.connect() as conn:
        return get_price_table(conn)


def estimate_cost(
    requests: list[runner.Request],
    *,
    free_models: set[str],
    table: PriceTable,
    batch: bool = False,
) -> CostEstimate:
    """An upper-bound estimate before running (output = max_tokens for every request), at the
    rates of the one price table (``get_price_table``) that the user edits in the app."""
    prompt = completion = 0
    dollars = 0.0
    unknown: set[str] = set()
    for request in requests:
        p, c = _approx_tokens(request.body), int(request.body.get("max_tokens") or 0)
        prompt, completion = prompt + p, completion + c
        if request.model in free_models:
            continue
        rates = table.rates(request.model, batch=batch)
        if rates is None:
            unknown.add(request.model)
            continue
        dollars += (p * rates[0] + c * rates[1]) / MILLION
    return CostEstimate(
        len(requests),
        prompt,
        completion,
        None if unknown else dollars,
        tuple(sorted(unknown)),
    )


def plan(
    testset: TestSet,
    models: list[ModelSpec],
    *,
    task: str = "auto",
    top_k: int = DEFAULT_TOP_K,
    max_tokens: int | None = None,
    shots_from: TestSet | None = None,
    top_k_limits: Mapping[str, int] | None = None,
) -> tuple[dict[str, Any], list[runner.Request]]:
    """The run settings and requests for a test set and candidates (nothing stored yet).

    ``shots_from`` is the training split recipes draw demonstrations from; it must not be the
    test set itself.
    """
    if not models:
        raise UserError("choose at least one model to evaluate")
    if len(models) > MAX_MODELS:
        raise UserError(f"evaluate at most {MAX_MODELS} candidates at once")
    if len({m.name for m in models}) != len(models):
        raise UserError("the same candidate was chosen twice")
    if shots_from is not None and shots_from.source == testset.source:
        raise UserError(
            "demonstrations must come from other examples than the test set: choose the "
            "training split"
        )
    if not 0 <= top_k <= MAX_TOP_K_CHAT:
        raise UserError(f"top-k must be between 0 and {MAX_TOP_K_CHAT}")
    if task == "auto":
        task = "classification" if testset.classification() else "generation"
    if task not in ("classification", "generation"):
        raise UserError(f"unknown task {task!r}; use classification or generation")
    requests = build_requests(
        testset, models, classification=task == "classification", top_k=top_k,
        max_tokens=max_tokens, shots_from=shots_from, top_k_limits=top_k_limits,
    )  # fmt: skip
    settings = {
        "source": testset.source,
        "schema": testset.schema,
        "task": task,
        "models": [m.to_json() for m in models],
        "top_k": top_k,
        "max_tokens": requests[0].body.get("max_tokens"),
        "separator": testset.separator,
        "ending": testset.ending,
        "labels": label_set(testset.golds, stops=stops_for(testset))
        if task == "classification"
        else [],
        "n_examples": len(testset.examples),
        "shots_from": shots_from.source if shots_from is not None else None,
        "recipes": recipe_settings(models, requests, testset, shots_from),
    }
    return settings, requests


def recipe_settings(
    models: list[ModelSpec],
    requests: list[runner.Request],
    testset: TestSet,
    shots_from: TestSet | None,
) -> dict[str, Any]:
    """Per candidate with a recipe: the recipe, its labels and fixed demonstrations, and one
    rendered example prompt (the first test example's), as the results screen shows them."""
    from lib.evaluate.recipes import Prompter
    from lib.evaluate.results import prompt_text

    described: dict[str, Any] = {}
    for index, spec in enumerate(models):
        if spec.recipe is None:
            continue
        first = next(r for r in requests if r.meta.get("model_index") == index)
        described[spec.name] = {
            **Prompter(spec.recipe, testset, pool=shots_from).describe(),
            "example_prompt": prompt_text(dict(first.body)),
        }
    return described


def create_evaluation(
    engine: Engine,
    testset: TestSet,
    models: list[ModelSpec],
    *,
    created_by: str,
    name: str | None = None,
    task: str = "auto",
    top_k: int = DEFAULT_TOP_K,
    max_tokens: int | None = None,
    batch: bool = False,
    shots_from: TestSet | None = None,
    fresh: bool = False,
) -> int:
    """Store an evaluation run (nothing is sent until :func:`run_evaluation` / :func:`start`,
    or :func:`submit_batch` for the provider's Batch API at half price).

    Each request is marked with the server that answers it, so answers stored by earlier runs
    are reused only when they came from that same server; ``fresh`` reuses none of them.
    """
    settings, requests = plan(
        testset, models, task=task, top_k=top_k, max_tokens=max_tokens, shots_from=shots_from,
        top_k_limits=top_k_limits(engine, models),
    )  # fmt: skip
    settings["batch"] = batch
    settings["fresh"] = fresh
    servers = [server_identity(config_of(engine, spec)) for spec in models]
    requests = [replace(r, server=servers[int(r.meta.get("model_index", 0))]) for r in requests]
    source = testset.source
    where = (
        f"{source.get('snapshot_name')} · {source.get('split')}"
        if source.get("kind") == "snapshot"
        else str(source.get("file_name"))
    )
    label = name or f"{where} · {' vs '.join(m.name for m in models)}"
    return runner.create_run(
        engine, kind=KIND, name=label[:300], settings=settings, requests=requests,
        created_by=created_by, fresh=fresh,
    )  # fmt: skip


# ----------------------------------------------------------------------------- clients


def config_of(engine: Engine, spec: ModelSpec) -> ProviderConfig:
    """The provider a model is asked at: a plain base URL (no key unless one is named), a
    configured provider, or the default one."""
    if spec.base_url:
        return url_config(spec.base_url, key_env=spec.api_key_env)
    return get_provider(engine, spec.provider) if spec.provider else default_provider(engine)


def top_k_limits(engine: Engine, models: list[ModelSpec]) -> dict[str, int]:
    """The most top logprobs each configured provider's candidates may ask for."""
    from lib.providers.service import capabilities, get_provider

    limits: dict[str, int] = {}
    for spec in models:
        if spec.provider and not spec.base_url:
            caps = capabilities(get_provider(engine, spec.provider))
            limits[spec.model] = caps.max_top_logprobs if caps.logprobs else 0
    return limits


def _spec_client(
    engine: Engine, spec: ModelSpec, secrets: Mapping[str, Any] | None
) -> tuple[openai.OpenAI, bool]:
    """The client for one model and whether it is the built-in engine (free)."""
    config = config_of(engine, spec)
    is_free = config.kind == "engine" and not spec.base_url
    return client_for(config, secrets=secrets, max_retries=0), is_free


def clients_for_run(
    engine: Engine, settings: Mapping[str, Any], *, secrets: Mapping[str, Any] | None = None
) -> tuple[runner.ClientFor, set[str]]:
    """The runner's ``client_for`` and the set of free (built-in engine) models of a run."""
    clients: dict[str, openai.OpenAI] = {}
    free: set[str] = set()
    for data in settings.get("models") or []:
        spec = ModelSpec.from_json(data)
        clients[spec.model], is_free = _spec_client(engine, spec, secrets)
        if is_free:
            free.add(spec.model)

    def client_for(model: str) -> openai.OpenAI:
        return clients[model]

    return client_for, free


def _runner_args(engine: Engine, run_id: int, secrets: Mapping[str, Any] | None) -> dict[str, Any]:
    with engine.connect() as conn:
        run = runner.get_run(conn, run_id)
        table = get_price_table(conn)
    client_for, free = clients_for_run(engine, run.settings, secrets=secrets)
    batch = bool(run.settings.get("batch"))
    return {
        "client_for": client_for,
        "price": table.cost_function(free, batch=batch),
    }


def run_evaluation(
    engine: Engine,
    run_id: int,
    *,
    options: runner.RunOptions | None = None,
    secrets: Mapping[str, Any] | None = None,
    on_progress: runner.ProgressCallback | None = None,
) -> runner.Progress:
    """Execute (or resume) an evaluation run in this thread."""
    return runner.execute(
        engine, run_id, options=options or runner.RunOptions(), on_progress=on_progress,
        **_runner_args(engine, run_id, secrets),
    )  # fmt: skip


def start(
    engine: Engine,
    run_id: int,
    *,
    options: runner.RunOptions | None = None,
    secrets: Mapping[str, Any] | None = None,
) -> bool:
    """Execute (or resume) in a background thread; False if this process already runs it."""
    return runner.start_background(
        engine,
        run_id,
        options=options or runner.RunOptions(),
        **_runner_args(engine, run_id, secrets),
    )


def submit_batch(
    engine: Engine, run_id: int, *, secrets: Mapping[str, Any] | None = None
) -> list[str]:
    """Send the run through the providers' Batch API (collect with :func:`collect_batch`)."""
    return runner.submit_batches(
        engine, run_id, client_for=_runner_args(engine, run_id, secrets)["client_for"]
    )


def collect_batch(
    engine: Engine, run_id: int, *, secrets: Mapping[str, Any] | None = None
) -> runner.Progress:
    """Store the answers of the run's completed batches; cheap to call again."""
    return runner.collect_batches(engine, run_id, **_runner_args(engine, run_id, secrets))


def runs_for_model(conn: Connection, model: str) -> list[runner.RunInfo]:
    """Evaluation runs that included ``model`` (newest first): the jobs page's lineage."""
    return runner.runs_with_model(conn, model, kind=KIND)
