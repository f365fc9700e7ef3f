"""``python -m lib evaluate`` as a pipeline sees it: failures fail, answers belong to their
server, keys go only where they are meant. Real engines over loopback, a dead address and a
listener that records what it is sent."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from lib import runner
from lib.core.paths import REPO_ROOT
from lib.engine.local import EngineHandle, start_engine
from lib.evaluate import ModelSpec, create_evaluation, run_evaluation
from lib.evaluate import results as res
from lib.evaluate import testset as tests
from lib.providers import ProviderConfig, client_for
from tests.unit.evaluate.helpers import BASE, review_rows, write_test_file

N = 30


@pytest.fixture
def test_file(tmp_path: Path) -> Path:
    return write_test_file(tmp_path / "test.jsonl", review_rows()[800 : 800 + N])


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "TUNELAB_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(REPO_ROOT),
        "OPENAI_API_KEY": "sk-test-must-never-leave-for-another-server",
    }
    env.pop("DATABASE_URL", None)
    return env


def evaluate(env: dict[str, str], *args: str) -> tuple[int, dict, str]:
    """Run the command; its exit status, its JSON and its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "lib", "evaluate", *args, "--json", "--timeout", "5"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def dead_address() -> str:
    """A loopback port where nothing listens (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture
def second_engine(tmp_path: Path) -> Iterator[EngineHandle]:
    handle = start_engine(data_dir=tmp_path / "engine-b")
    try:
        yield handle
    finally:
        handle.stop()


# --------------------------------------------------------------------------- a failure is a failure


def test_an_unknown_model_is_a_failure_not_a_score(
    engine_url: str, test_file: Path, cli_env: dict[str, str]
) -> None:
    code, out, err = evaluate(
        cli_env, str(test_file), "--model", "no-such-model", "--base-url", engine_url
    )
    assert code == 1
    model = out["models"]["no-such-model"]
    assert (model["n"], model["failed"], model["accuracy"]) == (0, N, None)
    assert out["examples"] == 0 and out["left_out"] == N
    assert (
        set(out["failures"]) == {"unknown model"} and out["failures"]["unknown model"]["count"] == N
    )
    assert f"{N} request(s) failed: unknown model" in err
    # A budget that covers them passes; one that does not, fails.
    code, _, _ = evaluate(
        cli_env,
        str(test_file),
        "--model",
        "no-such-model",
        "--base-url",
        engine_url,
        "--max-failures",
        "100%",
    )
    assert code == 0
    code, _, _ = evaluate(
        cli_env,
        str(test_file),
        "--model",
        "no-such-model",
        "--base-url",
        engine_url,
        "--max-failures",
        str(N - 1),
    )
    assert code == 1


def test_a_dead_address_is_connection_refused_and_exits_1(
    test_file: Path, cli_env: dict[str, str]
) -> None:
    code, out, err = evaluate(
        cli_env,
        str(test_file),
        "--model",
        BASE,
        "--base-url",
        dead_address(),
        "--concurrency",
        "32",
    )
    assert code == 1
    assert out["models"][BASE]["n"] == 0 and out["models"][BASE]["failed"] == N
    assert set(out["failures"]) == {"connection refused"}
    assert "connection refused: nothing answered" in err


def test_failed_requests_are_left_out_never_scored(
    db: sa.Engine, tmp_path: Path, engine_url: str
) -> None:
    """Under injected faults with no retries, the failed third is left out of the metrics, and
    every scored answer is the one the healthy engine gives for that example."""
    testset = tests.from_file(
        write_test_file(tmp_path / "t.jsonl", review_rows()[800:860]), file_name="t.jsonl"
    )
    clean_id = create_evaluation(
        db, testset, [ModelSpec(BASE, base_url=engine_url)], created_by="t", task="classification"
    )
    run_evaluation(db, clean_id)
    clean = res.load(db, clean_id)
    assert clean.n == 60 and clean.failed_count(BASE) == 0
    faulty = start_engine(
        data_dir=tmp_path / "faulty",
        env={"TUNELAB_ENGINE_FAULT_500": "0.3", "TUNELAB_ENGINE_FAULT_SEED": "3"},
    )
    try:
        run_id = create_evaluation(
            db,
            testset,
            [ModelSpec(BASE, base_url=faulty.base_url)],
            created_by="t",
            task="classification",
        )
        progress = run_evaluation(db, run_id, options=runner.RunOptions(max_attempts=1))
    finally:
        faulty.stop()
    data = res.load(db, run_id)
    assert 5 <= progress.failed <= 35  # about 30 % of 60
    assert data.failed_count(BASE) == progress.failed == data.left_out
    assert data.n == 60 - progress.failed
    assert set(data.failures_by_kind()) == {"server error"}
    failed_examples = {p.example for p in data.failed[BASE]}
    assert not failed_examples & set(data.examples)
    expected = {p.example: p.label for p in clean.by_model[BASE]}
    assert all(p.status == "done" for p in data.by_model[BASE])
    assert {p.example: p.label for p in data.by_model[BASE]} == {
        k: expected[k] for k in data.examples
    }


# --------------------------------------------------------------------------- answers belong to their server


def test_answers_are_reused_only_for_the_same_server(
    engine_url: str, second_engine: EngineHandle, test_file: Path, cli_env: dict[str, str]
) -> None:
    args = [str(test_file), "--model", BASE]
    code, first, _ = evaluate(cli_env, *args, "--base-url", engine_url)
    assert code == 0 and first["reused"] == 0 and first["models"][BASE]["n"] == N
    code, again, _ = evaluate(cli_env, *args, "--base-url", engine_url)
    assert code == 0 and again["reused"] == N  # the same server: answered from the store
    assert again["models"][BASE]["accuracy"] == first["models"][BASE]["accuracy"]
    code, other, _ = evaluate(cli_env, *args, "--base-url", second_engine.base_url)
    assert code == 0 and other["reused"] == 0  # another server with the same model name: asked
    code, dead, _ = evaluate(cli_env, *args, "--base-url", dead_address(), "--concurrency", "32")
    assert code == 1 and dead["reused"] == 0 and dead["models"][BASE]["n"] == 0
    code, fresh, _ = evaluate(cli_env, *args, "--base-url", engine_url, "--fresh")
    assert code == 0 and fresh["fresh"] and fresh["reused"] == 0 and fresh["models"][BASE]["n"] == N


# --------------------------------------------------------------------------- keys go where they are meant


class Listener:
    """A loopback server that records each request's Authorization header and answers "5"."""

    def __init__(self) -> None:
        self.headers: list[str | None] = []
        seen = self.headers

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                seen.append(self.headers.get("Authorization"))
                self.rfile.read(int(self.headers.get("content-length") or 0))
                body = json.dumps({
                    "id": "x", "object": "chat.completion", "created": 0, "model": "m",
                    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "5"}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }).encode()  # fmt: skip
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def test_base_url_gets_no_key_unless_one_is_named(
    listener: Listener, test_file: Path, cli_env: dict[str, str]
) -> None:
    code, out, _ = evaluate(cli_env, str(test_file), "--model", "m", "--base-url", listener.url)
    assert code == 0 and out["models"]["m"]["n"] == N
    assert len(listener.headers) == N and set(listener.headers) == {None}
    listener.headers.clear()
    env = {**cli_env, "MY_PROXY_KEY": "proxy-key-1"}
    code, _, _ = evaluate(
        env,
        str(test_file),
        "--model",
        "m",
        "--base-url",
        listener.url,
        "--api-key-env",
        "MY_PROXY_KEY",
        "--fresh",
    )
    assert code == 0 and set(listener.headers) == {"Bearer proxy-key-1"}


