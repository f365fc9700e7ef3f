"""Filtered, sorted pages of a dataset's examples, straight from the store.

The review table never holds a dataset in memory: each page is one indexed query with
OFFSET/LIMIT, and counts are one ``COUNT(*)`` (a text search's stops at a bound past the
page: ``bounded_count``). Filters are a frozen dataclass so that the UI can keep them in
session state and use them as a cache key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lib.core import search
from lib.core.errors import UserError
from lib.core.example_store import STATUSES, ExampleRow, row_to_example
from lib.core.tables import examples

PAGE_SIZES = (25, 50, 100, 200)
MAX_PAGE_SIZE = 500
MAX_SEARCH_LENGTH = 500
NO_LABEL = "(no label)"

# Sort keys offered to users: name -> (column, descending). Ties break on position.
SORTS: dict[str, tuple[str, bool]] = {
    "dataset order": ("position", False),
    "dataset order, last first": ("position", True),
    "shortest first": ("n_chars", False),
    "longest first": ("n_chars", True),
    "label": ("label", False),
    "status": ("status", False),
    "recently changed": ("updated_at", True),
}


@dataclass(frozen=True, slots=True)
class Filters:
    """What the reviewer narrowed the table to. Empty fields do not filter."""

    statuses: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()  # NO_LABEL stands for examples without a label
    text: str = ""
    min_chars: int | None = None
    max_chars: int | None = None
    has_comment: bool | None = None
    has_findings: bool | None = None
    example_ids: tuple[int, ...] | None = None
    sort: str = "dataset order"

    def validate(self) -> Filters:
        unknown = [s for s in self.statuses if s not in STATUSES]
        if unknown:
            raise UserError(f"unknown status {unknown[0]!r}; use one of {', '.join(STATUSES)}")
        if self.sort not in SORTS:
            raise UserError(f"unknown sort {self.sort!r}; use one of {', '.join(SORTS)}")
        if len(self.text) > MAX_SEARCH_LENGTH:
            raise UserError(f"search text can have at most {MAX_SEARCH_LENGTH} characters")
        if (
            self.min_chars is not None
            and self.max_chars is not None
            and self.min_chars > self.max_chars
        ):
            raise UserError("the minimum length is larger than the maximum length")
        return self


FINDING_SEVERITIES = ("error", "warning")  # what "has findings" means (as the checks screen)


def findings_available() -> bool:
    """Whether the checks feature is there to say which examples have findings; without it
    the "has findings" filter is not offered (never faked)."""
    try:
        import lib.checks.service  # noqa: F401
    except ImportError:
        return False
    return True


def _findings_subquery(dataset_id: int) -> Any:
    """Example ids with stored findings, as a subquery (a 100,000-id IN list would not do)."""
    if not findings_available():
        raise UserError("the 'has findings' filter needs the checks, which are not available")
    from lib.checks.service import findings_subquery

    return findings_subquery(dataset_id, severities=FINDING_SEVERITIES)


def _conditions(conn: Connection, dataset_id: int, filters: Filters) -> list[Any]:
    filters.validate()
    c = examples.c
    where: list[Any] = [c.dataset_id == dataset_id, c.deleted.is_(False)]
    if filters.statuses:
        where.append(c.status.in_(filters.statuses))
    if filters.labels:
        named = [label for label in filters.labels if label != NO_LABEL]
        parts = []
        if named:
            parts.append(c.label.in_(named))
        if NO_LABEL in filters.labels:
            parts.append(c.label.is_(None))
        where.append(sa.or_(*parts))
    text = filters.text.strip()
    if text:
        where.append(search.text_condition(conn, dataset_id, text))
    if filters.min_chars is not None:
        where.append(c.n_chars >= filters.min_chars)
    if filters.max_chars is not None:
        where.append(c.n_chars <= filters.max_chars)
    if filters.has_comment is True:
        where.append(sa.and_(c.comment.is_not(None), c.comment != ""))
    elif filters.has_comment is False:
        where.append(sa.or_(c.comment.is_(None), c.comment == ""))
    if filters.has_findings is not None:
        ids = _findings_subquery(dataset_id)
        where.append(c.id.in_(ids) if filters.has_findings else c.id.not_in(ids))
    if filters.example_ids is not None:
        where.append(c.id.in_(list(filters.example_ids)))
    return where


def _sort_column(filters: Filters) -> Any:
    column = SORTS[filters.sort][0]
    # Unlabelled examples sort as the empty label on every database (SQLite puts NULL first,
    # PostgreSQL last), so that "the next one after this" means the same everywhere.
    return sa.func.coalesce(examples.c.label, "") if column == "label" else examples.c[column]


def _order(filters: Filters) -> list[Any]:
    # Ties break on position in the same direction, so that one index per sort column serves
    # both directions (a mixed ASC/DESC order would need a temporary sort of every row).
    column, descending = SORTS[filters.sort]
    cols = (
        [examples.c.position]
        if column == "position"
        else [_sort_column(filters), examples.c.position]
    )
    return [col.desc() if descending else col.asc() for col in cols]


def _sort_value(filters: Filters, row: ExampleRow) -> Any:
    column = SORTS[filters.sort][0]
    if column == "n_chars":
        return len(row.prompt) + len(row.completion)
    if column == "label":
        return row.label or ""
    return getattr(row, column)


def _beyond(filters: Filters, row: ExampleRow, *, forward: bool) -> Any:
    """Rows after (``forward``) or before ``row`` in the filtered order, by its shown values."""
    column, descending = SORTS[filters.sort]
    later = forward != descending
    position = examples.c.position
    if column == "position":
        return position > row.position if later else position < row.position
    col, value = _sort_column(filters), _sort_value(filters, row)
    if later:
        return sa.or_(col > value, sa.and_(col == value, position > row.position))
    return sa.or_(col < value, sa.and_(col == value, position < row.position))


def matches(conn: Connection, dataset_id: int, filters: Filters, example_id: int) -> bool:
    """Whether the example is (still) in the filtered set."""
    query = sa.select(examples.c.id).where(
        *_conditions(conn, dataset_id, filters), examples.c.id == example_id
    )
    return conn.execute(query).first() is not None


def next_unseen(
    conn: Connection,
    dataset_id: int,
    filters: Filters,
    *,
    after: ExampleRow | None,
    seen: tuple[int, ...] = (),
) -> int | None:
    """The id of the next example of this pass: the first matching example after ``after`` (in
    the filtered order, by the values the reviewer saw) that the pass has not shown yet, else
    the first unseen one from the top; None when every matching example was seen.

    ``after`` need not match the filters any more (an approved example leaves "unreviewed"):
    the order is worked out from its shown values, so nothing after it is skipped.
    """
    base = _conditions(conn, dataset_id, filters)
    skip = [*seen, after.id] if after is not None else list(seen)
    if skip:
        base.append(examples.c.id.not_in(skip))
    tries = [[_beyond(filters, after, forward=True)], []] if after is not None else [[]]
    for extra in tries:
        query = sa.select(examples.c.id).where(*base, *extra).order_by(*_order(filters)).limit(1)
        found = conn.execute(query).scalar_one_or_none()
        if found is not None:
            return int(found)
    return None


def previous_of(
    conn: Connection, dataset_id: int, filters: Filters, *, before: ExampleRow
) -> int | None:
    """The id of the matching example just before ``before`` in the filtered order."""
    query = sa.select(examples.c.id).where(
        *_conditions(conn, dataset_id, filters),
        examples.c.id != before.id,
        _beyond(filters, before, forward=False),
    )
    column, descending = SORTS[filters.sort]
    cols = (
        [examples.c.position]
        if column == "position"
        else [_sort_column(filters), examples.c.position]
    )
    query = query.order_by(*[c.asc() if descending else c.desc() for c in cols]).limit(1)
    found = conn.execute(query).scalar_one_or_none()
    return None if found is None else int(found)


def count(conn: Connection, dataset_id: int, filters: Filters) -> int:
    """How many live examples match the filters (exactly: every match is read)."""
    query = sa.select(sa.func.count()).select_from(examples)
    return int(conn.execute(query.where(*_conditions(conn, dataset_id, filters))).scalar_one())


# Screens count text matches up to a multiple of this, past what they show. An exact count
# reads and tests every match: for a text in 195,000 of 200,000 rows that is 280 ms on
# PostgreSQL, where counting to the bound stops after about 10,000 rows (15-25 ms) and the
# page itself after 50. The other filters are counted from indexes alone, exactly.
COUNT_STEP = 10_000


@dataclass(frozen=True, slots=True)
class Count:
    """Matching examples, counted up to a bound: ``exact`` is False when more than ``n`` match
    (``n`` is then the bound, and every one of the first ``n`` matches can be shown)."""

    n: int
    exact: bool = True

    def __str__(self) -> str:
        return f"{self.n:,}" if self.exact else f"more than {self.n:,}"


def bounded_count(conn: Connection, dataset_id: int, filters: Filters, *, past: int = 0) -> Count:
    """How many live examples match, counted no further than the first multiple of
    ``COUNT_STEP`` above ``past`` (the matches the screen reaches, e.g. the end of its page):
    so a reviewer always sees how far they can go, and the count never reads every match.
    Without a text to match, the count needs no row's text and is exact."""
    if not filters.text.strip():
        return Count(count(conn, dataset_id, filters))
    bound = (max(0, past) // COUNT_STEP + 1) * COUNT_STEP
    found = (
        sa.select(sa.literal(1))
        .select_from(examples)
        .where(*_conditions(conn, dataset_id, filters))
        .limit(bound + 1)
        .subquery()
    )
    n = int(conn.execute(sa.select(sa.func.count()).select_from(found)).scalar_one())
    return Count(n) if n <= bound else Count(bound, exact=False)


def status_counts(conn: Connection, dataset_id: int) -> dict[str, int]:
    """Live examples per status (every status present, zero included)."""
    query = (
        sa.select(examples.c.status, sa.func.count().label("n"))
        .where(examples.c.dataset_id == dataset_id, examples.c.deleted.is_(False))
        .group_by(examples.c.status)
    )
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({row.status: row.n for row in conn.execute(query)})
    return counts


def page(
    conn: Connection, dataset_id: int, filters: Filters, *, offset: int = 0, limit: int = 50
) -> list[ExampleRow]:
    """One page of matching examples in the chosen order."""
    if limit < 1 or limit > MAX_PAGE_SIZE:
        raise UserError(f"a page holds 1 to {MAX_PAGE_SIZE} examples")
    query = (
        sa.select(examples)
        .where(*_conditions(conn, dataset_id, filters))
        .order_by(*_order(filters))
        .offset(max(0, offset))
        .limit(limit)
    )
    return [row_to_example(row) for row in conn.execute(query)]


def example_at(
    conn: Connection, dataset_id: int, filters: Filters, index: int
) -> ExampleRow | None:
    """The example at 0-based ``index`` of the filtered order (the focus view's cursor)."""
    if index < 0:
        return None
    rows = page(conn, dataset_id, filters, offset=index, limit=1)
    return rows[0] if rows else None


def next_unreviewed_index(
    conn: Connection, dataset_id: int, filters: Filters, after: int, *, scan: int = 200
) -> int | None:
    """Index of the first unreviewed example after ``after`` in the filtered order ("Skip")."""
    offset = after + 1
    while True:
        rows = page(conn, dataset_id, filters, offset=offset, limit=scan)
        if not rows:
            return None
        for i, row in enumerate(rows):
            if row.status == "unreviewed":
                return offset + i
        offset += len(rows)


def iter_matching(
    conn: Connection, dataset_id: int, filters: Filters, *, columns: tuple[str, ...] = ()
) -> Iterator[Any]:
    """Every matching row (id, version and ``columns``), for bulk actions; streams the result."""
    cols = [examples.c.id, examples.c.version, *(examples.c[name] for name in columns)]
    query = (
        sa.select(*cols)
        .where(*_conditions(conn, dataset_id, filters))
        .order_by(examples.c.position)
    )
    yield from conn.execute(query)
