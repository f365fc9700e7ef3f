"""Blind A/B preference votes on generation outputs, stored per reviewer.

For each example a reviewer sees two models' outputs in a random order (seeded by run,
example and reviewer, so a rerun shows the same order) without model names, and picks A, B
or a tie. Win rate = (wins + ties / 2) / votes, with a Wilson interval.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.stats import Interval, wilson_interval
from lib.core.tables import utcnow
from lib.evaluate.tables import eval_votes

CHOICES = ("a", "b", "tie")


def blind_order(
    run_id: int, example: str, reviewer: str, models: tuple[str, str]
) -> tuple[str, str]:
    """The two models in the order a reviewer sees them (A, B): random but repeatable."""
    seed = hashlib.sha256(f"{run_id}|{example}|{reviewer}".encode()).digest()
    first, second = sorted(models)
    return (first, second) if random.Random(seed).random() < 0.5 else (second, first)


def record_vote(
    engine: Engine, *, run_id: int, example: str, shown: tuple[str, str], choice: str, reviewer: str
) -> None:
    """Store (or replace) a reviewer's vote; ``shown`` is (model shown as A, model shown as B)."""
    if choice not in CHOICES:
        raise UserError(f"a vote is one of {', '.join(CHOICES)}")
    if not (reviewer or "").strip():
        raise UserError("choose a reviewer name first: every vote records who cast it")
    a, b = sorted(shown)
    winner = "tie" if choice == "tie" else (shown[0] if choice == "a" else shown[1])
    stored = "tie" if winner == "tie" else ("a" if winner == a else "b")
    with engine.begin() as conn:
        conn.execute(
            eval_votes.delete().where(
                eval_votes.c.run_id == run_id, eval_votes.c.example == example,
                eval_votes.c.model_a == a, eval_votes.c.model_b == b,
                eval_votes.c.reviewer == reviewer,
            )
        )  # fmt: skip
        conn.execute(
            eval_votes.insert().values(
                run_id=run_id, example=example, model_a=a, model_b=b, winner=stored,
                reviewer=reviewer, created_at=utcnow(),
            )
        )  # fmt: skip


def voted_examples(engine: Engine, *, run_id: int, reviewer: str) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(eval_votes.c.example).where(
                eval_votes.c.run_id == run_id, eval_votes.c.reviewer == reviewer
            )
        )
        return set(rows.scalars())


@dataclass(frozen=True, slots=True)
class WinRate:
    model: str
    other: str
    wins: int
    losses: int
    ties: int
    rate: Interval  # (wins + ties/2) / votes with a Wilson interval

    @property
    def votes(self) -> int:
        return self.wins + self.losses + self.ties


def win_rates(engine: Engine, *, run_id: int) -> list[WinRate]:
    """Each pair's win rate from the point of view of both models (all reviewers)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(eval_votes).where(eval_votes.c.run_id == run_id)).fetchall()
    pairs: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        pairs.setdefault((row.model_a, row.model_b), []).append(row.winner)
    out = []
    for (a, b), winners in sorted(pairs.items()):
        n_a, n_b, ties = winners.count("a"), winners.count("b"), winners.count("tie")
        n = len(winners)
        for model, other, wins, losses in ((a, b, n_a, n_b), (b, a, n_b, n_a)):
            score = wins + ties / 2
            out.append(WinRate(model, other, wins, losses, ties, wilson_interval(score, n)))
    return out
