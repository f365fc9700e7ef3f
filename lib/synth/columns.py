"""Values for a placeholder taken from an existing dataset: the distinct values of one field.

Why: the lists a template needs (the labels of a classification set, the cities a dataset
mentions, the product names in a column) often exist already in an imported dataset; typing
them again invites typos that become training prompts.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.example_store import iter_examples
from lib.core.tables import examples
from lib.datasets.service import get_dataset
from lib.synth.template import MAX_VALUE_LENGTH, MAX_VALUES_PER_PLACEHOLDER

STORE_FIELDS = ("label", "prompt", "completion")
DATA_PREFIX = "data."
_SAMPLE_ROWS = 500


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int, float)):
        text = str(value).strip()
        return text or None
    return None


def value_fields(engine: Engine, dataset_id: int) -> list[str]:
    """Fields to take values from: label, prompt, completion, then ``data.<key>`` for keys of
    the example JSON holding plain values (looked up in the first rows)."""
    with engine.connect() as conn:
        get_dataset(conn, dataset_id)
        rows = conn.execute(
            sa.select(examples.c.data)
            .where(examples.c.dataset_id == dataset_id, examples.c.deleted.is_(False))
            .order_by(examples.c.position)
            .limit(_SAMPLE_ROWS)
        ).scalars()
        keys: dict[str, None] = {}
        for raw in rows:
            data = json.loads(raw)
            for key, value in data.items() if isinstance(data, dict) else ():
                if _scalar_text(value) is not None:
                    keys.setdefault(key, None)
    return [*STORE_FIELDS, *(DATA_PREFIX + key for key in keys)]


def column_values(
    engine: Engine, dataset_id: int, *, field: str, limit: int = MAX_VALUES_PER_PLACEHOLDER
) -> list[str]:
    """Distinct non-empty values of ``field`` in dataset order (first occurrence wins)."""
    if field not in STORE_FIELDS and not field.startswith(DATA_PREFIX):
        raise UserError(
            f"unknown field {field!r}; use one of {', '.join(STORE_FIELDS)} or data.<key>"
        )
    key = field[len(DATA_PREFIX) :] if field.startswith(DATA_PREFIX) else None
    seen: dict[str, None] = {}
    for row in iter_examples(engine, dataset_id):
        value = row.data.get(key) if key is not None else getattr(row, field)
        text = _scalar_text(value)
        if text is None or len(text) > MAX_VALUE_LENGTH:
            continue
        seen.setdefault(text, None)
        if len(seen) > limit:
            raise UserError(
                f"{field} has more than {limit:,} distinct values in this dataset; a placeholder "
                "takes at most that many (choose a field with fewer values)"
            )
    if not seen:
        raise UserError(f"{field} has no values in this dataset")
    return list(seen)
