"""Prompt recipes: how a base model is asked — instructions, a system message, K demonstrations.

An evaluation compares *candidates*: a model plus a recipe. Fine-tuned models usually get the
bare prompt they were trained on (no recipe); base models get instructions that can list the
labels and K demonstrations drawn from a training split — never from the test examples:

- ``selection="fixed"``: the same K for every test example, drawn seeded and stratified (labels
  in turn, rarest first, so K ≥ the number of labels shows each label), in a seeded order.
- ``selection="nearest"``: for each test example the K training examples whose inputs are most
  alike (TF-IDF cosine over words), the most similar last, nearest to the question.

Demonstrations are rendered the way the endpoint reads them: chat requests get one user turn and
one assistant turn per demonstration before the test example's own turns; legacy completion
prompts get ``prompt<separator>completion<ending>`` blocks (a blank line between them). The
instructions (``{labels}`` becomes the label list, "A, B, C") open the system message, or the
legacy prompt as its first paragraph.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from lib.core.errors import UserError
from lib.evaluate.testset import TestExample, TestSet

MAX_SHOTS = 64
SELECTIONS = ("fixed", "nearest")
DEFAULT_INSTRUCTIONS = (
    "Classify the input. Answer with one of these labels: {labels}. Reply with the label only."
)
GENERATION_INSTRUCTIONS = "Answer the user's message the way the examples do."
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Recipe:
    """How a candidate's prompts are built (stored with the run as JSON)."""

    shots: int = 0
    instructions: str | None = None  # a template; ``{labels}`` lists the labels
    system: str | None = None
    selection: str = "fixed"
    seed: int = 0

    def validate(self) -> Recipe:
        if not 0 <= self.shots <= MAX_SHOTS:
            raise UserError(f"demonstrations must be between 0 and {MAX_SHOTS}")
        if self.selection not in SELECTIONS:
            raise UserError(f"demonstrations are chosen {' or '.join(SELECTIONS)}")
        return self

    def suffix(self) -> str:
        """What the candidate's name adds to the model's: ``+8-shot`` (``+8-nearest``)."""
        return f"+{self.shots}-{'nearest' if self.selection == 'nearest' else 'shot'}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Recipe:
        return cls(
            shots=int(data.get("shots") or 0),
            instructions=data.get("instructions"),
            system=data.get("system"),
            selection=str(data.get("selection") or "fixed"),
            seed=int(data.get("seed") or 0),
        )


# ----------------------------------------------------------------------------- labels


def answer_text(example: TestExample, testset: TestSet) -> str:
    """The answer as a chat model says it: no leading space, no legacy ending."""
    text = example.gold
    if example.schema == "completion":
        if testset.ending and text.endswith(testset.ending):
            text = text[: -len(testset.ending)]
        text = text[1:] if text.startswith(" ") else text
    return text


def label_names(testset: TestSet) -> list[str]:
    """The distinct answers, as written (stripped), numbers in numeric order."""
    names = {answer_text(e, testset).strip() for e in testset.examples}
    names.discard("")

    def number(text: str) -> float | None:
        try:
            return float(text)
        except ValueError:
            return None

    if names and all(number(n) is not None for n in names):
        return sorted(names, key=lambda n: (number(n), n))
    return sorted(names)


def render_instructions(template: str | None, labels: list[str]) -> str:
    """The instructions with ``{labels}`` filled in (other braces are left as written)."""
    return (template or "").replace("{labels}", ", ".join(labels)).strip()


# ----------------------------------------------------------------------------- selection


def stratified(pool: TestSet, k: int, *, seed: int) -> list[TestExample]:
    """K examples, labels in turn (rarest first), each label's examples in a seeded order."""
    if k <= 0:
        return []
    rng = random.Random(seed)
    groups: dict[str, list[TestExample]] = {}
    for example in pool.examples:
        groups.setdefault(answer_text(example, pool).strip(), []).append(example)
    order = sorted(groups, key=lambda label: (len(groups[label]), label))
    for label in order:
        rng.shuffle(groups[label])
    picked: list[TestExample] = []
    depth = 0
    while len(picked) < min(k, len(pool.examples)):
        for label in order:
            if depth < len(groups[label]) and len(picked) < k:
                picked.append(groups[label][depth])
        depth += 1
    rng.shuffle(picked)
    return picked


def input_text(example: TestExample) -> str:
    """The text a demonstration is compared on: the prompt, or the non-assistant turns."""
    if example.schema == "completion":
        return str(example.data.get("prompt") or "")
    from lib.core.examples import content_text

    messages = example.data.get("messages") or []
    return "\n".join(
        content_text(m.get("content"))
        for m in messages
        if isinstance(m, dict) and m.get("role") == "user"
    )


