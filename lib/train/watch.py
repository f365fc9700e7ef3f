"""Watching a job: status, events, checkpoints and the loss/accuracy series; cancel, pause, resume.

A refresh asks the provider and writes what changed (status, resulting model, trained tokens,
error) to the job's row, so the jobs list shows the last known state without calling anyone.
Metrics come from the best source available: the result file of a finished job (OpenAI's CSV
``step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy``, sometimes
base64-encoded), else the metrics events, else the checkpoints. Once a job has finished its
series is kept in the store.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.tables import utcnow
from lib.providers.service import capabilities, client_for, get_provider, provider_errors
from lib.train.claims import expire_stale_claim, reconcile
from lib.train.repo import FINAL_STATUSES, LAUNCH_FAILED, JobRow, get_job, update_job

if TYPE_CHECKING:
    import openai

MAX_EVENTS = 2_000
# A launch that failed this recently is looked for at its provider once more (a create that
# timed out may have created the job after all).
RECHECK_FAILED_LAUNCHES = timedelta(hours=1)
MAX_CHECKPOINTS = 100
METRIC_NAMES = ("train_loss", "train_accuracy", "valid_loss", "valid_accuracy")
# Provider spellings → ours.
_ALIASES = {
    "train_loss": "train_loss",
    "train_accuracy": "train_accuracy",
    "train_mean_token_accuracy": "train_accuracy",
    "valid_loss": "valid_loss",
    "valid_mean_token_accuracy": "valid_accuracy",
    "valid_accuracy": "valid_accuracy",
    "full_valid_loss": "full_valid_loss",
    "full_valid_mean_token_accuracy": "full_valid_accuracy",
}


@dataclass(frozen=True, slots=True)
class EventLine:
    created_at: datetime
    level: str
    message: str
    type: str


@dataclass(frozen=True, slots=True)
class CheckpointInfo:
    step: int
    model: str
    created_at: datetime
    metrics: dict[str, float]


@dataclass(frozen=True, slots=True)
class JobDetail:
    """What the job screen shows; ``problem`` says why the provider could not be asked."""

    job: JobRow
    events: list[EventLine] = field(default_factory=list)
    checkpoints: list[CheckpointInfo] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    metrics_source: str = ""
    estimated_finish: datetime | None = None
    problem: str | None = None

    @property
    def event_log(self) -> str:
        """The events as plain text, oldest first."""
        return "\n".join(
            f"{e.created_at:%Y-%m-%d %H:%M:%S}  {e.level:<5}  {e.message}" for e in self.events
        )


def _time(stamp: Any) -> datetime | None:
    if stamp in (None, ""):
        return None
    return datetime.fromtimestamp(int(stamp), UTC).replace(tzinfo=None)


def _number(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN → None


def _point(raw: Mapping[str, Any]) -> dict[str, Any] | None:
    step = _number(raw.get("step"))
    if step is None:
        return None
    point: dict[str, Any] = {"step": int(step)}
    for name, value in raw.items():
        ours = _ALIASES.get(str(name).strip())
        number = _number(value)
        if ours and number is not None:
            point[ours] = number
    return point


def parse_result_file(content: bytes | str) -> list[dict[str, Any]]:
    """Points of OpenAI's result CSV (plain or base64-encoded); unreadable → empty list."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    text = data.decode("utf-8-sig", errors="replace").strip()
    if not text.lower().startswith("step"):
        try:
            text = base64.b64decode(text, validate=False).decode("utf-8-sig").strip()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return []
        if not text.lower().startswith("step"):
            return []
    points = [_point(row) for row in csv.DictReader(io.StringIO(text))]
    return _merge([p for p in points if p])


