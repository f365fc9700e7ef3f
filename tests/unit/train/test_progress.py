"""A job's progress and time left from its step events; smoothing of the curves."""

from __future__ import annotations

from datetime import datetime, timedelta

from lib.train.progress import format_duration, job_progress
from lib.train.ui.charts import metrics_figure, smooth
from lib.train.watch import EventLine

T0 = datetime(2026, 11, 30, 12, 0, 0)


def _event(seconds: int, message: str) -> EventLine:
    return EventLine(T0 + timedelta(seconds=seconds), "info", message, "metrics")


def test_step_of_total_and_time_left_from_the_pace() -> None:
    events = [
        _event(0, "Validating training file"),
        _event(10, "Step 10/100: training loss=2.1"),
        _event(30, "Step 30/100: training loss=1.2, validation loss=1.3"),
    ]
    progress = job_progress(events, estimated_finish=None, now=T0 + timedelta(seconds=30))
    assert (progress.step, progress.total) == (30, 100)
    assert progress.left == timedelta(seconds=70)  # one second per step, 70 steps to go
    assert progress.text() == "Step 30 of 100 (30%) · about 1 min 10 s left"


def test_the_providers_estimate_wins_and_nothing_before_the_first_step() -> None:
    events = [_event(5, "Step 5/50: training loss=1.0")]
    finish = T0 + timedelta(minutes=3)
    progress = job_progress(events, estimated_finish=finish, now=T0 + timedelta(minutes=1))
    assert progress.left == timedelta(minutes=2)
    unknown = job_progress(events, estimated_finish=None, now=T0)
    assert unknown.left is None and unknown.text() == "Step 5 of 50 (10%)"
    assert job_progress([_event(0, "Job started")], estimated_finish=None) is None
    assert format_duration(timedelta(hours=1, minutes=5)) == "1 h 05 min"


def test_smoothing_is_a_bias_corrected_moving_average() -> None:
    assert smooth([1.0, 2.0, 3.0], 0.0) == [1.0, 2.0, 3.0]
    values = smooth([2.0, 0.0, 2.0, 0.0], 0.5)
    assert values[0] == 2.0  # not pulled towards zero at the start
    assert values[1] == (0.5 * 1.0 + 0.0) / 0.75
    assert max(values) - min(values) < 2.0
    points = [{"step": i, "train_loss": float(i % 2)} for i in range(1, 11)]
    fig = metrics_figure(points, kind="loss", smoothing=0.8)
    raw, smoothed = fig.data
    assert raw.opacity == 0.25 and list(raw.y) == [p["train_loss"] for p in points]
    assert max(smoothed.y) - min(smoothed.y) < 1.0
