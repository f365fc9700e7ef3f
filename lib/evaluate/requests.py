"""Turning test examples into requests, formatted exactly as training formatted them.

Which endpoint, per model:

- Legacy completion models (``babbage-002``, ``davinci-002`` and their fine-tunes) train on
  prompt/completion files, so they get the legacy ``/completions`` endpoint with the prompt as
  trained — separator included — and the completion ending as stop sequence. Chat examples
  are rendered into such a prompt the way the export renders them (``lib.core.convert``).
- Every other model trains on chat files, so it gets ``/chat/completions``. Chat examples send
  every message before the last assistant message. Prompt/completion examples are converted as
  the training export converts them: the prompt (without its separator) is the user message.

A candidate with a prompt recipe (:mod:`lib.evaluate.recipes`) gets instructions and
demonstrations around the same test prompt; without one, the bare prompt as trained.

Classification requests use ``temperature=0``, a small ``max_tokens`` and ``logprobs`` with
top-k alternatives (5 by default, at most 20 for chat and 5 for legacy completions, the APIs'
limits). Generation requests use ``temperature=0`` and a larger ``max_tokens``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lib.core.convert import chat_to_completion, completion_to_chat
from lib.core.tokens import is_legacy_completion_model
from lib.evaluate.testset import TestExample, TestSet
from lib.runner.service import Request

if TYPE_CHECKING:
    from lib.evaluate.recipes import Prompter, Recipe

DEFAULT_TOP_K = 5
MAX_TOP_K_CHAT = 20
MAX_TOP_K_LEGACY = 5
GENERATION_MAX_TOKENS = 512


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A candidate to evaluate: a model, where it lives (a provider's name; never a key) and
    its prompt recipe (None: the bare prompt the model was trained on)."""

    model: str
    provider: str | None = None  # a configured provider's name; None = the default provider
    base_url: str | None = None  # a plain OpenAI-compatible URL (command line)
    recipe: Recipe | None = None
    # With ``base_url``: the NAME of the environment variable holding the key to send there;
    # None sends no key (a key goes only where its owner said it may).
    api_key_env: str | None = None

    @property
    def name(self) -> str:
        """The candidate's name: the model, plus ``+K-shot`` when it has a recipe."""
        return self.model + (self.recipe.suffix() if self.recipe else "")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "model": self.model,
            "provider": self.provider,
            "base_url": self.base_url,
            "recipe": self.recipe.to_json() if self.recipe else None,
            "name": self.name,
        }
        if self.api_key_env:
            data["api_key_env"] = self.api_key_env
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelSpec:
        from lib.evaluate.recipes import Recipe

        recipe = Recipe.from_json(data["recipe"]) if data.get("recipe") else None
        return cls(
            data["model"], data.get("provider"), data.get("base_url"), recipe,
            data.get("api_key_env"),
        )  # fmt: skip


def endpoint_for(model: str) -> str:
    """``"completions"`` for legacy completion models and their fine-tunes, else ``"chat"``."""
    return "completions" if is_legacy_completion_model(model) else "chat"


def stops_for(testset: TestSet) -> list[str]:
    """Stop sequences used to cut outputs (and normalise labels): the legacy ending if any."""
    return [testset.ending] if testset.ending else []


def classification_max_tokens(golds: list[str]) -> int:
    """Room for the longest label (roughly 3 characters a token) plus a margin, at most 64."""
    longest = max((len(g.strip()) for g in golds), default=1)
    return max(4, min(64, longest // 3 + 4))


def prompt_messages(example: TestExample, testset: TestSet) -> list[dict[str, Any]]:
    data = example.data
    if example.schema == "completion":
        data = completion_to_chat(data, separator=testset.separator, ending=testset.ending)
    messages = [m for m in data.get("messages") or [] if isinstance(m, dict)]
    last = max(
        (i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=len(messages)
    )
    return [{k: v for k, v in m.items() if k not in ("weight",)} for m in messages[:last]]


def legacy_prompt(example: TestExample) -> str:
    if example.schema == "completion":
        return str(example.data.get("prompt") or "")
    return str(chat_to_completion(example.data)["prompt"])


def build_body(
    example: TestExample,
    testset: TestSet,
    *,
    model: str,
    classification: bool,
    top_k: int,
    max_tokens: int,
    prompter: Prompter | None = None,
) -> tuple[str, dict[str, Any]]:
    """The endpoint and request body (without ``model``) for one example and one candidate."""
    endpoint = endpoint_for(model)
    body: dict[str, Any] = {"temperature": 0, "max_tokens": max_tokens}
    if endpoint == "completions":
        body["prompt"] = prompter.prompt(example) if prompter else legacy_prompt(example)
        stop = testset.ending if example.schema == "completion" else "\n"
        if stop:
            body["stop"] = [stop]
        if top_k:
            body["logprobs"] = min(top_k, MAX_TOP_K_LEGACY)
    else:
        body["messages"] = (
            prompter.messages(example) if prompter else prompt_messages(example, testset)
        )
        if top_k:
            body["logprobs"] = True
            body["top_logprobs"] = min(top_k, MAX_TOP_K_CHAT)
    del classification  # the same shape; only max_tokens differs (chosen by the caller)
    return endpoint, body


def build_requests(
    testset: TestSet,
    models: list[ModelSpec],
    *,
    classification: bool,
    top_k: int = DEFAULT_TOP_K,
    max_tokens: int | None = None,
    shots_from: TestSet | None = None,
    top_k_limits: Mapping[str, int] | None = None,
) -> list[Request]:
    """One request per example and candidate, in example order (candidates interleaved).

    ``shots_from`` is where recipes draw their demonstrations (a training split).
    ``top_k_limits`` caps ``top_k`` per model where its provider returns fewer (or no)
    logprobs: 0 asks for none (Together and Mistral refuse OpenAI's ``logprobs: true``).
    """
    from lib.evaluate.recipes import Prompter

    if max_tokens is None:
        max_tokens = (
            classification_max_tokens(testset.golds) if classification else GENERATION_MAX_TOKENS
        )
    prompters = [
        Prompter(spec.recipe, testset, pool=shots_from) if spec.recipe else None for spec in models
    ]
    requests: list[Request] = []
    for example in testset.examples:
        for index, spec in enumerate(models):
            endpoint, body = build_body(
                example, testset, model=spec.model, classification=classification,
                top_k=min(top_k, (top_k_limits or {}).get(spec.model, top_k)),
                max_tokens=max_tokens, prompter=prompters[index],
            )  # fmt: skip
            requests.append(
                Request(
                    item=f"{example.key}|{index}",
                    model=spec.model,
                    endpoint=endpoint,  # type: ignore[arg-type]
                    body=body,
                    meta={
                        "example": example.key,
                        "model_index": index,
                        "gold": example.gold,
                        "example_id": example.example_id,
                        "dataset_id": example.dataset_id,
                        "source_row": example.source_row,
                    },
                )
            )
    return requests
