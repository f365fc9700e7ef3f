"""A launch creates exactly one job: concurrent double submits, and a crash between the
provider's create and the store's write."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from lib.providers import ENGINE_NAME, client_for, get_provider
from lib.train import METADATA_KEY, LaunchRequest, claim, launch, launch_key, list_jobs, reconcile
from lib.train.files import training_files, upload_file
from lib.train.readiness import readiness
from lib.train.tables import train_jobs


@pytest.fixture
def db(any_db):
    """These tests run on SQLite and, where CI provides one, on PostgreSQL."""
    return any_db


def _jobs_with_key(client, key: str) -> list:
    return [
        job
        for job in client.fine_tuning.jobs.list(limit=100)
        if (job.metadata or {}).get(METADATA_KEY) == key
    ]


def test_sixteen_concurrent_submits_make_one_job_and_one_row(db, snapshot, engine_env):
    request = LaunchRequest(
        snapshot_id=snapshot.id, provider=ENGINE_NAME, model="tunelab-base", suffix="race"
    )
    key = launch_key(db, request)
    config = get_provider(db, ENGINE_NAME)
    ready = readiness(db, snapshot.id, config, model="tunelab-base")
    barrier = threading.Barrier(16)
    results, errors = [], []

    def submit() -> None:
        try:
            barrier.wait()
            results.append(
                launch(db, request, key=key, author="Ana", override_warnings=True, ready=ready)
            )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(results) == 16
    assert len({r.job.id for r in results}) == 1
    with db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(train_jobs)).scalar_one() == 1
    provider_jobs = _jobs_with_key(client_for(config), key)
    assert len(provider_jobs) == 1
    created = [r for r in results if r.created]
    assert len(created) >= 1 and len({r.job.provider_job_id for r in created}) == 1
    with db.connect() as conn:
        (stored,) = list_jobs(conn)
    # Whoever answered first, the store ends with the provider's one job.
    reconciled = reconcile(db, stored.id)
    assert reconciled.provider_job_id == provider_jobs[0].id


def test_crash_between_create_and_record_is_adopted_not_repeated(db, snapshot, engine_env):
    request = LaunchRequest(snapshot_id=snapshot.id, provider=ENGINE_NAME, model="tunelab-base")
    key = launch_key(db, request)
    config = get_provider(db, ENGINE_NAME)
    client = client_for(config)
    # What a launch does up to the crash: claim, upload, create with the key as metadata …
    row, won = claim(db, request, key=key, author="Ana")
    assert won
    files = training_files(
        db, snapshot, method="supervised", model="tunelab-base", splits=("train",)
    )
    upload = upload_file(db, client, config, files["train"])
    created = client.fine_tuning.jobs.create(
        model="tunelab-base", training_file=upload.file_id, metadata={METADATA_KEY: key}
    )
    # … and then the process dies before writing the job id.
    with db.connect() as conn:
        (stored,) = list_jobs(conn)
    assert stored.provider_job_id is None and stored.status == "launching"

    # The user reloads and presses Launch again: the job is found, not created twice.
    result = launch(db, request, key=key, author="Ana", override_warnings=True)
    assert result.job.id == row.id
    assert result.job.provider_job_id == created.id
    assert "interrupted launch" in result.message
    assert len(_jobs_with_key(client, key)) == 1
    with db.connect() as conn:
        assert len(list_jobs(conn)) == 1


def test_a_stale_claim_without_a_job_is_taken_over_once(db, snapshot, engine_env):
    from datetime import timedelta

    request = LaunchRequest(snapshot_id=snapshot.id, provider=ENGINE_NAME, model="tunelab-base")
    key = launch_key(db, request)
    claim(db, request, key=key, author="Ana")  # crashed before any provider call
    # Still fresh: another launch must not assume the first one died.
    waiting = launch(db, request, key=key, author="Ana", override_warnings=True)
    assert not waiting.created and "in progress" in waiting.message
    # Past the lease: the launch goes ahead, once.
    taken = launch(db, request, key=key, author="Ana", override_warnings=True, lease=timedelta(0))
    assert taken.created and taken.job.provider_job_id
    client = client_for(get_provider(db, ENGINE_NAME))
    assert len(_jobs_with_key(client, key)) == 1


def test_an_abandoned_claim_is_marked_failed_and_a_relaunch_goes_ahead(db, snapshot, engine_env):
    from datetime import timedelta

    from lib.core.tables import utcnow
    from lib.train import refresh_job
    from lib.train.claims import expire_stale_claim
    from lib.train.repo import get_job, update_job

    request = LaunchRequest(snapshot_id=snapshot.id, provider=ENGINE_NAME, model="tunelab-base")
    key = launch_key(db, request)
    row, _ = claim(db, request, key=key, author="Ana")  # the process died right here
    assert refresh_job(db, row.id).job.status == "launching"  # still within its lease
    update_job(db, row.id, heartbeat_at=utcnow() - timedelta(hours=1))
    with db.connect() as conn:
        stale = get_job(conn, row.id)
    assert expire_stale_claim(db, stale).status == "launch_failed"
    detail = refresh_job(db, row.id)
    assert detail.job.status == "launch_failed"
    assert "stopped before the job was created" in detail.job.error

    again = launch(db, request, key=key, author="Ana", override_warnings=True)
    assert again.created and again.job.id == row.id and again.job.provider_job_id


def test_a_create_that_timed_out_but_made_the_job_is_adopted_by_the_jobs_list(
    db, snapshot, engine_env
):
    from lib.train import refresh_open_jobs
    from lib.train.repo import get_job, update_job

    request = LaunchRequest(snapshot_id=snapshot.id, provider=ENGINE_NAME, model="tunelab-base")
    key = launch_key(db, request)
    config = get_provider(db, ENGINE_NAME)
    client = client_for(config)
    row, _ = claim(db, request, key=key, author="Ana")
    files = training_files(
        db, snapshot, method="supervised", model="tunelab-base", splits=("train",)
    )
    upload = upload_file(db, client, config, files["train"])
    created = client.fine_tuning.jobs.create(
        model="tunelab-base", training_file=upload.file_id, metadata={METADATA_KEY: key}
    )
    # The answer never arrived: the launch recorded a failure.
    update_job(db, row.id, status="launch_failed", error="did not answer in time")

    refresh_open_jobs(db)
    with db.connect() as conn:
        adopted = get_job(conn, row.id)
    assert adopted.provider_job_id == created.id
    assert adopted.status != "launch_failed" and adopted.error is None
