"""How checks read on screen: titles in words, messages whose own code spans render while the
user's text stays text, and a fix's before/after as a highlighted, escaped diff."""

from __future__ import annotations

from lib.checks.registry import CHECKS, title_of
from lib.checks.ui.diff import diff_html
from lib.shell.marked import code_span, marked


def test_every_check_has_a_title_in_words() -> None:
    for check in CHECKS:
        title = title_of(check.name)
        assert "_" not in title and title[0].isupper(), (check.name, title)
    assert title_of("prompt_separator") == "Separator at the end of prompts"
    assert title_of("missing_messages_list") == "Missing messages list"


def test_our_code_spans_render_and_user_text_does_not() -> None:
    text = marked(
        "All prompts end with `\\n\\n###\\n\\n`; label [click](https://x.example) **now**"
    )
    assert "`\\n\\n###\\n\\n`" in text  # our span, as inline code
    # The user's link and bold stay literal: brackets and stars escaped, and the bare URL broken
    # by an invisible word joiner so that no renderer turns it into a link.
    assert "\\[click\\]" in text and "\\*\\*now\\*\\*" in text
    assert "https://x.example" not in text and "x.example" in text
    assert code_span("a`b") == "``a`b``"
    assert code_span("`x") == "`` `x ``"


def test_the_fix_diff_highlights_changes_and_escapes_the_text() -> None:
    html = diff_html('{"completion": "5"}', '{"completion": " 5"}')
    assert '<ins style="' in html and ">␣</ins>" in html  # an added space, made visible
    assert "<del" not in html
    html = diff_html("Great <br />blender<script>x</script>", "Great blender<script>x</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;br /&gt;" in html and "<del" in html


def test_a_support_bots_canned_answers_get_no_class_balance_finding() -> None:
    import json

    from lib.checks import run_checks, view_from_datas
    from lib.core.paths import SAMPLE_DATA_DIR

    lines = (SAMPLE_DATA_DIR / "support_chat.jsonl").read_text(encoding="utf-8").splitlines()
    view = view_from_datas("chat", [json.loads(line) for line in lines])
    assert "class_imbalance" not in {f.check for f in run_checks(view)}
    stars = [{"prompt": f"review {i} ->", "completion": f" {1 + i % 5}"} for i in range(60)]
    found = run_checks(view_from_datas("completion", stars))
    assert "class_imbalance" in {f.check for f in found}  # labels still get one
