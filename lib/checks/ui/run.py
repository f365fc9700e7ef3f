"""Checks page: run the checks of a dataset once per data version, show findings and tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

from lib.checks.service import SEVERITIES, SEVERITY_HELP, CheckReport, check_dataset
from lib.core.identity import Actor
from lib.shell.marked import marked
from lib.shell.messages import md, plain, show_caption

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

REVIEW_IDS_KEY = "review_example_ids"
REVIEW_PAGE = "pages/review.py"
PREVIEW_KEY = "checks_preview_fix"
MODELS = (
    "gpt-4o-mini-2024-07-18",
    "gpt-4o-2024-08-06",
    "gpt-4.1-2025-04-14",
    "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano-2025-04-14",
    "gpt-3.5-turbo-0125",
    "babbage-002",
    "davinci-002",
)


@st.cache_data(show_spinner="Checking the dataset…", max_entries=20)
def checked(
    _engine: Engine, dataset_id: int, data_version: int, model: str, actor: Actor | None
) -> CheckReport:
    """Findings (as plain dicts) and token figures; cached per data version and model, and
    stored for the review filter "has findings"."""
    return check_dataset(_engine, dataset_id, data_version=data_version, model=model, actor=actor)


def model_picker() -> str:
    return st.selectbox("Model (encoding and context limit)", MODELS, key="checks_model")


def render_tokens(tokens: dict[str, Any]) -> None:
    about = " (approximate: tokenizer files unavailable)" if tokens["approximate"] else ""
    st.subheader("Tokens")
    show_caption(f"{tokens['encoding']}{about}; context limit {tokens['context_limit']:,} tokens")
    cols = st.columns(5)
    cols[0].metric("Total", f"{tokens['total']:,}")
    cols[1].metric("Median / example", f"{tokens['median']:,}")
    cols[2].metric("Longest", f"{tokens['max']:,}")
    cols[3].metric("Over the limit", f"{tokens['over_limit']:,}")
    billed = tokens["epochs"] * tokens["billed_tokens_per_epoch"]
    cols[4].metric(f"Billed ({tokens['epochs']} epochs)", f"{billed:,}")


def render_findings(findings: list[dict[str, Any]]) -> None:
    """Findings grouped by severity; each with its rows, a link to review and its fix."""
    if not any(f["severity"] != "info" for f in findings):
        st.success("No errors or warnings: the dataset is ready for fine-tuning.")
    for severity in SEVERITIES:
        group = [f for f in findings if f["severity"] == severity]
        if not group:
            continue
        st.subheader(f"{severity.capitalize()}s ({len(group)}) — {SEVERITY_HELP[severity]}")
        for index, finding in enumerate(group):
            key = f"{severity}_{index}_{finding['check']}"
            n_rows = len(finding["rows"])
            rows = f" · {n_rows:,} row{'' if n_rows == 1 else 's'}" if n_rows else ""
            label = plain(finding.get("title") or finding["check"]) + rows
            with st.expander(md(label), expanded=severity == "error"):
                st.markdown(marked(finding["message"]))
                show_caption(f"Check: {finding['check']}")
                if n_rows:
                    shown = ", ".join(str(r) for r in finding["rows"][:50])
                    show_caption(f"Rows: {shown}{' …' if n_rows > 50 else ''}")
                cols = st.columns(2)
                if finding["example_ids"] and cols[0].button(
                    f"Review these {len(finding['example_ids']):,} examples", key=f"review_{key}"
                ):
                    st.session_state[REVIEW_IDS_KEY] = list(finding["example_ids"])
                    st.switch_page(REVIEW_PAGE)
                if finding["fix"] and cols[1].button("Preview the fix", key=f"fix_{key}"):
                    st.session_state[PREVIEW_KEY] = finding["fix"]
                    st.rerun()
