"""Failed requests on the evaluation screens: how many per model, why, and "Retry failed".

A failed request is not an answer: the metrics leave its example out, and these widgets say
so beside them, with one line per kind of failure (unknown model, connection refused, auth,
quota …) and the provider's message as text (a table cell, never markdown).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from lib.core.identity import Actor
from lib.evaluate import results as res
from lib.evaluate.service import failed_requests, resume_run, run_status
from lib.runner.service import FAILURE_REASONS
from lib.shell.messages import ui_secrets
from lib.shell.widgets import run_action

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def failure_table(engine: Engine, run_id: int, actor: Actor | None) -> None:
    """One row per kind of failure: how many, what to do, one provider message (as text)."""
    found = run_action(lambda: failed_requests(engine, run_id, actor=actor)) or {}
    st.dataframe(
        pd.DataFrame(
            [
                {"failed requests": n, "kind": kind, "what it means": FAILURE_REASONS[kind],
                 "one message": example[:300]}
                for kind, (n, example) in sorted(found.items(), key=lambda kv: -kv[1][0])
            ]
        ),
        hide_index=True,
        width="stretch",
    )  # fmt: skip


def retry_button(
    engine: Engine, run_id: int, *, actor: Actor | None, concurrency: int = 8, key: str
) -> None:
    """ "Retry failed": the failed requests are asked again in the same run (background)."""
    live = run_status(engine, run_id, actor=actor).live
    if st.button("Retry failed", key=key, disabled=live or actor is None):
        run_action(
            lambda: resume_run(
                engine, run_id, concurrency=concurrency, secrets=ui_secrets(), actor=actor
            ),
            success="Retrying the failed requests; progress is on Run evaluation.",
        )


def scored_caption(data: res.EvalData) -> str:
    """Over how many examples the numbers are, and why the others are missing."""
    text = f"Metrics over {data.n:,} examples"
    if data.left_out:
        failed = ", ".join(f"{m}: {data.failed_count(m):,}" for m in data.models)
        text += (
            f" · {data.left_out:,} left out because a request failed (failed requests — {failed})"
        )
    if data.pending:
        text += f" · {data.pending:,} still waiting for an answer"
    if data.reused:
        text += f" · {data.reused:,} answers reused from earlier runs of the same server"
    return text


def failures_panel(engine: Engine, data: res.EvalData, *, actor: Actor | None) -> None:
    """Under the run's title on Results: the caption, and the failures with their retry."""
    st.text(scored_caption(data))
    if any(data.failed.values()):
        failure_table(engine, data.run.id, actor)
        retry_button(engine, data.run.id, actor=actor, key="res_retry_failed")
