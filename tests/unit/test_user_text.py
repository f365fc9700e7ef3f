"""User text is text: a test that reads the screens' code.

Streamlit renders the body of ``st.error``/``st.warning``/``st.info``/``st.success``/
``st.caption``/``st.toast`` as Markdown, so a message built from data (an f-string, a
variable, ``str(exc)`` quoting a file or column name) must go through ``lib.shell.messages``
(``show_error`` … or ``md``). A literal string is our own text and may use Markdown. The
injection sweep (tests/e2e/test_injection_e2e.py) checks the result in Chromium; this test
names the line before anything runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

from lib.core.paths import REPO_ROOT

MESSAGE_CALLS = {"error", "warning", "info", "success", "caption", "toast"}
# Calls whose body is escaped here: md(...), plain(...).
ESCAPERS = {"md", "plain"}


def _screen_files() -> list[Path]:
    files = sorted((REPO_ROOT / "pages").glob("*.py"))
    files += sorted((REPO_ROOT / "lib").glob("**/ui/*.py"))
    files += sorted((REPO_ROOT / "lib" / "shell").glob("*.py"))
    return [f for f in files if f.name != "messages.py"]


def _is_safe(arg: ast.expr) -> bool:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return True
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id in ESCAPERS:
        return True
    if isinstance(arg, ast.JoinedStr):  # an f-string whose every value is escaped
        return all(
            _is_safe(v.value) if isinstance(v, ast.FormattedValue) else True for v in arg.values
        )
    return False


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in MESSAGE_CALLS or not node.args:
            continue
        receiver = node.func.value
        # st.error(...), and column/container objects (col.info(...)) alike; not loggers.
        if isinstance(receiver, ast.Name) and receiver.id in ("log", "logger", "logging"):
            continue
        if not _is_safe(node.args[0]):
            where = path.relative_to(REPO_ROOT)
            out.append(f"{where}:{node.lineno}: {ast.unparse(node)[:100]}")
    return out


def test_messages_built_from_data_go_through_shell_messages() -> None:
    offences = [line for path in _screen_files() for line in _offences(path)]
    assert not offences, (
        "messages built from data must show user text literally "
        "(lib.shell.messages.show_error/…, or md(...)):\n" + "\n".join(offences)
    )
