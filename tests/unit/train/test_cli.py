"""``python -m lib jobs list|show``."""

from __future__ import annotations

from lib.__main__ import main
from lib.core.db import dispose_all, get_engine
from lib.train import LaunchRequest, launch, launch_key, wait_for_job
from tests.unit.train.conftest import make_snapshot


def test_jobs_list_and_show(data_dir, engine_env, tmp_path, capsys):
    dispose_all()
    engine = get_engine()
    snapshot = make_snapshot(engine, tmp_path, rows=150)
    request = LaunchRequest(
        snapshot_id=snapshot.id, provider="Built-in engine", model="tunelab-base"
    )
    started = launch(
        engine, request, key=launch_key(engine, request), author="Ana", override_warnings=True
    )
    job = wait_for_job(engine, started.job.id, timeout=120)

    assert main(["jobs", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[1].split()[:4] == [str(job.id), "succeeded", "Built-in", "engine"]
    assert listed[1].endswith(job.fine_tuned_model)

    assert main(["jobs", "show", str(job.id)]) == 0
    shown = capsys.readouterr().out
    assert f"Job {job.id}: succeeded" in shown
    assert f"Resulting model: {job.fine_tuned_model}" in shown
    assert "from the result file" in shown
    assert "The job has successfully completed" in shown

    assert main(["jobs", "show", "999"]) == 2
    assert "error: job 999 does not exist" in capsys.readouterr().err
    dispose_all()
