"""Fine-tuning jobs: background workers that validate, train, checkpoint and publish models.

Statuses follow OpenAI: validating_files → queued → running → succeeded / failed / cancelled,
plus pausing → paused → (resume) queued. Every transition is stored before it is visible, and
a resumable snapshot is written at every epoch end and on pause, so an engine restart resumes a
running job from its last epoch instead of losing it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any

from lib.engine.data import DataError, TrainingData, parse_training_file
from lib.engine.errors import ApiError
from lib.engine.files import store_file
from lib.engine.models import LinearClassifier
from lib.engine.registry import CLASSIFIER_DESCRIPTION, OWNER, RETRIEVAL_DESCRIPTION
from lib.engine.state import new_id, now
from lib.engine.tokens import total_tokens
from lib.engine.trainer import (
    StepMetrics,
    build_trainer,
    load_snapshot,
    resolve_hyperparameters,
    result_csv,
    save_snapshot,
)

log = logging.getLogger("tunelab.engine.jobs")
ACTIVE = ("validating_files", "queued", "running", "pausing")
FINAL = ("succeeded", "failed", "cancelled")
KEEP_CHECKPOINTS = 3
METRIC_EVENTS = 50  # metrics events per job, about


class _Stop(Exception):
    """The worker must leave the job as it is (shutdown, pause or cancel)."""


class JobManager:
    """Runs jobs on worker threads; the API changes jobs only through its methods."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.state = engine.state
        self._queue: queue.Queue[str] = queue.Queue()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started: dict[str, tuple[float, int]] = {}  # job -> (clock, step) when measured

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        for job in reversed(self.state.list("job")):
            if job["status"] == "pausing":
                self.state.update("job", job["id"], status="paused")
            elif job["status"] in ACTIVE:
                if job["status"] == "running":
                    snapshot = load_snapshot(self._snapshot_path(job["id"]))
                    where = f"epoch {snapshot['epoch'] + 1}" if snapshot else "the beginning"
                    self.event(
                        job["id"], f"The engine restarted during training; resuming from {where}."
                    )
                self._queue.put(job["id"])
        for number in range(self.engine.config.workers):
            thread = threading.Thread(target=self._work, name=f"ftjob-worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def enqueue(self, job_id: str) -> None:
        self._queue.put(job_id)

    # ------------------------------------------------------------------ events and status

    def event(
        self,
        job_id: str,
        message: str,
        *,
        level: str = "info",
        data: Any = None,
        type_: str = "message",
    ) -> None:
        obj = {
            "id": new_id("ftevent-"),
            "object": "fine_tuning.job.event",
            "created_at": now(),
            "level": level,
            "message": message,
            "data": data if data is not None else {},
            "type": type_,
        }
        self.state.put("event", obj, parent=job_id)

    def transition(
        self,
        job_id: str,
        allowed: tuple[str, ...],
        *,
        events: tuple[str, ...] = (),
        event_level: str = "info",
        **changes: Any,
    ) -> dict[str, Any] | None:
        """Change a job only if its status is one of ``allowed`` (None otherwise).

        ``events`` are stored in the same transaction: a client that sees the new status
        also sees the events that explain it (a poller saw "failed" before its error event).
        """
        with self.state.transaction():
            job = self.state.get("job", job_id)
            if job is None or job["status"] not in allowed:
                return None
            updated = self.state.update("job", job_id, **changes)
            for message in events:
                self.event(job_id, message, level=event_level)
            return updated

    def fail(self, job_id: str, code: str, message: str, *, param: str | None = None) -> None:
        error = {"code": code, "message": message, "param": param}
        self.transition(
            job_id, ACTIVE + ("paused",), events=(message,), event_level="error",
            status="failed", error=error, finished_at=now(),
        )  # fmt: skip

    # ------------------------------------------------------------------ worker

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                job_id = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                self._run(job_id)
            except _Stop:
                pass
            except Exception as exc:  # a bug must fail the job, not kill the worker
                log.exception("job %s crashed", job_id)
                self.fail(
                    job_id, "engine_error", f"The built-in engine failed while training: {exc}"
                )

    def _check(self, job_id: str) -> None:
        if self._stopping.is_set():
            raise _Stop
        job = self.state.get("job", job_id)
        if job is None or job["status"] in ("cancelled", "pausing"):
            raise _Stop

    def _read(self, job: dict[str, Any], key: str) -> TrainingData | None:
        file_id = job.get(key)
        if not file_id:
            return None
        path = self.state.file_path(file_id)
        if not path.exists():
            raise DataError(f"File {file_id} no longer exists.")
        minimum = 10 if key == "training_file" else 1
        return parse_training_file(path, min_examples=minimum, method=job["method"]["type"])

    def _run(self, job_id: str) -> None:
        job = self.state.get("job", job_id)
        if job is None or job["status"] not in ACTIVE:
            return
        files: dict[str, TrainingData | None] = {}
        for key in ("training_file", "validation_file"):
            try:
                files[key] = self._read(job, key)
            except DataError as exc:
                kind = key.replace("_file", "")
                message = f"The job failed due to an invalid {kind} file. {exc}"
                self.fail(job_id, f"invalid_{key}", message, param=key)
                return
        train, valid = files["training_file"], files["validation_file"]
        assert train is not None
        if job["status"] == "validating_files":
            self.transition(
                job_id, ("validating_files",), status="queued",
                events=("Files validated, moving job to queued state",),
            )  # fmt: skip
        self._check(job_id)
        kind = job["method"]["type"]
        requested = job["method"][kind]["hyperparameters"]
        hyper = resolve_hyperparameters(len(train.inputs), requested, method=kind)
        resolved = hyper.as_dict()
        method = {"type": kind, kind: {"hyperparameters": resolved}}
        shown = {k: v for k, v in resolved.items() if k != "beta"}
        started = self.transition(
            job_id, ("queued", "running"), status="running", hyperparameters=shown, method=method,
            events=("Fine-tuning job started",),
        )  # fmt: skip
        if started is None:
            return
        try:
            trainer = build_trainer(
                start=self._start_model(job),
                train=train,
                valid=valid,
                hyper=hyper,
                seed=job["seed"],
                snapshot=load_snapshot(self._snapshot_path(job_id)),
            )
        except DataError as exc:
            self.fail(
                job_id,
                "invalid_training_file",
                f"The job failed due to an invalid training file. {exc}",
                param="training_file",
            )
            return
        self._train(job, trainer, train)

    def _start_model(self, job: dict[str, Any]) -> Any:
        """The fine-tuned model a job continues from (None for a base model)."""
        if not job["model"].startswith("ft:"):
            return None
        try:
            return self.engine.registry.load(job["model"])
        except ApiError:
            raise DataError(f"The model {job['model']} no longer exists.") from None

    def _train(self, job: dict[str, Any], trainer: Any, train: TrainingData) -> None:
        job_id = job["id"]
        self._started.pop(job_id, None)  # the ETA is measured afresh on each run
        total = trainer.total_steps
        report_every = max(1, total // METRIC_EVENTS)
        delay = self.engine.config.train_step_delay_ms / 1000
        reported = self._last_reported_step(job_id)

        def on_step(m: StepMetrics) -> bool:
            trainer.rows.append(
                [m.step, m.train_loss, m.train_accuracy, m.valid_loss, m.valid_accuracy]
            )
            if (m.step % report_every == 0 or m.step == total) and m.step > reported:
                self._metrics_event(job_id, m, total)
            if delay:
                time.sleep(delay)
            try:
                self._check(job_id)
            except _Stop:
                return False
            return True

        while trainer.epoch < trainer.hyper.n_epochs:
            if not trainer.run_epoch(on_step, report_every=report_every):
                self._stopped(job_id, trainer)
                return
            save_snapshot(self._snapshot_path(job_id), trainer)
            self._checkpoint(job, trainer)
        self._finish(job, trainer, train)

    def _last_reported_step(self, job_id: str) -> int:
        """The last step a metrics event was sent for (0 if none).

        After a restart the job resumes from its last epoch snapshot and trains the lost steps
        again; their events were already sent, so they are not sent twice and a loss chart
        built from events only moves forward. Training is seeded (the epoch's order comes from
        the job's seed and the AdaGrad state from the snapshot), so the steps trained again
        reach the values already reported.
        """
        steps = [
            int(event["data"]["step"])
            for event in self.state.list("event", parent=job_id)
            if event.get("type") == "metrics" and isinstance(event.get("data"), dict)
        ]
        return max(steps, default=0)

    def _metrics_event(self, job_id: str, m: StepMetrics, total: int) -> None:
        data = {
            "step": m.step,
            "train_loss": m.train_loss,
            "train_mean_token_accuracy": m.train_accuracy,
            "valid_loss": m.valid_loss,
            "valid_mean_token_accuracy": m.valid_accuracy,
            "total_steps": total,
        }
        message = f"Step {m.step}/{total}: training loss={m.train_loss:.4f}"
        if m.valid_loss is not None:
            message += f", validation loss={m.valid_loss:.4f}"
        self.event(job_id, message, data=data, type_="metrics")
        started = self._started.setdefault(job_id, (time.monotonic(), m.step))
        done = m.step - started[1]
        if done > 0:
            per_step = (time.monotonic() - started[0]) / done
            finish = now() + round(per_step * (total - m.step))
            self.transition(job_id, ("running",), estimated_finish=finish)

    def _stopped(self, job_id: str, trainer: Any) -> None:
        job = self.state.get("job", job_id)
        if job is not None and job["status"] == "pausing" and not self._stopping.is_set():
            save_snapshot(self._snapshot_path(job_id), trainer)
            self.transition(
                job_id,
                ("pausing",),
                status="paused",
                events=(f"Job paused at step {trainer.step}",),
            )
        raise _Stop

    # ------------------------------------------------------------------ outputs

    def _model_id(self, job: dict[str, Any]) -> str:
        if job.get("_output_model"):  # named by a provider dialect in its own format
            return str(job["_output_model"])
        return (
            f"ft:{job['_base']}:{OWNER}:{job.get('user_provided_suffix') or ''}:{job['id'][6:14]}"
        )

    def _publish(
        self, job: dict[str, Any], trainer: Any, model_id: str, *, checkpoint: bool
    ) -> None:
        model = trainer.model
        if isinstance(model, LinearClassifier):
            description = CLASSIFIER_DESCRIPTION.format(n=len(model.labels))
            kind = "classifier"
        else:
            description = RETRIEVAL_DESCRIPTION
            kind = "retrieval"
        model.name, model.description = model_id, description
        obj = {
            "id": model_id, "object": "model", "created": now(), "owned_by": OWNER,
            "description": description, "kind": kind, "base_model": job["_base"],
            "fine_tuning_job": job["id"], "checkpoint": checkpoint,
        }  # fmt: skip
        if isinstance(model, LinearClassifier):
            obj["labels"] = list(model.labels)
        self.engine.registry.save(model, obj)

    def _checkpoint(self, job: dict[str, Any], trainer: Any) -> None:
        model_id = f"{self._model_id(job)}:ckpt-step-{trainer.step}"
        self._publish(job, trainer, model_id, checkpoint=True)
        full_loss, full_acc = trainer.validate(full=True)
        last = trainer.rows[-1]
        metrics = {
            "step": float(trainer.step), "train_loss": last[1], "train_mean_token_accuracy": last[2],
            "valid_loss": last[3], "valid_mean_token_accuracy": last[4],
            "full_valid_loss": full_loss, "full_valid_mean_token_accuracy": full_acc,
        }  # fmt: skip
        obj = {
            "id": new_id("ftckpt-"), "object": "fine_tuning.job.checkpoint", "created_at": now(),
            "fine_tuned_model_checkpoint": model_id, "fine_tuning_job_id": job["id"],
            "metrics": metrics, "step_number": trainer.step,
        }  # fmt: skip
        self.state.put("checkpoint", obj, parent=job["id"])
        self.event(job["id"], f"Checkpoint created at step {trainer.step}")
        for old in self.state.list("checkpoint", parent=job["id"])[KEEP_CHECKPOINTS:]:
            self.state.delete("checkpoint", old["id"])
            self.engine.registry.delete(old["fine_tuned_model_checkpoint"])

    def _finish(self, job: dict[str, Any], trainer: Any, train: TrainingData) -> None:
        job_id = job["id"]
        model_id = self._model_id(job)
        self._publish(job, trainer, model_id, checkpoint=False)
        result = store_file(
            self.state, content=result_csv(trainer.rows).encode(), filename="step_metrics.csv",
            purpose="fine-tune-results",
        )  # fmt: skip
        tokens = total_tokens(train.inputs) + total_tokens(train.outputs)
        done = self.transition(
            job_id, ("running",), status="succeeded", fine_tuned_model=model_id, finished_at=now(),
            result_files=[result["id"]], trained_tokens=tokens * trainer.hyper.n_epochs,
            estimated_finish=None,
            events=(f"New fine-tuned model created: {model_id}", "The job has successfully completed"),
        )  # fmt: skip
        if done is None:  # cancelled at the last moment: the model must not outlive the job
            self.engine.registry.delete(model_id)
            return
        self._snapshot_path(job_id).unlink(missing_ok=True)

    # ------------------------------------------------------------------ snapshots

    def _snapshot_path(self, job_id: str) -> Path:
        return self.state.models_dir / f"resume-{job_id}.pkl"
