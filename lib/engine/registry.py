"""Which models the engine offers, and loading them for completions (with a small cache).

Base models are listed under Tunelab's own name and under the names of OpenAI's tunable bases,
so code written for OpenAI runs against the engine unchanged; every description says plainly
what they can do: learn from the prompt's demonstrations, guess among listed labels, or answer
from the untrained prior (see :mod:`lib.engine.incontext`). Fine-tuned models (and their checkpoints) are
pickles in the data folder, described in the state as ``model`` objects.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from typing import Any

from lib.engine.errors import ApiError
from lib.engine.models import LinearClassifier, PriorModel, RetrievalModel
from lib.engine.state import State

OWNER = "tunelab"
PRIOR_DESCRIPTION = (
    "Built-in engine base model{alias}: no language or world knowledge, it learns only from "
    "the prompt. Given demonstrations (user/assistant pairs before the last user message, or "
    "several prompt<separator>completion pairs in a legacy prompt) it predicts from them: the "
    "answer whose demonstrations are most alike the query by similarity over the same word and "
    "character n-gram features the fine-tuned classifier uses, with real probabilities over "
    "the answers (one token per label; they sum to 1). Given only instructions that list the "
    "labels (a line such as 'Answer with one of these labels: A, B, C'), it answers one of "
    "those labels with no knowledge of which fits: chance, equal probabilities. Given neither, "
    "its next-token distribution is a fixed, deterministic function of the prompt over a small "
    "general vocabulary plus word pieces copied from the prompt. Fine-tune it for a classifier "
    "(few distinct completions) or a retrieval model (free text)."
)
# name -> (created, shutdown_date)
BASE_MODELS: dict[str, tuple[int, str | None]] = {
    "tunelab-base": (1767225600, None),
    "gpt-4o-mini-2024-07-18": (1721172741, "2027-01-14"),
    "gpt-4o-2024-08-06": (1722814719, "2027-01-14"),
    "gpt-4.1-mini-2025-04-14": (1744317547, "2027-01-14"),
    "gpt-4.1-2025-04-14": (1744315746, "2027-01-14"),
    "babbage-002": (1692634615, None),
    "davinci-002": (1692634301, None),
}
CLASSIFIER_DESCRIPTION = (
    "Fine-tuned by the built-in engine on classification data: logistic regression over "
    "word and character n-grams. It answers with one of the {n} labels it saw (each label is "
    "one token, spelled as in the training data); its logprobs are the class probabilities."
)
RETRIEVAL_DESCRIPTION = (
    "Fine-tuned by the built-in engine on free-text data: a retrieval model that answers "
    "with the completion of the most similar training prompt (TF-IDF cosine); its logprobs "
    "are a softmax over the similarity of candidate completions. It does not compose new text."
)

AnyModel = PriorModel | LinearClassifier | RetrievalModel


def base_model_object(name: str) -> dict[str, Any]:
    created, shutdown = BASE_MODELS[name]
    alias = "" if name == "tunelab-base" else f" (stand-in under OpenAI's name {name})"
    return {
        "id": name,
        "object": "model",
        "created": created,
        "owned_by": OWNER,
        "shutdown_date": shutdown,
        "description": PRIOR_DESCRIPTION.format(alias=alias),
    }


def public(model: dict[str, Any]) -> dict[str, Any]:
    """The model object as clients see it (internal bookkeeping removed)."""
    return {k: v for k, v in model.items() if not k.startswith("_")}


def model_file_name(model_id: str) -> str:
    return hashlib.blake2b(model_id.encode("utf-8"), digest_size=12).hexdigest()


class Registry:
    """Looks models up by id and keeps the most recently used ones loaded."""

    def __init__(self, state: State, *, cache_size: int = 16) -> None:
        self.state = state
        self._cache: OrderedDict[str, AnyModel] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def list_objects(self) -> list[dict[str, Any]]:
        tuned = [public(m) for m in self.state.list("model", newest_first=False)]
        return [base_model_object(n) for n in BASE_MODELS] + [
            m for m in tuned if not m.get("checkpoint")
        ]

    def get_object(self, model_id: str) -> dict[str, Any] | None:
        if model_id in BASE_MODELS:
            return base_model_object(model_id)
        stored = self.state.get("model", model_id)
        return public(stored) if stored else None

    def save(self, model: LinearClassifier | RetrievalModel, obj: dict[str, Any]) -> None:
        """Write the model's pickle, then its object (so a listed model is always loadable)."""
        path = self.state.model_path(model_file_name(obj["id"]))
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        self.state.put("model", obj)

    def delete(self, model_id: str) -> None:
        self.state.delete("model", model_id)
        self.state.model_path(model_file_name(model_id)).unlink(missing_ok=True)
        with self._lock:
            self._cache.pop(model_id, None)

    def load(self, model_id: str, *, param: str = "model") -> AnyModel:
        """The model for completions or warm starts; 404 in OpenAI's words when unknown."""
        if model_id in BASE_MODELS:
            return PriorModel(name=model_id)
        with self._lock:
            if model_id in self._cache:
                self._cache.move_to_end(model_id)
                return self._cache[model_id]
        if self.state.get("model", model_id) is None:
            raise ApiError(
                404,
                f"The model `{model_id}` does not exist or you do not have access to it.",
                param=param,
                code="model_not_found",
            )
        with self.state.model_path(model_file_name(model_id)).open("rb") as handle:
            model = pickle.load(handle)
        with self._lock:
            self._cache[model_id] = model
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return model
