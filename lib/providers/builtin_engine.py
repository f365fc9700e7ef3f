"""The app's built-in engine: started in the background when the app starts, and its state.

Started with the app rather than on the first page that needs it, so that the first Fine-tune
or evaluation does not wait for it and Providers & settings can say whether it runs. It stops
with the app (``lib.engine.lifeline``). ``TUNELAB_ENGINE_URL`` points at an engine run
elsewhere instead; ``TUNELAB_ENGINE_AUTOSTART=0`` leaves the start to the first use.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass

from lib.core.paths import engine_data_dir
from lib.providers.config import ENGINE_URL_ENV

log = logging.getLogger(__name__)

AUTOSTART_ENV = "TUNELAB_ENGINE_AUTOSTART"
_started: set[str] = set()
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """What Providers & settings shows about the built-in engine."""

    running: bool
    base_url: str | None
    pid: int | None
    external: bool  # TUNELAB_ENGINE_URL names an engine this app did not start
    log_path: str | None


def start_in_background() -> bool:
    """Start the shared engine in a thread, once per data folder; returns whether it started one."""
    if os.environ.get(ENGINE_URL_ENV, "").strip() or os.environ.get(AUTOSTART_ENV) == "0":
        return False
    folder = str(engine_data_dir())
    with _lock:
        if folder in _started:
            return False
        _started.add(folder)

    def run() -> None:
        from lib.engine.local import ensure_engine

        try:
            ensure_engine(data_dir=folder)
        except Exception:  # noqa: BLE001 - the first use retries and shows the reason
            log.exception("the built-in engine did not start in the background")

    threading.Thread(target=run, name="engine-start", daemon=True).start()
    return True


def status() -> EngineStatus:
    """Whether the built-in engine answers, where, and which process it is."""
    external = os.environ.get(ENGINE_URL_ENV, "").strip()
    from lib.engine.local import engine_healthy

    if external:
        return EngineStatus(engine_healthy(external), external, None, True, None)
    folder = engine_data_dir()
    try:
        known = json.loads((folder / "engine.json").read_text())
        base_url, pid = str(known["base_url"]), int(known["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return EngineStatus(False, None, None, False, str(folder / "engine.log"))
    running = engine_healthy(base_url, data_dir=folder)
    return EngineStatus(
        running, base_url, pid if running else None, False, str(folder / "engine.log")
    )
