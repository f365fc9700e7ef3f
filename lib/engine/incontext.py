"""How the engine's base models learn in context — honestly, from the request alone.

A base model knows no language and no dataset. What it can use is what the prompt holds
(:mod:`lib.engine.context`):

- **Demonstrations** (``input → answer`` pairs before the query): the answer is predicted from
  them. Texts become the same hashed word 1–2-gram and character 3–4-gram features the
  fine-tuned classifier uses (:func:`lib.engine.features.featurize`), weighted by inverse
  document frequency over the demonstrations (words every demonstration shares say nothing),
  after removing the text every input shares (an instructions template). Each distinct answer
  gets the centroid of its demonstrations; the query's cosine similarity to each centroid,
  divided by :data:`TEMPERATURE`, goes through a softmax. That distribution is mixed with the
  uniform one over all known answers with weight ``1 / (1 + K)`` for K demonstrations, so few
  demonstrations mean little confidence and labels listed but never shown keep some mass.
- **Only listed labels** (instructions that list them, no demonstrations): the answer is one of
  those labels, each with probability ``1 / L`` — the model has no knowledge of which fits. The
  greedy answer is a deterministic pick from a hash of the query, so answers are at chance
  whatever the class balance.
- **Neither**: the untrained prior of :class:`lib.engine.models.PriorModel`, as before.

Short single-line answers (or any answers when labels are listed) are labels: each is ONE
token, spelled as the demonstrations spell it, so ``logprobs`` / ``top_logprobs`` over them are
the class probabilities and sum to 1. Longer answers are decoded word piece by word piece from
the same distribution over the demonstrated answers (the chain rule, like the retrieval model):
the model repeats a demonstrated answer and never composes new text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from lib.core.examples import content_text
from lib.engine.context import Context, from_messages, from_prompt
from lib.engine.data import chat_input_text
from lib.engine.features import featurize, l2_normalise
from lib.engine.models import CandidateSession, PriorModel, Session, feature_bits
from lib.engine.tokens import tokenize

TEMPERATURE = 0.05
LABEL_MAX_CHARS = 40  # a single-line answer up to this long is a label (one token)


def _common_affixes(texts: Sequence[str]) -> tuple[int, int]:
    """Lengths of the prefix and suffix every text shares, cut back to whitespace."""
    if len(texts) < 2:
        return 0, 0
    first, shortest = texts[0], min(len(t) for t in texts)
    head = 0
    while head < shortest and all(t[head] == first[head] for t in texts):
        head += 1
    while head > 0 and not first[head - 1].isspace():
        head -= 1
    tail = 0
    while tail < shortest - head and all(t[-1 - tail] == first[-1 - tail] for t in texts):
        tail += 1
    while tail > 0 and not first[-tail].isspace():
        tail -= 1
    return head, tail


def _strip_shared(texts: list[str]) -> list[str]:
    head, tail = _common_affixes(texts)
    return [t[head : len(t) - tail] for t in texts]


def _answers(context: Context) -> tuple[list[str], dict[str, int]]:
    """The distinct answers (as spelled) and each listed/demonstrated spelling's index."""
    spelled: dict[str, str] = {}  # normalised -> spelling
    for _, answer in context.demonstrations:
        spelled.setdefault(answer.strip().casefold(), answer)
    prefix = context.answer_prefix
    if context.demonstrations:
        shown = [a for _, a in context.demonstrations]
        prefix = " " if all(a.startswith(" ") for a in shown) else ""
    for label in context.labels:
        spelled.setdefault(label.strip().casefold(), prefix + label.strip())
    answers = list(dict.fromkeys(spelled.values()))
    return answers, {a: i for i, a in enumerate(answers)}


def label_probabilities(context: Context) -> tuple[list[str], np.ndarray]:
    """The answers the context allows and the probability of each (see the module docstring)."""
    answers, index = _answers(context)
    uniform = np.full(len(answers), 1.0 / len(answers))
    demos = context.demonstrations
    if not demos:
        return answers, uniform
    texts = _strip_shared([text for text, _ in demos] + [context.query])
    matrix = featurize(texts, bits=feature_bits(len(answers)), chars=True)
    shown = matrix[: len(demos)]
    frequency = np.bincount(shown.indices, minlength=matrix.shape[1])
    idf = (np.log((1 + len(demos)) / (1 + frequency)) + 1).astype(np.float32)
    matrix = l2_normalise(sp.csr_matrix(matrix.multiply(idf[np.newaxis, :])))
    shown, query = matrix[: len(demos)], matrix[len(demos)]
    owner = np.array([index[answer] for _, answer in demos])
    membership = sp.csr_matrix(
        (np.ones(len(demos), dtype=np.float32), (owner, np.arange(len(demos)))),
        shape=(len(answers), len(demos)),
    )
    centroids = sp.csr_matrix(membership @ shown)
    norms = np.sqrt(np.asarray(centroids.multiply(centroids).sum(axis=1), np.float64).ravel())
    has_demo = norms > 0
    dots = np.asarray((centroids @ query.T).todense(), np.float64).ravel()
    similarity = dots / np.where(has_demo, norms, 1.0)
    logits = np.where(has_demo, similarity / TEMPERATURE, -np.inf)
    learned = np.exp(logits - logits.max())
    learned /= learned.sum()
    weight = 1.0 / (1 + len(demos))
    return answers, (1 - weight) * learned + weight * uniform


def _tie_order(query: str, count: int) -> list[int]:
    """A deterministic order of equally likely answers, drawn from a hash of the query."""
    digest = hashlib.blake2b(query.encode("utf-8"), digest_size=8).digest()
    return [
        int(i) for i in np.random.default_rng(int.from_bytes(digest, "little")).permutation(count)
    ]


def _is_label(answer: str) -> bool:
    return "\n" not in answer.strip() and len(answer.strip()) <= LABEL_MAX_CHARS


def context_session(context: Context) -> Session | None:
    """The in-context session, or None when the context holds neither demonstrations nor labels."""
    if not context.demonstrations and not context.labels:
        return None
    answers, probabilities = label_probabilities(context)
    order = _tie_order(context.query, len(answers))
    order.sort(key=lambda i: -probabilities[i])  # stable: ties keep the hashed order
    with np.errstate(divide="ignore"):
        logprobs = np.log(probabilities)
    as_labels = bool(context.labels) or all(_is_label(a) for _, a in context.demonstrations)
    return CandidateSession(
        [
            ((answers[i],) if as_labels else tuple(tokenize(answers[i])), float(logprobs[i]))
            for i in order
        ]
    )


def chat_session(model: Any, messages: Sequence[dict[str, Any]]) -> Session:
    """The session a chat request opens: in context for base models, else the model's own."""
    if isinstance(model, PriorModel):
        context = from_messages(messages)
        session = context_session(context) if context else None
        if session is not None:
            return session
    return model.session(chat_input_text(messages))  # type: ignore[no-any-return]


def prompt_session(model: Any, prompt: str, stops: Sequence[str]) -> Session:
    """The session a legacy completions prompt opens (see :func:`chat_session`)."""
    if isinstance(model, PriorModel):
        session = context_session(from_prompt(prompt, stops))
        if session is not None:
            return session
    return model.session(prompt)  # type: ignore[no-any-return]


def chat_prompt_text(messages: Sequence[dict[str, Any]]) -> str:
    """Every message's text, demonstrations included: what ``usage.prompt_tokens`` counts."""
    return "\n".join(content_text(m.get("content")) for m in messages if isinstance(m, dict))