def test_providers_send_openai_api_key_only_to_openai(
    listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-only")
    monkeypatch.setenv("PROXY_KEY", "proxy-key-2")
    ask = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    # An OpenAI provider pointed at another address, a compatible server without a key name.
    for config in (
        ProviderConfig(name="proxy", kind="openai", base_url=listener.url),
        ProviderConfig(name="vllm", kind="compatible", base_url=listener.url),
    ):
        client_for(config).chat.completions.create(**ask)
    assert listener.headers == [None, None]
    named = ProviderConfig(name="proxy", kind="openai", base_url=listener.url, key_env="PROXY_KEY")
    client_for(named).chat.completions.create(**ask)
    assert listener.headers[-1] == "Bearer proxy-key-2"
    # OpenAI's own API still gets OPENAI_API_KEY (checked without sending anything).
    own = client_for(ProviderConfig(name="OpenAI", kind="openai"))
    assert own.api_key == "sk-openai-only"


def test_adapter_keys_go_only_to_their_own_api(monkeypatch: pytest.MonkeyPatch) -> None:
    from lib.core.errors import UserError
    from lib.providers.clients import key_env_of, key_status

    monkeypatch.setenv("TOGETHER_API_KEY", "together-key")
    own = ProviderConfig(name="Together AI", kind="together")
    assert key_env_of(own) == "TOGETHER_API_KEY" and key_status(own) == "set"
    elsewhere = ProviderConfig(name="T proxy", kind="together", base_url="http://127.0.0.1:9/v1")
    assert key_env_of(elsewhere) is None and key_status(elsewhere) == "not set"
    with pytest.raises(UserError, match="default key is not sent there"):
        client_for(elsewhere)