class NearestIndex:
    """TF-IDF cosine over lower-cased words, for picking the demonstrations nearest a query."""

    def __init__(self, pool: TestSet) -> None:
        self.pool = pool
        self.bags = [Counter(_WORD.findall(input_text(e).lower())) for e in pool.examples]
        frequency: Counter[str] = Counter()
        for bag in self.bags:
            frequency.update(bag.keys())
        n = len(self.bags)
        self.idf = {w: math.log((1 + n) / (1 + f)) + 1 for w, f in frequency.items()}
        self.vectors = [self._vector(bag) for bag in self.bags]
        self.postings: dict[str, list[int]] = {}
        for index, vector in enumerate(self.vectors):
            for word in vector:
                self.postings.setdefault(word, []).append(index)

    def _vector(self, bag: Counter[str]) -> dict[str, float]:
        weights = {w: (1 + math.log(c)) * self.idf.get(w, 0.0) for w, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        return {w: v / norm for w, v in weights.items() if v}

    def nearest(self, example: TestExample, k: int) -> list[TestExample]:
        """The K most similar pool examples, least similar first (ties: pool order)."""
        query = self._vector(Counter(_WORD.findall(input_text(example).lower())))
        scores: dict[int, float] = {}
        for word, weight in query.items():
            for index in self.postings.get(word, ()):
                scores[index] = scores.get(index, 0.0) + weight * self.vectors[index][word]
        ranked = sorted(range(len(self.vectors)), key=lambda i: (-scores.get(i, 0.0), i))[:k]
        return [self.pool.examples[i] for i in reversed(ranked)]


# ----------------------------------------------------------------------------- rendering


def _turns(example: TestExample, testset: TestSet) -> list[dict[str, Any]]:
    from lib.evaluate.requests import prompt_messages

    return prompt_messages(example, testset)


def chat_messages(
    example: TestExample,
    testset: TestSet,
    *,
    recipe: Recipe,
    demos: list[TestExample],
    pool: TestSet | None,
    labels: list[str],
) -> list[dict[str, Any]]:
    """The messages of a chat request for ``example`` under ``recipe``."""
    own = _turns(example, testset)
    system_parts = [m for m in own if m.get("role") in ("system", "developer")]
    system = recipe.system
    if system is None and system_parts:
        from lib.core.examples import content_text

        system = "\n".join(content_text(m.get("content")) for m in system_parts)
    head = "\n\n".join(p for p in (system, render_instructions(recipe.instructions, labels)) if p)
    messages: list[dict[str, Any]] = [{"role": "system", "content": head}] if head else []
    for demo in demos:
        assert pool is not None
        turns = [m for m in _turns(demo, pool) if m.get("role") not in ("system", "developer")]
        messages += turns + [{"role": "assistant", "content": answer_text(demo, pool)}]
    return messages + [m for m in own if m.get("role") not in ("system", "developer")]


def legacy_prompt(
    example: TestExample,
    testset: TestSet,
    *,
    recipe: Recipe,
    demos: list[TestExample],
    pool: TestSet | None,
    labels: list[str],
) -> str:
    """The prompt of a legacy completions request for ``example`` under ``recipe``."""
    from lib.evaluate.requests import legacy_prompt as bare

    blocks = []
    instructions = render_instructions(recipe.instructions, labels)
    head = "\n\n".join(p for p in (recipe.system, instructions) if p)
    if head:
        blocks.append(head + "\n\n")
    for demo in demos:
        assert pool is not None
        answer = " " + answer_text(demo, pool) + (pool.ending or "\n")
        blocks.append(bare(demo) + answer + ("" if answer.endswith("\n\n") else "\n"))
    return "".join(blocks) + bare(example)


class Prompter:
    """Builds one candidate's prompts: its recipe, the test set and the demonstrations' pool."""

    def __init__(self, recipe: Recipe, testset: TestSet, *, pool: TestSet | None) -> None:
        recipe.validate()
        if recipe.shots and pool is None:
            raise UserError(
                "demonstrations need training examples to draw from: choose a training split "
                "(--shots-from)"
            )
        self.recipe, self.testset, self.pool = recipe, testset, pool
        source = pool if pool is not None else testset
        # free-text answers are not labels: ``{labels}`` lists nothing for generation tasks
        self.labels = label_names(source) if source.classification() else []
        self.fixed = (
            stratified(pool, recipe.shots, seed=recipe.seed)
            if pool is not None and recipe.selection == "fixed"
            else []
        )
        self.index = (
            NearestIndex(pool)
            if pool is not None and recipe.shots and recipe.selection == "nearest"
            else None
        )

    def demos(self, example: TestExample) -> list[TestExample]:
        if self.index is not None:
            return self.index.nearest(example, self.recipe.shots)
        return self.fixed

    def messages(self, example: TestExample) -> list[dict[str, Any]]:
        return chat_messages(
            example, self.testset, recipe=self.recipe, demos=self.demos(example),
            pool=self.pool, labels=self.labels,
        )  # fmt: skip

    def prompt(self, example: TestExample) -> str:
        return legacy_prompt(
            example, self.testset, recipe=self.recipe, demos=self.demos(example),
            pool=self.pool, labels=self.labels,
        )  # fmt: skip

    def describe(self) -> dict[str, Any]:
        """What the run stores about the recipe: settings, labels, the fixed demonstrations."""
        return {
            **self.recipe.to_json(),
            "labels": self.labels,
            "demonstrations": [e.key for e in self.fixed],
            "pool": self.pool.source if self.pool is not None else None,
        }
