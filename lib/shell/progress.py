"""How long work reads on every screen that runs requests: count, ETA, cost so far."""

from __future__ import annotations

from typing import Protocol


class Counts(Protocol):
    """What a run's progress carries (the request runner's ``Progress``)."""

    @property
    def done(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def total(self) -> int: ...
    @property
    def cached(self) -> int: ...
    @property
    def cost(self) -> float: ...
    @property
    def eta_s(self) -> float | None: ...


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def progress_text(p: Counts) -> str:
    text = (
        f"{p.done + p.failed:,} of {p.total:,} requests · ETA {format_eta(p.eta_s)} · "
        f"cost so far ${p.cost:.4f}"
    )
    if p.cached:
        text += f" · {p.cached:,} answered from the store"
    if p.failed:
        text += f" · {p.failed:,} failed"
    return text
