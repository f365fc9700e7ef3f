"""Thin pages, pure lib: only ui packages, lib/shell (and the page files) may import streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

from lib.core.paths import REPO_ROOT


def _imports_streamlit(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "streamlit" for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit":
            return True
    return False


def test_only_ui_and_shell_import_streamlit():
    lib = REPO_ROOT / "lib"
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in lib.rglob("*.py")
        if "ui" not in path.relative_to(lib).parts[:-1]
        and path.relative_to(lib).parts[0] != "shell"
        and _imports_streamlit(path)
    ]
    assert offenders == []


def test_every_page_calls_the_guard_first():
    for page in sorted((REPO_ROOT / "pages").glob("*.py")):
        tree = ast.parse(page.read_text(encoding="utf-8"))
        calls = [
            node
            for node in tree.body
            if isinstance(node, (ast.Expr, ast.Assign)) and isinstance(node.value, ast.Call)
        ]
        assert calls, f"{page.name} runs nothing"
        first = calls[0].value.func
        name = first.id if isinstance(first, ast.Name) else getattr(first, "attr", "")
        assert name == "guard", f"{page.name}: the first call must be guard(), not {name}()"
