"""Ending the app's engine with the app: the engine watches the process that started it.

The app starts its shared engine detached (its own session) so that Streamlit reruns and a
Ctrl-C's SIGINT to the terminal's process group do not kill a training job mid-step. Detached,
it would outlive the app and hold its port. Watching the parent covers every way the app ends
(Ctrl-C, SIGTERM, SIGKILL, a crash): when the parent is gone the engine is re-parented, and
it then shuts down gracefully.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

POLL_S = 0.5


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def watch_parent(
    parent_pid: int, on_gone: Callable[[], None], *, poll_s: float = POLL_S
) -> threading.Thread:
    """Call ``on_gone`` once ``parent_pid`` has exited (or this process was re-parented)."""

    def loop() -> None:
        stop = threading.Event()
        while not stop.wait(poll_s):
            if os.getppid() != parent_pid or not _alive(parent_pid):
                on_gone()
                return

    thread = threading.Thread(target=loop, name="engine-lifeline", daemon=True)
    thread.start()
    return thread
