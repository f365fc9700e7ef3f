"""Hugging Face-style export: ``data/<split>.jsonl`` plus a dataset card (``README.md``).

The rows are the examples as Tunelab holds them (chat rows have ``messages``, which TRL's
SFTTrainer reads as conversations; prompt/completion rows have ``prompt``/``completion``;
preference rows keep OpenAI's DPO keys), unknown keys included: this export is lossless.

The card's YAML header tells the Hub which file is which split (``configs``) and how many
examples each has; the licence is a placeholder (``other``) for the owner to fill in, because
Tunelab cannot know the terms of someone's data. Our ``valid`` split is named ``validation``,
the Hub's name for it.
"""

from __future__ import annotations

import json

from lib.core.examples import SCHEMA_LABELS
from lib.datasets.export.base import ExportOptions, ExportSource, Part
from lib.datasets.export.jsonl import write_lines
from lib.datasets.export.sink import WHOLE, Sink

HUB_SPLIT_NAMES = {"train": "train", "valid": "validation", "test": "test", WHOLE: "train"}
TASKS = {
    "completion": "text-generation",
    "chat": "text-generation",
    "preference": "text-generation",
}


def hub_split(part: Part) -> str:
    return HUB_SPLIT_NAMES.get(part.name, part.name)


def _yaml(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: quotes, colons and newlines are safe.
    return json.dumps(value, ensure_ascii=False)


def dataset_card(export: ExportSource, sizes: dict[str, int]) -> str:
    """README.md with a YAML header (configs, splits, counts, labels, licence placeholder)."""
    labels: dict[str, int] = {}
    for part in export.parts:
        for label, n in (part.labels or {}).items():
            labels[label] = labels.get(label, 0) + n
    lines = ["---", "license: other  # placeholder: state the licence of this data", "configs:"]
    lines += ["- config_name: default", "  data_files:"]
    for part in export.parts:
        split = hub_split(part)
        lines += [f"  - split: {split}", f"    path: data/{split}.jsonl"]
    lines += ["dataset_info:", "  splits:"]
    for part in export.parts:
        lines += [f"  - name: {hub_split(part)}", f"    num_examples: {sizes[part.name]}"]
    lines += [f"task_categories:\n- {TASKS.get(export.schema, 'text-generation')}"]
    lines += ["tags:", "- tunelab", f"- {export.schema}"]
    if labels:
        lines.append("labels:")
        lines += [f"- {_yaml(label)}" for label in labels]
    lines += ["pretty_name: " + _yaml(export.name), "---", ""]
    lines += [f"# {export.name}", ""]
    if export.description:
        lines += [export.description, ""]
    lines += [
        f"Format: {SCHEMA_LABELS.get(export.schema, export.schema)} examples, one JSON object "
        "per line.",
        "",
        "| split | examples |",
        "|---|---:|",
    ]
    lines += [f"| {hub_split(p)} | {sizes[p.name]:,} |" for p in export.parts]
    if labels:
        lines += ["", "| label | examples |", "|---|---:|"]
        lines += [f"| {_cell(label)} | {n:,} |" for label, n in labels.items()]
    lines += [
        "",
        "## Licence",
        "",
        "Not stated yet: replace `license: other` above with the licence of this data.",
        "",
        "Created with Tunelab.",
        "",
    ]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "\\n")


def write_hf(export: ExportSource, sink: Sink, options: ExportOptions) -> None:
    del options
    sizes: dict[str, int] = {}
    for part in export.parts:
        with sink.open(f"data/{hub_split(part)}.jsonl") as stream:
            sizes[part.name] = write_lines((row.data for row in part.rows()), stream)
    with sink.open("README.md") as stream:
        stream.write(dataset_card(export, sizes).encode("utf-8"))
