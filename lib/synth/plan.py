"""What a synthetic-data run will do: the specification, its checks, the cross product of
values × samples, and the requests it sends.

Everything here is pure (no store, no network): the screen calls :func:`make_plan` on every
rerun to show counts, warnings and a preview before anything is spent.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lib.core.errors import UserError
from lib.runner import service as runner
from lib.synth.template import Template, parse_template

OUTPUT_FORMATS = {"completion": "prompt/completion", "chat": "chat"}
MAX_SAMPLES = 100
MAX_REQUESTS = 50_000
MAX_OUTPUT_TOKENS = 32_000
MAX_NAME_LENGTH = 300
DEFAULT_NEAR_DUPLICATE = 0.6  # Jaccard of 5-character pieces; see lib.synth.dedupe
ENDPOINT: runner.Endpoint = "chat"


@dataclass(frozen=True, slots=True)
class SynthSpec:
    """Everything a run needs, kept as the run's settings (never a key: providers by name)."""

    generation_template: str
    training_template: str
    values: Mapping[str, Sequence[str]]
    samples: int = 3
    provider: str = "Built-in engine"
    model: str = "tunelab-base"
    temperature: float = 1.0
    max_tokens: int = 150
    system: str = ""  # system message sent with every generation request
    training_system: str = ""  # system message of the chat examples (chat output only)
    output: str = "completion"  # "completion" (prompt/completion) or "chat"
    dataset_name: str = ""
    seed: int = 0  # base of the per-sample seeds: change it for a fresh set of samples
    near_duplicate: float = DEFAULT_NEAR_DUPLICATE  # similarity from which rows are flagged

    def to_json(self) -> dict[str, Any]:
        return {
            "generation_template": self.generation_template,
            "training_template": self.training_template,
            "values": {name: list(vals) for name, vals in self.values.items()},
            "samples": self.samples,
            "provider": self.provider,
            "model": self.model,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "system": self.system,
            "training_system": self.training_system,
            "output": self.output,
            "dataset_name": self.dataset_name,
            "seed": self.seed,
            "near_duplicate": self.near_duplicate,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SynthSpec:
        """A spec from stored settings or a user's JSON file; a wrong type names its key."""
        fields: dict[str, Any] = {}
        for key, kind in _FIELD_TYPES.items():
            if key not in data:
                continue
            value = data[key]
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise UserError(f"{key} must be {_TYPE_NAMES[kind]} (got {value!r})")
            fields[key] = value
        raw = data.get("values") or {}
        if not isinstance(raw, Mapping):
            raise UserError("values must map each placeholder to a list of values")
        values: dict[str, tuple[str, ...]] = {}
        for name, items in raw.items():
            if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
                raise UserError(f"values of {name!r} must be a list of texts")
            values[str(name)] = tuple(items)
        for key in ("generation_template", "training_template"):
            fields.setdefault(key, "")
        return cls(**fields, values=values)


_FIELD_TYPES: dict[str, type] = {
    "generation_template": str,
    "training_template": str,
    "samples": int,
    "provider": str,
    "model": str,
    "temperature": float,
    "max_tokens": int,
    "system": str,
    "training_system": str,
    "output": str,
    "dataset_name": str,
    "seed": int,
    "near_duplicate": float,
}
_TYPE_NAMES = {str: "a text", int: "a whole number", float: "a number"}


@dataclass(frozen=True, slots=True)
class PreviewRow:
    values: dict[str, str]
    sample: int
    seed: int
    generation_prompt: str
    training_prompt: str


@dataclass(frozen=True, slots=True)
class Plan:
    """A checked specification: templates parsed, placeholders matched with values."""

    spec: SynthSpec
    generation: Template
    training: Template
    placeholders: tuple[str, ...]  # the names the cross product runs over, in template order
    warnings: tuple[str, ...] = field(default=())

    @property
    def n_combinations(self) -> int:
        return math.prod(len(self.spec.values[name]) for name in self.placeholders)

    @property
    def n_requests(self) -> int:
        return self.n_combinations * self.spec.samples

    def combinations(self) -> Iterator[dict[str, str]]:
        """Every combination of values, the first placeholder varying slowest."""
        lists = [self.spec.values[name] for name in self.placeholders]
        for combo in itertools.product(*lists):
            yield dict(zip(self.placeholders, combo, strict=True))

    def messages(self, values: Mapping[str, str]) -> list[dict[str, str]]:
        """The chat messages of one generation request."""
        prompt = self.generation.render(values)
        head = [{"role": "system", "content": self.spec.system}] if self.spec.system else []
        return [*head, {"role": "user", "content": prompt}]

    def requests(self) -> Iterator[runner.Request]:
        """One request per combination and sample, in combination order."""
        spec = self.spec
        for index, values in enumerate(self.combinations()):
            messages = self.messages(values)
            training_prompt = self.training.render(values)
            for sample in range(1, spec.samples + 1):
                seed = sample_seed(spec.seed, values, sample)
                yield runner.Request(
                    item=f"{index}-{sample}",
                    model=spec.model,
                    endpoint=ENDPOINT,
                    body={
                        "messages": messages,
                        "temperature": spec.temperature,
                        "max_tokens": spec.max_tokens,
                        "seed": seed,
                    },
                    meta={
                        "combination": index,
                        "values": values,
                        "sample": sample,
                        "seed": seed,
                        "training_prompt": training_prompt,
                    },
                )

    def preview(self, *, n: int = 3) -> list[PreviewRow]:
        """The first ``n`` combinations, rendered (sample 1 of each)."""
        rows = []
        for values in itertools.islice(self.combinations(), n):
            rows.append(
                PreviewRow(
                    values=values,
                    sample=1,
                    seed=sample_seed(self.spec.seed, values, 1),
                    generation_prompt=self.generation.render(values),
                    training_prompt=self.training.render(values),
                )
            )
        return rows


def sample_seed(base: int, values: Mapping[str, str], sample: int) -> int:
    """A seed per (combination, sample): samples differ, and the same run asks the same again.

    Derived from the values themselves (not their position), so adding a value to a list
    leaves the other combinations' seeds — and their stored answers — unchanged.
    """
    text = json.dumps([base, sorted(values.items()), sample], ensure_ascii=False)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big") >> 1


def _names(names: Sequence[str]) -> str:
    return ", ".join("{" + name + "}" for name in names)


def _check_numbers(spec: SynthSpec) -> None:
    if not 1 <= spec.samples <= MAX_SAMPLES:
        raise UserError(f"samples per combination must be between 1 and {MAX_SAMPLES}")
    if not 0.0 <= spec.temperature <= 2.0:
        raise UserError("the temperature must be between 0 and 2")
    if not 1 <= spec.max_tokens <= MAX_OUTPUT_TOKENS:
        raise UserError(f"max tokens must be between 1 and {MAX_OUTPUT_TOKENS:,}")
    if not 0.0 < spec.near_duplicate <= 1.0:
        raise UserError("the near-duplicate similarity must be above 0 and at most 1")
    if spec.output not in OUTPUT_FORMATS:
        raise UserError(f"unknown output format {spec.output!r}; use chat or completion")
    if not spec.model.strip():
        raise UserError("choose the model that generates the text")
    name = " ".join(spec.dataset_name.split())
    if not name:
        raise UserError("the new dataset needs a name")
    if len(name) > MAX_NAME_LENGTH:
        raise UserError(f"a dataset name can have at most {MAX_NAME_LENGTH} characters")


def make_plan(spec: SynthSpec) -> Plan:
    """Check ``spec`` and return its plan; a UserError says what to fix (nothing is sent)."""
    if not spec.generation_template.strip():
        raise UserError("write the generation prompt (the text sent to the model)")
    if not spec.training_template.strip():
        raise UserError("write the training prompt (the prompt the new examples will have)")
    generation = parse_template(spec.generation_template, label="the generation prompt")
    training = parse_template(spec.training_template, label="the training prompt")
    _check_numbers(spec)
    used = list(dict.fromkeys([*generation.placeholders, *training.placeholders]))
    missing = [name for name in used if not spec.values.get(name)]
    if missing:
        where = [
            label
            for label, template in (("generation", generation), ("training", training))
            if set(missing) & set(template.placeholders)
        ]
        raise UserError(
            f"no values for {_names(missing)}, used in the {' and '.join(where)} prompt: enter "
            "values (one per line) or remove the placeholder from the template"
        )
    warnings = []
    unused = [name for name, vals in spec.values.items() if vals and name not in used]
    if unused:
        warnings.append(
            f"values were given for {_names(unused)}, which neither template uses: they are ignored"
        )
    not_in_training = [n for n in generation.placeholders if n not in training.placeholders]
    if not_in_training:
        warnings.append(
            f"the training prompt does not use {_names(not_in_training)}: examples that differ "
            "only there get the same training prompt"
        )
    only_training = [n for n in training.placeholders if n not in generation.placeholders]
    if only_training:
        warnings.append(
            f"the generation prompt does not use {_names(only_training)}: the model never sees "
            "those values, so its text cannot reflect them"
        )
    if spec.training_system.strip() and spec.output != "chat":
        warnings.append("the training system message is used by chat examples only: ignored")
    if spec.temperature == 0 and spec.samples > 1:
        warnings.append(
            "at temperature 0 the samples of a combination will mostly be identical (and "
            "flagged as duplicates); raise the temperature for varied samples"
        )
    plan = Plan(
        spec=spec,
        generation=generation,
        training=training,
        placeholders=tuple(used),
        warnings=tuple(warnings),
    )
    if plan.n_requests > MAX_REQUESTS:
        raise UserError(
            f"{plan.n_combinations:,} combinations × {spec.samples} samples = "
            f"{plan.n_requests:,} requests; one run sends at most {MAX_REQUESTS:,} (use fewer "
            "values or samples)"
        )
    return plan
