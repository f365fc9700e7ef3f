"""Starting the built-in engine as a subprocess: for tests (:func:`start_engine`) and for the
app (:func:`ensure_engine`, one shared engine per data folder, no visible setup).

A subprocess rather than a thread: the engine trains with numpy while the app renders, a crash
or a kill in a restart test is real, and every client reaches it over loopback exactly as it
reaches OpenAI.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

API_KEY = "tunelab-local"
STARTUP_TIMEOUT_S = 60.0
_STATE_FILE = "engine.json"
# The folder holding the ``lib`` package: the child runs ``python -m lib.engine`` from there.
CHECKOUT = Path(__file__).resolve().parents[2]


class EngineStartError(RuntimeError):
    """The engine did not come up; the message carries the end of its log (a sentence for
    people: the app shows it as it is)."""


def _healthy(base_url: str, *, data_dir: Path, timeout: float = 2.0) -> bool:
    """Whether a Tunelab engine answers at ``base_url`` and keeps its state in ``data_dir``."""
    try:
        with urllib.request.urlopen(base_url.removesuffix("/v1") + "/health", timeout=timeout) as r:
            body = json.loads(r.read())
    except (OSError, ValueError):
        return False
    return body.get("engine") == "tunelab" and body.get("data_dir") == str(data_dir.resolve())


def engine_healthy(base_url: str, *, data_dir: Path | None = None, timeout: float = 1.0) -> bool:
    """Whether a Tunelab engine answers at ``base_url`` (of ``data_dir``, when given)."""
    if data_dir is not None:
        return _healthy(base_url, data_dir=data_dir, timeout=timeout)
    try:
        with urllib.request.urlopen(base_url.removesuffix("/v1") + "/health", timeout=timeout) as r:
            return bool(json.loads(r.read()).get("engine") == "tunelab")
    except (OSError, ValueError):
        return False


class EngineHandle:
    """A running engine subprocess; ``base_url`` ends in ``/v1`` (give it to ``openai.OpenAI``)."""

    def __init__(
        self, process: subprocess.Popen[bytes], *, host: str, port: int, data_dir: Path
    ) -> None:
        self.process = process
        self.host = host
        self.port = port
        self.data_dir = data_dir
        self.base_url = f"http://{host}:{port}/v1"
        self.api_key = API_KEY

    @property
    def log_path(self) -> Path:
        return self.data_dir / "engine.log"

    def stop(self, *, timeout: float = 15.0) -> None:
        """Stop gracefully (SIGTERM), killing it if it does not exit in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), as a crash or power cut would."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(15)

    def __enter__(self) -> EngineHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    """The engine's command-line flags (the app's ``python -m lib engine`` offers them too)."""
    from lib.engine.cli import add_arguments

    add_arguments(parser)


def serve_in_foreground(args: argparse.Namespace) -> int:
    """Run the engine in this process until stopped (``args`` from :func:`add_engine_arguments`
    with ``data_dir`` set); bad settings or a taken port raise :class:`EngineStartError`."""
    from lib.engine.cli import EngineCliError, serve

    try:
        return serve(args)
    except EngineCliError as exc:
        raise EngineStartError(str(exc)) from None


def start_engine(
    *,
    data_dir: Path | str,
    host: str = "127.0.0.1",
    port: int = 0,
    env: Mapping[str, str] | None = None,
    args: list[str] | None = None,
    detach: bool = False,
) -> EngineHandle:
    """Start ``python -m lib engine`` and wait until it answers its health check.

    ``env`` adds environment variables (e.g. ``TUNELAB_ENGINE_FAULT_429``); ``args`` adds
    command-line flags. ``port=0`` picks a free loopback port. The engine exits when this
    process does (``--exit-with-parent``), unless ``args`` names another parent.
    """
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    port_file = folder / f"port-{os.getpid()}-{time.monotonic_ns()}"
    extra = list(args or [])
    if "--exit-with-parent" not in extra:
        # A child engine stops with the process that started it, however that process ends
        # (a killed test run or bench left engines holding ports and CPU).
        extra += ["--exit-with-parent", str(os.getpid())]
    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(CHECKOUT), child_env.get("PYTHONPATH", "")) if p
    )
    command = [
        sys.executable, "-m", "lib.engine", "--host", host, "--port", str(port),
        "--data-dir", str(folder), "--port-file", str(port_file), *extra,
    ]  # fmt: skip
    log = (folder / "engine.log").open("ab")
    process = subprocess.Popen(
        command, cwd=CHECKOUT, env=child_env, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=detach,
    )  # fmt: skip
    log.close()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = (folder / "engine.log").read_text(errors="replace")[-2000:]
                raise EngineStartError(f"the built-in engine exited at start:\n{tail}")
            if port_file.exists():
                handle = EngineHandle(
                    process, host=host, port=int(port_file.read_text()), data_dir=folder
                )
                if _healthy(handle.base_url, data_dir=folder, timeout=1.0):
                    return handle
            time.sleep(0.05)
        process.kill()
        raise EngineStartError(
            f"the built-in engine did not answer within {STARTUP_TIMEOUT_S:.0f} s"
        )
    finally:
        port_file.unlink(missing_ok=True)


def ensure_engine(*, data_dir: Path | str) -> str:
    """The base URL of the app's shared engine, started (detached) on first use.

    Its port and pid are kept in ``engine.json`` in the engine's data folder; a healthy engine
    found there is reused, so Streamlit reruns and several sessions share one engine. A lock
    file stops two sessions from starting two engines at once.
    """
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / _STATE_FILE
    with (folder / "engine.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            known = json.loads(record.read_text())
            if _healthy(known["base_url"], data_dir=folder):
                return str(known["base_url"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        # Detached so that reruns and a terminal's Ctrl-C do not cut a job mid-step; it still
        # stops when this app process ends (lifeline), so no engine is left holding a port.
        handle = start_engine(
            data_dir=folder, detach=True, args=["--exit-with-parent", str(os.getpid())]
        )
        tmp = record.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(
                {"base_url": handle.base_url, "pid": handle.process.pid, "port": handle.port}
            )
        )
        tmp.replace(record)
        return handle.base_url


def stop_shared_engine(*, data_dir: Path | str, timeout: float = 15.0) -> bool:
    """Stop the engine :func:`ensure_engine` started for ``data_dir`` (tests' teardown).

    The engine is detached on purpose so that it outlives Streamlit reruns; whoever points
    ``TUNELAB_DATA_DIR`` at a temporary folder should call this when done. Returns whether an
    engine was stopped. Only a process that answers as the engine of that folder is signalled.
    """
    folder = Path(data_dir)
    record = folder / _STATE_FILE
    try:
        known = json.loads(record.read_text())
        pid, base_url = int(known["pid"]), str(known["base_url"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if not _healthy(base_url, data_dir=folder):
        record.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _healthy(base_url, data_dir=folder, timeout=0.5):
        time.sleep(0.1)
    record.unlink(missing_ok=True)
    return True
