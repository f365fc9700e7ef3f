"""A short-lived command keeps freed buffers for reuse instead of faulting their pages in again."""

from __future__ import annotations

import json
import platform
import subprocess
import sys

import pytest

# Page faults of each big buffer filled after a 30 MB one was freed, in a fresh interpreter.
_FAULTS = """
import json, resource, sys
from lib.core.malloc_tuning import keep_freed_memory
tuned = keep_freed_memory() if sys.argv[1] == "tuned" else None
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
seen = []
for megabytes in (30, 12, 25):
    before = faults()
    buffer = b"x" * (megabytes << 20)
    del buffer
    seen.append(faults() - before)
print(json.dumps([tuned, seen[1:]]))
"""


def _faults(mode: str) -> tuple[bool | None, list[int]]:
    out = subprocess.run(
        [sys.executable, "-c", _FAULTS, mode], capture_output=True, text=True, check=True
    )
    tuned, seen = json.loads(out.stdout)
    return tuned, seen


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_freed_buffers_are_reused_without_faulting_their_pages_again():
    tuned, after = _faults("tuned")
    assert tuned is True
    assert max(after) < 100  # pages of the freed 30 MB buffer, reused
    untuned, before = _faults("default")
    assert untuned is None and sum(before) > 1000  # glibc's defaults fault them in again
