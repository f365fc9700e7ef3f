"""requirements.txt declares exactly the distributions that lib/ imports at run time.

Import names are mapped to distributions with ``importlib.metadata.packages_distributions()``
(``sqlalchemy`` → SQLAlchemy, ``yaml`` → PyYAML), so the test reads the installed packages'
own metadata instead of a hand-kept table.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

from lib.core.paths import REPO_ROOT

LIB = REPO_ROOT / "lib"
# Distributions lib/ needs without importing them by name; each with the code that needs it.
LOADED_BY_NAME = {
    # SQLAlchemy loads the driver named in the URL: lib/core/db.py says postgresql+psycopg.
    "psycopg": (LIB / "core" / "db.py", "postgresql+psycopg://"),
    # Starlette parses multipart uploads (the engine's POST /v1/files) with python-multipart.
    "python-multipart": (LIB / "engine" / "files_api.py", ".form("),
    # Streamlit's sign-in (st.login, OpenID Connect) runs on Authlib.
    "authlib": (LIB / "shell" / "guard.py", "st.login"),
}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> set[str]:
    """Top-level module names imported (absolute imports), skipping ``if TYPE_CHECKING:``."""
    found: set[str] = set()
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking_only(node):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        found |= _imports(node)
    return found


def imported_distributions() -> dict[str, set[str]]:
    """Distribution → the lib/ files importing it, for every third-party import."""
    by_module = importlib.metadata.packages_distributions()
    used: dict[str, set[str]] = {}
    unknown: list[str] = []
    for path in sorted(LIB.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module in _imports(tree):
            if module in sys.stdlib_module_names or module == "lib":
                continue
            dists = by_module.get(module)
            if not dists:
                unknown.append(f"{path.relative_to(REPO_ROOT)}: {module}")
                continue
            for dist in dists:
                used.setdefault(_normalise(dist), set()).add(str(path.relative_to(REPO_ROOT)))
    assert unknown == [], "imports that no installed distribution provides"
    return used


def declared_distributions(path: Path = REPO_ROOT / "requirements.txt") -> set[str]:
    names = set()
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        names.add(_normalise(re.split(r"[\s\[<>=!~;@]", line, maxsplit=1)[0]))
    return names


def test_requirements_declare_exactly_what_lib_imports() -> None:
    imported = imported_distributions()
    declared = declared_distributions()
    undeclared = {
        dist: sorted(files)[:3] for dist, files in imported.items() if dist not in declared
    }
    unused = declared - set(imported) - set(LOADED_BY_NAME)
    assert undeclared == {}, "imported by lib/ but not in requirements.txt"
    assert unused == set(), "in requirements.txt but never imported by lib/"


def test_each_distribution_loaded_by_name_is_still_needed() -> None:
    declared = declared_distributions()
    for dist, (path, needle) in LOADED_BY_NAME.items():
        assert dist in declared
        assert needle in path.read_text(encoding="utf-8"), f"{dist}: {path} no longer needs it"
