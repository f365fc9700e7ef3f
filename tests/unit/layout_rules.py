"""The import rules of lib/README.md, read from the source with ``ast``.

Every module of ``lib/`` and ``pages/`` (and ``app.py``) gets a place: a page, the shell, the
core, or a part of a feature — its ``ui`` package, its command line (``cli``, ``*_cli``), its
``service``, or its inner modules. :func:`violations` lists every import that breaks a rule,
as sentences naming the file, the line and the rule; the layout test asserts there are none.
Kept apart from the test so that a test can run it on a small tree of its own (a negative
case) and see it fail.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FEATURES = frozenset(
    {
        "datasets",
        "review",
        "checks",
        "snapshots",
        "train",
        "providers",
        "runner",
        "evaluate",
        "synth",
        "access",
    }
)
# What reaches the store below a service: never imported by a screen.
STORE_MODULES = ("lib.core.db", "lib.core.tables", "lib.core.example_store")
# Calls that open a connection or run SQL: never made by a screen.
STORE_CALLS = frozenset({"connect", "begin", "execute", "exec_driver_sql"})
# The app reaches the built-in engine (its own program) only through its launcher.
ENGINE_LAUNCHER = "lib.engine.local"


@dataclass(frozen=True, slots=True)
class Place:
    """Where a module sits: ``kind`` is page, shell, core, engine, main, ui, cli, service or
    inner; ``feature`` names the feature for the last four."""

    kind: str
    feature: str | None = None


@dataclass(frozen=True, slots=True)
class Import:
    source: str  # importing module
    target: str  # imported module (the deepest module the statement names)
    line: int
    type_only: bool  # inside ``if TYPE_CHECKING:``


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def place(module: str) -> Place | None:
    """The place of a module of this project (None: not ours, e.g. a library)."""
    parts = module.split(".")
    if parts[0] in ("pages", "app"):
        return Place("page")
    if parts[0] != "lib" or len(parts) == 1:
        return Place("main") if module == "lib" else None
    top = parts[1]
    if top == "__main__":
        return Place("main")
    if top in ("core", "shell", "engine"):
        return Place(top)
    if top not in FEATURES:
        return None
    rest = parts[2:]
    if rest[:1] == ["ui"]:
        return Place("ui", top)
    if rest[:1] == ["service"]:
        return Place("service", top)
    if rest and (rest[0] == "cli" or rest[0].endswith("_cli")):
        return Place("cli", top)
    return Place("inner", top)


def _is_module(root: Path, dotted: str) -> bool:
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
            if name == "TYPE_CHECKING":
                for child in node.body:
                    for sub in ast.walk(child):
                        if hasattr(sub, "lineno"):
                            lines.add(sub.lineno)
    return lines


def imports(root: Path, path: Path) -> Iterator[Import]:
    """Every import of a file, module-level or nested, resolved to the module it names."""
    source = module_name(root, path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    type_only = _type_checking_lines(tree)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(source, alias.name, node.lineno, node.lineno in type_only)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                dotted = f"{base}.{alias.name}"
                target = dotted if _is_module(root, dotted) else base
                yield Import(source, target, node.lineno, node.lineno in type_only)


def _allowed(src: Place, dst: Place, target: str) -> str | None:
    """None when ``src`` may import ``dst``; otherwise the rule it breaks."""
    same = src.feature is not None and src.feature == dst.feature
    if dst.kind == "page":
        return "rule 1: nothing imports a page"
    if dst.kind == "engine":
        if src.kind == "engine" or target == ENGINE_LAUNCHER or src.kind == "main":
            return None
        return f"rule 5: the app reaches the built-in engine only through {ENGINE_LAUNCHER}"
    if src.kind == "engine":
        return None  # rule 5 (what the engine imports) has its own test
    if src.kind == "core":
        return None if dst.kind == "core" else "rule 1: core knows no feature, shell or page"
    if dst.kind == "core":
        return None
    if src.kind == "main":
        return None if dst.kind in ("cli", "main") else "rule 1: the command line imports clis"
    if dst.kind == "main":
        return "rule 1: nothing imports the command line's entry"
    if dst.kind == "shell":
        if src.kind in ("page", "shell", "ui"):
            return None
        return "rule 1: only pages and ui use the shell (a service or module never does)"
    if src.kind in ("page", "shell"):
        if dst.kind == "service" or (src.kind == "page" and dst.kind == "ui"):
            return None
        if src.kind == "shell" and dst.kind == "ui":
            return "rule 1: the shell is below every feature's ui; it uses services only"
        return f"rule 3: a {src.kind} reaches a feature through its ui or service, not {target}"
    # src is a feature's ui, cli, service or inner module; dst a feature module.
    if not same:
        if dst.kind == "service":
            return None
        return f"rule 4: {src.feature} uses {dst.feature} only through lib.{dst.feature}.service"
    order = {"inner": 0, "service": 1, "ui": 2, "cli": 2}
    if src.kind == dst.kind or order[src.kind] > order[dst.kind]:
        return None
    return f"rule 1: a {src.kind} module of {src.feature} must not import its {dst.kind}"


def _screen(src: Place) -> bool:
    return src.kind in ("page", "shell", "ui")


def _store_rule(imp: Import) -> str | None:
    """Rule 3 for screens: no SQLAlchemy at run time, no repo, tables or store module."""
    top = imp.target.split(".")[0]
    last = imp.target.rsplit(".", 1)[-1]
    if top == "sqlalchemy" and not imp.type_only:
        return (
            "rule 3: a screen never imports sqlalchemy (only for type hints, under TYPE_CHECKING)"
        )
    if last in ("repo", "tables") and imp.target.startswith("lib."):
        return f"rule 3: a screen never imports {imp.target}: its service does"
    if imp.target in STORE_MODULES and not imp.source.startswith("lib.shell."):
        return f"rule 3: a screen never imports {imp.target}: its service does"
    return None


def _is_sql(text: str) -> bool:
    words = " ".join(text.upper().split())
    return (
        (words.startswith("SELECT ") and " FROM " in words)
        or words.startswith(("INSERT INTO ", "DELETE FROM "))
        or (words.startswith("UPDATE ") and " SET " in words)
    )


def _calls(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in STORE_CALLS
        ):
            yield node.lineno, f"rule 3: a screen never calls .{node.func.attr}(): a service does"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _is_sql(node.value):
            yield node.lineno, "rule 3: a screen never writes SQL"


def _streamlit_rule(src: Place, imp: Import) -> str | None:
    if imp.target.split(".")[0] == "streamlit" and not _screen(src):
        return "rule 2: only ui packages, the shell and pages import streamlit"
    return None


def files(root: Path) -> Iterator[Path]:
    yield from sorted((root / "lib").rglob("*.py"))
    yield from sorted((root / "pages").glob("*.py"))
    if (root / "app.py").is_file():
        yield root / "app.py"


def violations(root: Path) -> list[str]:
    """Every broken rule as ``file:line: rule — import`` (empty when the layout holds)."""
    found: dict[str, None] = {}  # ordered, without repeats (one import line, several names)
    for path in files(root):
        name = module_name(root, path)
        src = place(name)
        if src is None:
            continue
        where = path.relative_to(root)
        for imp in imports(root, path):
            problem = _streamlit_rule(src, imp)
            if problem is None and _screen(src):
                problem = _store_rule(imp)
            dst = place(imp.target)
            if problem is None and dst is not None and not imp.type_only:
                problem = _allowed(src, dst, imp.target)
            if problem:
                found[f"{where}:{imp.line}: {problem} — imports {imp.target}"] = None
        if _screen(src):
            found.update((f"{where}:{line}: {problem}", None) for line, problem in _calls(path))
    return list(found)


def feature_graph(root: Path) -> dict[str, set[str]]:
    """Which features each feature imports (through their services)."""
    graph: dict[str, set[str]] = {f: set() for f in FEATURES}
    for path in files(root):
        src = place(module_name(root, path))
        if src is None or src.feature is None:
            continue
        for imp in imports(root, path):
            dst = place(imp.target)
            if dst is not None and dst.feature and dst.feature != src.feature:
                graph[src.feature].add(dst.feature)
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle among the features, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None
