"""A running job's progress (step of total) and time left, from what providers already send.

OpenAI's fine-tuning events say ``Step 120/300: training loss=0.41`` (the built-in engine writes
the same); a job object may carry ``estimated_finish``. The time left is that estimate when the
provider gives one, else the pace between the first and the last step event seen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lib.core.tables import utcnow
from lib.train.watch import EventLine

_STEP = re.compile(r"\bStep\s+(\d+)\s*/\s*(\d+)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Progress:
    step: int
    total: int
    left: timedelta | None  # None: not known yet

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / self.total) if self.total else 0.0

    def text(self) -> str:
        out = f"Step {self.step:,} of {self.total:,} ({self.fraction:.0%})"
        if self.left is not None:
            out += f" · about {format_duration(self.left)} left"
        return out


def format_duration(span: timedelta) -> str:
    seconds = max(0, round(span.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def job_progress(
    events: Sequence[EventLine],
    *,
    estimated_finish: datetime | None,
    now: datetime | None = None,
) -> Progress | None:
    """Progress of a job from its step events (oldest first); None before the first step."""
    now = now or utcnow()
    steps = [
        (e.created_at, int(m.group(1)), int(m.group(2)))
        for e in events
        for m in [_STEP.search(e.message)]
        if m and int(m.group(2)) > 0
    ]
    if not steps:
        return None
    first_at, first_step, _ = steps[0]
    last_at, step, total = max(steps, key=lambda s: (s[1], s[0]))
    left: timedelta | None = None
    if estimated_finish is not None:
        left = max(timedelta(0), estimated_finish - now)
    elif step > first_step and last_at > first_at:
        per_step = (last_at - first_at) / (step - first_step)
        left = max(timedelta(0), per_step * (total - step) - (now - last_at))
    if step >= total:
        left = timedelta(0)
    return Progress(step, total, left)
