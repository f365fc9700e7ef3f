"""A screen imports only what its first render uses: the shell and each screen's UI module load
without the ``openai`` SDK or its HTTP client, which cost the app server about 0.3 s of CPU on a
user's first visit of each screen (bench/import_time_bench.py). The SDK loads where a client is
built or a request is sent.

Each check imports in a fresh interpreter and reads ``sys.modules`` there, so the order of
tests (and what other tests imported) does not matter. The lazy package exports
(``lib/core/lazy.py``) are checked to resolve every listed name to what the eager imports
gave, including a name that is also a submodule (``lib.runner.execute``).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lib.core.paths import REPO_ROOT

SHELL = ["lib.shell.guard", "lib.shell.sidebar"]

# Every screen's UI module (what pages/*.py imports after the guard), and services a screen
# reads through.
LIGHT = [
    "lib.datasets.ui.list",
    "lib.review.ui.page",
    "lib.checks.ui.screen",
    "lib.snapshots.ui.screen",
    "lib.synth.ui.run",
    "lib.train.ui.launch",
    "lib.train.ui.jobs",
    "lib.migrate.ui.screen",
    "lib.providers.ui.settings",
    "lib.evaluate.ui.run",
    "lib.evaluate.ui.results_screen",
    "lib.access.ui.queue",
    "lib.access.ui.team",
    "lib.access.ui.activity",
    "lib.evaluate.service",
    "lib.providers.service",
    "lib.train.service",
    "lib.runner.service",
    "lib.synth.service",
]

HEAVY = ["openai", "httpx2"]

LAZY_PACKAGES = ["lib.runner", "lib.evaluate", "lib.train", "lib.providers"]


def _loaded_after(modules: list[str]) -> set[str]:
    """Top-level module names in ``sys.modules`` of a fresh interpreter after the imports."""
    code = (
        "import importlib, json, sys\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    return set(json.loads(_fresh(code, modules).splitlines()[-1]))


def _fresh(code: str, args: list[str]) -> str:
    """Standard output of ``code`` run in a fresh interpreter (test order cannot matter)."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


@pytest.mark.parametrize("module", LIGHT)
def test_screen_imports_without_the_sdk(module: str) -> None:
    loaded = _loaded_after(["streamlit", *SHELL, module])
    assert not loaded & set(HEAVY), f"{module} imports {sorted(loaded & set(HEAVY))}"


def test_the_measure_sees_the_sdk_when_it_is_imported() -> None:
    """The check above can fail: building a client loads the SDK."""
    assert set(HEAVY) <= _loaded_after(["lib.providers.clients", "openai", "httpx2"])


def test_lazy_exports_resolve_like_eager_imports() -> None:
    """Every name a lazy package lists resolves, to the object its module defines; a name
    that is also a submodule stays the function after the submodule is imported."""
    code = (
        "import importlib, sys\n"
        "pkgs = sys.argv[1:]\n"
        "for p in pkgs:\n"
        "    pkg = importlib.import_module(p)\n"
        "    for name, module in pkg._lazy_exports.items():\n"
        "        assert name in pkg.__all__, (p, name)\n"
        "        got = getattr(pkg, name)\n"
        "        assert got is getattr(importlib.import_module(module), name), (p, name)\n"
        "import lib.runner.execute, lib.train.launch\n"
        "from lib import runner, train\n"
        "assert callable(runner.execute) and runner.execute.__module__ == 'lib.runner.execute'\n"
        "assert callable(train.launch) and train.launch.__module__ == 'lib.train.launch'\n"
        "try:\n"
        "    runner.no_such_name\n"
        "except AttributeError as exc:\n"
        "    assert 'no_such_name' in str(exc)\n"
        "else:\n"
        "    raise AssertionError('unknown name resolved')\n"
        "print('ok')\n"
    )
    assert _fresh(code, LAZY_PACKAGES).endswith("ok")
