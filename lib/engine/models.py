"""The engine's three kinds of model and the one interface decoding needs.

- :class:`PriorModel` — the base models. Untrained on purpose: the next-token distribution is a
  fixed, deterministic function of the text so far, over a small general vocabulary plus word
  pieces copied from the prompt. It knows nothing about any dataset's labels, so a base vs.
  fine-tuned comparison measures what fine-tuning taught. When the prompt holds demonstrations
  or lists labels, a base model answers from those instead (:mod:`lib.engine.incontext`).
- :class:`LinearClassifier` — fine-tuned on classification data: multinomial logistic
  regression over hashed word and character n-grams. Each label is ONE token, spelled exactly
  as the training data spells it (``" 4"`` and ``"4"`` differ); its logprobs are the class
  probabilities.
- :class:`RetrievalModel` — fine-tuned on generation data: answers with the completion of the
  most similar training prompt (TF-IDF cosine). Its probabilities are a softmax over the
  similarity of candidate completions, spread over their word pieces by the chain rule.

Every model opens a :class:`Session` per prompt; ``next(generated)`` gives the distribution of
the next token (sorted, log-probabilities, :data:`EOS` ends the text).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from lib.engine.features import featurize, l2_normalise
from lib.engine.tokens import tokenize

EOS = "<|endoftext|>"

TokenDist = list[tuple[str, float]]


class Session(Protocol):
    def next(self, generated: Sequence[str]) -> TokenDist: ...


def _logsumexp(values: np.ndarray) -> float:
    top = float(np.max(values))
    return top + float(np.log(np.sum(np.exp(values - top))))


class CandidateSession:
    """A distribution over whole completions, decoded token by token with the chain rule.

    P(next token | generated) = mass of candidates that continue ``generated`` with that token
    divided by the mass of all candidates that start with ``generated``.
    """

    def __init__(self, candidates: list[tuple[tuple[str, ...], float]]) -> None:
        self.candidates = candidates

    def next(self, generated: Sequence[str]) -> TokenDist:
        prefix = tuple(generated)
        depth = len(prefix)
        groups: dict[str, list[float]] = defaultdict(list)
        for tokens, logprob in self.candidates:
            if tokens[:depth] == prefix:
                groups[tokens[depth] if len(tokens) > depth else EOS].append(logprob)
        if not groups:
            return [(EOS, 0.0)]
        mass = {tok: _logsumexp(np.array(lps)) for tok, lps in groups.items()}
        total = _logsumexp(np.array(list(mass.values())))
        return sorted(((t, m - total) for t, m in mass.items()), key=lambda x: -x[1])


# ---------------------------------------------------------------------------- base models

_GENERAL = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "that",
    "it",
    "for",
    "was",
    "on",
    "with",
    "as",
    "be",
    "at",
    "by",
    "this",
    "have",
    "from",
    "or",
    "an",
    "they",
    "not",
    "are",
    "but",
    "one",
    "all",
    "which",
    "we",
    "can",
    "there",
    "their",
    "has",
    "more",
    "will",
    "about",
    "if",
    "would",
    "so",
    "what",
    "up",
    "out",
    "no",
    "time",
    "when",
    "like",
    "some",
    "very",
    "good",
    "new",
    "first",
    "any",
    "just",
    "also",
    "people",
    "two",
    "how",
    "where",
    "only",
    "other",
    "then",
    "these",
    "after",
    "over",
    "well",
    "most",
    "well",
    "because",
    "yes",
    "maybe",
    "thing",
    "here",
    "way",
    "make",
    "see",
    "know",
    "think",
    "said",
    "each",
    "made",
]
_VOCAB = tuple(
    dict.fromkeys(
        [w for w in _GENERAL]
        + [" " + w for w in _GENERAL]
        + [str(d) for d in range(10)]
        + [" " + str(d) for d in range(10)]
        + [".", ",", "!", "?", ":", "\n", " -", " (", ")", ' "', '"']
    )
)
# A Zipf-like prior: earlier (more common) words are more likely.
_PRIOR = np.array([-0.02 * (i % len(_GENERAL)) for i in range(len(_VOCAB))])


@dataclass
class PriorModel:
    """An untrained base model (see the module docstring); ``name`` only labels it."""

    name: str
    description: str = ""

    def session(self, prompt: str) -> Session:
        return _PriorSession(prompt)


class _PriorSession:
    def __init__(self, prompt: str) -> None:
        self.prompt = prompt
        copied = [t for t in dict.fromkeys(tokenize(prompt)) if t.strip()][:200]
        extra = [t for t in copied if t not in _VOCAB]
        self.vocab = list(_VOCAB) + extra + [EOS]
        self.prior = np.concatenate([_PRIOR, np.full(len(extra), 0.5), [-1.0]])
        self.is_copied = np.array([t in set(copied) for t in self.vocab], dtype=float)

    def next(self, generated: Sequence[str]) -> TokenDist:
        digest = hashlib.blake2b(
            (self.prompt + "\x00" + "".join(generated)).encode("utf-8"), digest_size=8
        ).digest()
        rng = np.random.default_rng(int.from_bytes(digest, "little"))
        scores = self.prior + 0.5 * self.is_copied + rng.normal(0.0, 1.0, len(self.vocab))
        scores[-1] += 0.4 * len(generated)  # ending grows likelier as the text grows
        logprobs = scores - _logsumexp(scores)
        order = np.argsort(-logprobs)
        return [(self.vocab[i], float(logprobs[i])) for i in order]


# ------------------------------------------------------------------------ text features

# Character n-grams cost several times more than words to compute; above this many training
# examples words alone carry enough signal and training stays within seconds.
CHAR_NGRAMS_MAX_EXAMPLES = 20_000


def feature_bits(n_labels: int) -> int:
    """Hash width per analyzer: wide for few labels, narrower so many labels stay in memory."""
    bits = 17
    while bits > 12 and (2**bits) * 2 * max(n_labels, 2) > 2**23:
        bits -= 1
    return bits


# ------------------------------------------------------------------------ classifier


@dataclass
class LinearClassifier:
    """Multinomial logistic regression; ``labels[k]`` is the token for class ``k``."""

    name: str
    labels: list[str]
    bits: int
    weights: np.ndarray  # (2 * 2**bits, K)
    bias: np.ndarray  # (K,)
    description: str = ""
    chars: bool = True  # character n-grams used (see CHAR_NGRAMS_MAX_EXAMPLES)

    def features(self, texts: Sequence[str]) -> sp.csr_matrix:
        return featurize(texts, bits=self.bits, chars=self.chars)

    @classmethod
    def new(
        cls, *, name: str, labels: list[str], prior: np.ndarray, chars: bool = True
    ) -> LinearClassifier:
        bits = feature_bits(len(labels))
        weights = np.zeros((2 * 2**bits, len(labels)), dtype=np.float32)
        return cls(
            name=name, labels=labels, bits=bits, weights=weights,
            bias=prior.astype(np.float32), chars=chars,
        )  # fmt: skip

    def with_labels(self, labels: Sequence[str]) -> LinearClassifier:
        """A copy that also knows ``labels`` (new ones start with a small prior)."""
        new = [lab for lab in labels if lab not in self.labels]
        weights = np.hstack([self.weights, np.zeros((self.weights.shape[0], len(new)), np.float32)])
        bias = np.concatenate([self.bias, np.full(len(new), -5.0, np.float32)])
        return LinearClassifier(
            name=self.name, labels=self.labels + new, bits=self.bits,
            weights=weights, bias=bias, description=self.description, chars=self.chars,
        )  # fmt: skip

    def log_proba(self, matrix: sp.csr_matrix) -> np.ndarray:
        logits = np.asarray(matrix @ self.weights) + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def session(self, prompt: str) -> Session:
        logprobs = self.log_proba(self.features([prompt]))[0]
        return CandidateSession(
            [((lab,), float(lp)) for lab, lp in zip(self.labels, logprobs, strict=True)]
        )


# ------------------------------------------------------------------------ retrieval

RETRIEVAL_TOP_K = 20
RETRIEVAL_TEMPERATURE = 0.05
RETRIEVAL_BITS = 18


@dataclass
class RetrievalModel:
    """Nearest training prompt's completion; the engine's honest stand-in for generation.

    Prompts are compared by TF-IDF cosine over hashed word 1–2-grams (the same hashing as the
    classifier, so no vocabulary is fitted; the IDF weights come from the training prompts).
    """

    name: str
    prompts: list[str]
    completions: list[str]
    description: str = ""
    idf: np.ndarray | None = field(default=None, repr=False)
    matrix: sp.csr_matrix | None = field(default=None, repr=False)

    def _vectors(self, texts: list[str]) -> sp.csr_matrix:
        assert self.idf is not None
        counts = featurize(texts, bits=RETRIEVAL_BITS, chars=False)[:, : 2**RETRIEVAL_BITS]
        return l2_normalise(sp.csr_matrix(counts.multiply(self.idf[np.newaxis, :])))

    def fit(self) -> RetrievalModel:
        counts = featurize(self.prompts, bits=RETRIEVAL_BITS, chars=False)[:, : 2**RETRIEVAL_BITS]
        document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        n = len(self.prompts)
        self.idf = (np.log((1 + n) / (1 + document_frequency)) + 1).astype(np.float32)
        self.matrix = self._vectors(self.prompts)
        return self

    def candidates(self, prompt: str) -> list[tuple[tuple[str, ...], float]]:
        if self.matrix is None:
            self.fit()
        assert self.matrix is not None
        sims = np.asarray((self.matrix @ self._vectors([prompt]).T).todense()).ravel()
        best: dict[str, float] = {}
        for index in np.argsort(-sims, kind="stable"):
            completion = self.completions[index]
            if completion not in best:
                best[completion] = float(sims[index])
                if len(best) >= RETRIEVAL_TOP_K:
                    break
        logits = np.array(list(best.values())) / RETRIEVAL_TEMPERATURE
        logprobs = logits - _logsumexp(logits)
        return [(tuple(tokenize(c)), float(lp)) for c, lp in zip(best, logprobs, strict=True)]

    def session(self, prompt: str) -> Session:
        return CandidateSession(self.candidates(prompt))
