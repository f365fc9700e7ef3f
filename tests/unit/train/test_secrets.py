"""The API key never reaches the store or the logs."""

from __future__ import annotations

import logging

from lib.providers import ProviderConfig, key_status, list_providers, save_provider
from lib.train import LaunchRequest, launch, launch_key, refresh_job, wait_for_job

FAKE_KEY = "sk-tunelab-FAKE-key-0123456789abcdefXYZ"
KEY_ENV = "TUNELAB_TEST_FAKE_KEY"


def test_the_key_is_in_neither_the_database_file_nor_the_log(
    db, snapshot, engine_url, tmp_path, monkeypatch
):
    monkeypatch.setenv(KEY_ENV, FAKE_KEY)
    config = save_provider(
        db,
        ProviderConfig(
            name="Local trainer",
            kind="compatible",
            base_url=engine_url,
            key_env=KEY_ENV,
            can_train=True,
        ),
    )
    assert key_status(config) == "set"
    log_file = tmp_path / "tunelab.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        request = LaunchRequest(
            snapshot_id=snapshot.id, provider="Local trainer", model="tunelab-base"
        )
        result = launch(
            db, request, key=launch_key(db, request), author="Ana", override_warnings=True
        )
        job = wait_for_job(db, result.job.id, timeout=120)
        refresh_job(db, job.id)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
    assert job.status == "succeeded"
    assert [p.name for p in list_providers(db)] == ["Built-in engine", "Local trainer"]

    db.dispose()  # flush SQLite's WAL into the file before reading its bytes
    database = b"".join(path.read_bytes() for path in tmp_path.glob("store.db*") if path.is_file())
    log_text = log_file.read_text(encoding="utf-8")
    assert b"Local trainer" in database  # the bytes read are the store's
    assert "launched job" in log_text and "HTTP Request" in log_text  # the log was written
    assert FAKE_KEY.encode() not in database
    assert KEY_ENV.encode() in database  # only the variable's NAME is kept
    assert FAKE_KEY not in log_text
    assert FAKE_KEY[10:30] not in log_text
