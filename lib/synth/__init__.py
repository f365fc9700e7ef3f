"""Synthetic data: training examples generated from a template and lists of values.

The way the seed book builds its marketing-copy set: a detailed *generation prompt* with
placeholders (``{sector}``, ``{city}``, ``{size}``), lists of values for each, several samples
per combination at a high temperature, and a short *training prompt* (``{sector}, {city},
{size}``) that becomes the new example's prompt while the generated text becomes its answer.

- :mod:`lib.synth.template` — ``{placeholder}`` templates (``{{``/``}}`` literal), values.
- :mod:`lib.synth.columns` — values from a field of an existing dataset.
- :mod:`lib.synth.plan` — the specification, its checks, the cross product and the requests.
- :mod:`lib.synth.estimate` — requests, tokens and cost before running.
- :mod:`lib.synth.runs` — runs through :mod:`lib.runner` (progress, cancel, resume) and the
  new dataset at the end.
- :mod:`lib.synth.output` — examples with provenance; duplicates flagged for review.
- :mod:`lib.synth.dedupe` — duplicates and near-duplicates among texts.
- :mod:`lib.synth.demo` — the seed book's marketing example, to pre-fill the screen.
"""

from lib.synth.estimate import Estimate, estimate
from lib.synth.plan import OUTPUT_FORMATS, Plan, SynthSpec, make_plan
from lib.synth.runs import (
    KIND,
    SynthResult,
    create_synthetic_run,
    dataset_of_run,
    finish,
    list_synthetic_runs,
    run_synthetic,
    spec_of_run,
    start,
    stored_answers,
)
from lib.synth.template import parse_template, parse_values

__all__ = [
    "KIND",
    "OUTPUT_FORMATS",
    "Estimate",
    "Plan",
    "SynthResult",
    "SynthSpec",
    "create_synthetic_run",
    "dataset_of_run",
    "estimate",
    "finish",
    "list_synthetic_runs",
    "make_plan",
    "parse_template",
    "parse_values",
    "run_synthetic",
    "spec_of_run",
    "start",
    "stored_answers",
]