def _merge(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One point per step (later values fill in), sorted by step."""
    by_step: dict[int, dict[str, Any]] = {}
    for point in points:
        by_step.setdefault(point["step"], {}).update(point)
    return [by_step[step] for step in sorted(by_step)]


def _events(client: openai.OpenAI, job_id: str) -> list[Any]:
    events = list(islice(client.fine_tuning.jobs.list_events(job_id, limit=100), MAX_EVENTS))
    # Providers list newest first; reversed, a stable sort keeps their order within a second.
    return sorted(reversed(events), key=lambda e: e.created_at)


def _checkpoints(client: openai.OpenAI, job_id: str) -> list[CheckpointInfo]:
    pages = client.fine_tuning.jobs.checkpoints.list(job_id, limit=MAX_CHECKPOINTS)
    out = []
    for item in islice(pages, MAX_CHECKPOINTS):
        metrics = item.metrics.model_dump(exclude_none=True) if item.metrics else {}
        out.append(
            CheckpointInfo(
                step=int(item.step_number),
                model=str(item.fine_tuned_model_checkpoint),
                created_at=_time(item.created_at) or utcnow(),
                metrics={k: float(v) for k, v in metrics.items() if _number(v) is not None},
            )
        )
    return sorted(out, key=lambda c: c.step)


def _result_points(client: openai.OpenAI, job: Any) -> list[dict[str, Any]]:
    import openai

    for file_id in job.result_files or []:
        try:
            content = client.files.content(file_id).content
        except openai.NotFoundError:
            continue
        points = parse_result_file(content)
        if points:
            return points
    return []


def _status_values(job: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": str(job.status),
        "fine_tuned_model": job.fine_tuned_model,
        "trained_tokens": job.trained_tokens,
        "finished_at": _time(job.finished_at),
    }
    error = getattr(job, "error", None)
    if error is not None and (getattr(error, "message", None) or getattr(error, "code", None)):
        code = f"{error.code}: " if getattr(error, "code", None) else ""
        values["error"] = f"{code}{error.message or ''}".strip()
    return values


def refresh_job(
    engine: Engine,
    job_id: int,
    *,
    secrets: Mapping[str, Any] | None = None,
    client: openai.OpenAI | None = None,
    details: bool = True,
) -> JobDetail:
    """Ask the provider about a job, store what changed and return everything to show.

    A provider that cannot be reached does not raise: the stored row comes back with the
    reason in ``problem``, so the screen still shows the last known state.
    """
    with engine.connect() as conn:
        row = get_job(conn, job_id)
    try:
        config = get_provider(engine, row.provider)
        client = client or client_for(config, secrets=secrets)
        if not row.provider_job_id:
            row = reconcile(engine, job_id, secrets=secrets, client=client)
            if not row.provider_job_id:
                row = expire_stale_claim(engine, row)
                return JobDetail(
                    job=row, metrics=row.metrics or [], metrics_source=row.metrics_source
                )
        job_key = row.provider_job_id
        assert job_key is not None
        with provider_errors(config, "read the job", secrets=secrets):
            job = client.fine_tuning.jobs.retrieve(job_key)
            values = _status_values(job)
            events = _events(client, job_key) if details else []
            checkpoints = _checkpoints(client, job_key) if details else []
            metrics, source = [], ""
            if details and row.metrics and row.final:
                metrics, source = row.metrics, row.metrics_source
            elif details:
                metrics, source = _metrics(client, job, events, checkpoints)
            if details and values["status"] in FINAL_STATUSES and metrics:
                values["metrics"] = {"source": source, "points": metrics}
    except UserError as exc:
        return JobDetail(
            job=row, metrics=row.metrics or [], metrics_source=row.metrics_source, problem=str(exc)
        )
    changed = {k: v for k, v in values.items() if k == "metrics" or getattr(row, k, None) != v}
    if "metrics" in changed and row.metrics == metrics and row.metrics_source == source:
        del changed["metrics"]
    if changed:
        update_job(engine, job_id, **changed)
        with engine.connect() as conn:
            row = get_job(conn, job_id)
    return JobDetail(
        job=row,
        events=[
            EventLine(
                created_at=_time(e.created_at) or utcnow(),
                level=str(e.level),
                message=str(e.message),
                type=str(e.type or "message"),
            )
            for e in events
        ],
        checkpoints=checkpoints,
        metrics=metrics,
        metrics_source=source,
        estimated_finish=_time(getattr(job, "estimated_finish", None)),
    )


def _metrics(
    client: openai.OpenAI, job: Any, events: list[Any], checkpoints: list[CheckpointInfo]
) -> tuple[list[dict[str, Any]], str]:
    if str(job.status) == "succeeded":
        points = _result_points(client, job)
        if points:
            return points, "result file"
    from_events = [
        p
        for e in events
        if str(e.type or "") == "metrics" and isinstance(e.data, Mapping)
        for p in [_point(e.data)]
        if p
    ]
    if from_events:
        return _merge(from_events), "metrics events"
    from_checkpoints = [
        p for c in checkpoints for p in [_point({"step": c.step, **c.metrics})] if p
    ]
    if from_checkpoints:
        return _merge(from_checkpoints), "checkpoints"
    return [], ""


def refresh_open_jobs(
    engine: Engine, *, secrets: Mapping[str, Any] | None = None
) -> list[JobDetail]:
    """Refresh every job that has not finished (status only): the jobs list's live part."""
    from lib.train.repo import list_jobs

    recent = utcnow() - RECHECK_FAILED_LAUNCHES
    with engine.connect() as conn:
        open_jobs = [
            job
            for job in list_jobs(conn)
            if not job.final or (job.status == LAUNCH_FAILED and job.updated_at > recent)
        ]
    details = []
    for job in open_jobs:
        if job.status == LAUNCH_FAILED:
            # A create that timed out may still have made the job: adopt it if so.
            details.append(_recheck_failed_launch(engine, job, secrets=secrets))
        else:
            details.append(refresh_job(engine, job.id, secrets=secrets, details=False))
    return details


def _recheck_failed_launch(
    engine: Engine, job: JobRow, *, secrets: Mapping[str, Any] | None
) -> JobDetail:
    try:
        row = reconcile(engine, job.id, secrets=secrets)
    except UserError as exc:
        return JobDetail(job=job, problem=str(exc))
    if row.provider_job_id:
        return refresh_job(engine, job.id, secrets=secrets, details=False)
    return JobDetail(job=row)


def wait_for_job(
    engine: Engine,
    job_id: int,
    *,
    timeout: float = 120.0,
    poll: float = 0.25,
    secrets: Mapping[str, Any] | None = None,
    until: frozenset[str] = FINAL_STATUSES,
) -> JobRow:
    """Refresh until the job reaches one of ``until`` (for the command line and tests)."""
    deadline = time.monotonic() + timeout
    while True:
        detail = refresh_job(engine, job_id, secrets=secrets, details=False)
        if detail.job.status in until:
            return detail.job
        if time.monotonic() > deadline:
            raise UserError(
                f"job {job_id} is still {detail.job.status_label} after {timeout:.0f} s"
            )
        time.sleep(poll)


ACTIONS = {"cancel": "cancel", "pause": "pause", "resume": "resume"}


def job_action(
    engine: Engine,
    job_id: int,
    action: str,
    *,
    secrets: Mapping[str, Any] | None = None,
) -> JobRow:
    """Cancel, pause or resume a job where its provider supports that."""
    if action not in ACTIONS:
        raise UserError(f"unknown action {action!r}; use cancel, pause or resume")
    with engine.connect() as conn:
        row = get_job(conn, job_id)
    config = get_provider(engine, row.provider)
    if action in ("pause", "resume") and not capabilities(config).pause_resume:
        raise UserError(f"{config.name} cannot pause or resume jobs")
    if row.final:
        raise UserError(f"job {job_id} has finished ({row.status_label}); it cannot be {action}d")
    if not row.provider_job_id:
        raise UserError(f"job {job_id} has no job at {config.name} yet; refresh in a moment")
    client = client_for(config, secrets=secrets)
    with provider_errors(config, f"{action} the job", secrets=secrets):
        method = getattr(client.fine_tuning.jobs, action)
        job = method(row.provider_job_id)
    update_job(engine, job_id, **_status_values(job))
    with engine.connect() as conn:
        return get_job(conn, job_id)
