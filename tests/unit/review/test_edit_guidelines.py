"""Table edits to store changes, relabelling, and guidelines markdown made safe."""

from __future__ import annotations

import pytest

from lib.core.errors import UserError
from lib.core.example_store import get_example
from lib.review.edit import CellEdit, change_for_edit, with_label
from lib.review.guidelines import safe_markdown


def test_with_label_keeps_padding_and_other_messages():
    assert with_label("completion", {"prompt": "p", "completion": " 5\n"}, "4") == {
        "prompt": "p",
        "completion": " 4\n",
    }
    chat = {
        "messages": [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "old", "weight": 1},
        ],
        "tools": [{"type": "function"}],
    }
    new = with_label("chat", chat, "new")
    assert new["messages"][1] == {"role": "assistant", "content": "new", "weight": 1}
    assert new["tools"] == chat["tools"] and chat["messages"][1]["content"] == "old"


def test_table_edit_becomes_one_change_and_refuses_read_only_columns(db, completion_ds):
    with db.connect() as conn:
        row = get_example(conn, 1)
    change = change_for_edit(
        "completion", row, CellEdit(1, 1, {"completion": " neutral", "status": "flagged"})
    )
    assert change.data == {**row.data, "completion": " neutral"}
    assert change.status == "flagged" and change.expected_version == 1
    assert change_for_edit("completion", row, CellEdit(1, 1, {})) is None
    with pytest.raises(UserError, match="cannot be edited"):
        change_for_edit("completion", row, CellEdit(1, 1, {"label": "x"}))
    with pytest.raises(UserError, match="unknown status"):
        change_for_edit("completion", row, CellEdit(1, 1, {"status": "done"}))


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click]( JavaScript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click][1]\n\n[1]: javascript:alert(1)",
        "<a href='javascript:alert(1)'>x</a>",
        "<img src=x onerror=alert(1)>",
        "![tracker](https://example.com/pixel.png)",
        "<script>alert(1)</script>",
    ],
)
def test_guidelines_never_keep_active_html_links_or_images(text):
    out = safe_markdown(text)
    assert "<" not in out and ">" not in out.replace("&gt;", "")
    assert "](javascript" not in out.lower().replace(" ", "")
    assert "](data:" not in out
    assert "![" not in out
    assert "\n[1]: javascript" not in out


def test_guidelines_keep_ordinary_markdown_and_web_links():
    text = "# Labels\n\n- **positive**: praise\n- see [the policy](https://example.com/policy)"
    assert safe_markdown(text) == text
    assert safe_markdown("a & b") == "a &amp; b"
