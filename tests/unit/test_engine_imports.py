"""Rule 5 of lib/README.md: the engine is a program of its own. ``lib/engine`` imports nothing of
the app but the shared example model (``lib.core.examples``), and its modules import each other
one way only (no cycles, counting imports inside functions too: a deferred import hides a cycle,
it does not remove it)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from lib.core.paths import REPO_ROOT

ENGINE = REPO_ROOT / "lib" / "engine"
ALLOWED_APP_MODULES = {"lib.core.examples"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = REPO_ROOT / Path(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _runtime_imports(tree: ast.AST, package: str) -> set[str]:
    """Modules imported anywhere in the file except under ``if TYPE_CHECKING:``; ``from a
    import b`` counts as ``a.b`` when ``b`` is a module of ours."""
    found: set[str] = set()
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if _is_module(candidate) else base)
        found |= _runtime_imports(node, package)
    return found


def _engine_graph() -> dict[str, set[str]]:
    graph = {}
    for path in sorted(ENGINE.rglob("*.py")):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = {m for m in _runtime_imports(tree, package) if m.split(".")[0] == "lib"}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), plus self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_engine_imports_nothing_of_the_app_but_the_example_model() -> None:
    offenders = {
        module: sorted(
            m
            for m in imports
            if not m.startswith("lib.engine") and m != "lib.engine" and m not in ALLOWED_APP_MODULES
        )
        for module, imports in _engine_graph().items()
    }
    assert {m: found for m, found in offenders.items() if found} == {}


def test_the_engine_modules_import_each_other_one_way() -> None:
    graph = {
        module: {m for m in imports if m.startswith("lib.engine")}
        for module, imports in _engine_graph().items()
    }
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"a"}}) == [["a"]]


def test_the_engine_program_loads_no_app_module() -> None:
    """What ``python -m lib.engine`` loads, checked in a fresh interpreter."""
    code = (
        "import sys, lib.engine.__main__, lib.engine.server, lib.engine.local; "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('lib.') "
        "and not m.startswith('lib.engine'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert set(loaded) <= {"lib.core", *ALLOWED_APP_MODULES}
