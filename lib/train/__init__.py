"""Fine-tuning jobs: launching exactly once, watching, managing, and the models they make.

- :mod:`lib.train.request` — ``LaunchRequest`` (checked) and ``launch_key`` (idempotency key).
- :mod:`lib.train.claims` — ``claim`` (the UNIQUE insert) and ``reconcile`` (adopt the job of an
  interrupted launch, found by its metadata).
- :mod:`lib.train.launch` — ``launch``: checks → claim → upload → create → record, once per key.
- :mod:`lib.train.files` — a snapshot split as the JSONL to upload; uploads reused by sha256.
- :mod:`lib.train.watch` — ``refresh_job`` (status, events, checkpoints, metrics series),
  ``job_action`` (cancel / pause / resume), ``wait_for_job``.
- :mod:`lib.train.models` — fine-tuned models per provider, ``delete_model``.
- :mod:`lib.train.readiness` — checks summary and cost/time estimate before a launch.
- :mod:`lib.train.repo` — the ``train_jobs`` / ``train_uploads`` rows.
"""

from typing import TYPE_CHECKING

from lib.core.lazy import lazy_exports

if TYPE_CHECKING:
    from lib.train.launch import (
        METADATA_KEY,
        LaunchRequest,
        LaunchResult,
        claim,
        find_provider_job,
        launch,
        launch_key,
        reconcile,
    )
    from lib.train.models import FineTunedModel, delete_model, fine_tuned_models, runs_with_model
    from lib.train.repo import (
        FINAL_STATUSES,
        JobRow,
        UploadRow,
        get_job,
        get_upload,
        jobs_for_model,
        list_jobs,
    )
    from lib.train.watch import JobDetail, job_action, refresh_job, refresh_open_jobs, wait_for_job

lazy_exports(
    __name__,
    {
        "METADATA_KEY": "lib.train.launch",
        "LaunchRequest": "lib.train.launch",
        "LaunchResult": "lib.train.launch",
        "claim": "lib.train.launch",
        "find_provider_job": "lib.train.launch",
        "launch": "lib.train.launch",
        "launch_key": "lib.train.launch",
        "reconcile": "lib.train.launch",
        "FineTunedModel": "lib.train.models",
        "delete_model": "lib.train.models",
        "fine_tuned_models": "lib.train.models",
        "runs_with_model": "lib.train.models",
        "FINAL_STATUSES": "lib.train.repo",
        "JobRow": "lib.train.repo",
        "UploadRow": "lib.train.repo",
        "get_job": "lib.train.repo",
        "get_upload": "lib.train.repo",
        "jobs_for_model": "lib.train.repo",
        "list_jobs": "lib.train.repo",
        "JobDetail": "lib.train.watch",
        "job_action": "lib.train.watch",
        "refresh_job": "lib.train.watch",
        "refresh_open_jobs": "lib.train.watch",
        "wait_for_job": "lib.train.watch",
    },
)

__all__ = [
    "FINAL_STATUSES",
    "METADATA_KEY",
    "FineTunedModel",
    "JobDetail",
    "JobRow",
    "LaunchRequest",
    "LaunchResult",
    "UploadRow",
    "claim",
    "delete_model",
    "find_provider_job",
    "fine_tuned_models",
    "get_job",
    "get_upload",
    "job_action",
    "jobs_for_model",
    "launch",
    "launch_key",
    "list_jobs",
    "reconcile",
    "runs_with_model",
    "refresh_job",
    "refresh_open_jobs",
    "wait_for_job",
]
