"""``python -m lib jobs launch``: the app's exactly-once launch from a terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import openai

from lib.core.db import dispose_all, get_engine
from lib.core.paths import REPO_ROOT
from tests.unit.train.conftest import make_snapshot


def test_the_same_launch_twice_at_once_makes_one_job(data_dir, engine_env, tmp_path):
    dispose_all()
    snapshot = make_snapshot(get_engine(), tmp_path, rows=150)
    dispose_all()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [
        sys.executable, "-m", "lib", "jobs", "launch", str(snapshot.id),
        "--provider", "Built-in engine", "--model", "tunelab-base", "--suffix", "twice",
        "--override-warnings", "--json",
    ]  # fmt: skip
    children = [
        subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outputs = [child.communicate(timeout=300) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    launched = [json.loads(out) for out, _ in outputs]
    assert launched[0]["id"] == launched[1]["id"]  # one Tunelab job
    # Whichever came second waited for, found or adopted the first one's provider job.
    made = {j["provider_job_id"] for j in launched if j["provider_job_id"]}
    assert len(made) == 1 and any(j["created"] for j in launched)

    listed = subprocess.run(
        [sys.executable, "-m", "lib", "jobs", "list", "--json"], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    [job] = json.loads(listed.stdout)
    assert job["provider_job_id"] and job["snapshot_id"] == snapshot.id
    client = openai.OpenAI(base_url=engine_env, api_key="tunelab-local")
    at_engine = [
        j for j in client.fine_tuning.jobs.list(limit=100) if (j.metadata or {}).get("tunelab_key")
        and j.id == job["provider_job_id"]
    ]  # fmt: skip
    assert len(at_engine) == 1
    same = [j for j in client.fine_tuning.jobs.list(limit=100) if j.user_provided_suffix == "twice"]
    assert len(same) == 1  # the provider has one job with these settings, not two

    table = subprocess.run(
        [sys.executable, "-m", "lib", "jobs", "list"], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    ).stdout.splitlines()  # fmt: skip
    header, row = table[0], table[1]
    # Aligned columns: every value starts where its header does.
    for name in ("status", "provider", "base model"):
        assert row[header.index(name) - 2 : header.index(name)] == "  "
    assert row[header.index("provider") :].startswith("Built-in engine")
    dispose_all()
