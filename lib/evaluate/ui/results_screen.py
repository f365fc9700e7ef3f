"""The Results screen: metrics side by side, confusion matrices, probabilities, calibration,
suspicious examples, generation side by side and blind votes, run comparison and report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from lib.core.identity import Actor
from lib.evaluate import report
from lib.evaluate import results as res
from lib.evaluate.service import EvalData, evaluation_runs, run_status
from lib.evaluate.ui import failures
from lib.evaluate.ui import results as view
from lib.evaluate.ui.run import RUN_KEY
from lib.shell.progress import progress_text
from lib.shell.try_model import render_try

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

CLASSIFICATION_TABS = [
    "Metrics",
    "Prompting vs fine-tuning",
    "Confusion matrices",
    "Token probabilities",
    "Calibration",
    "Ordinal",
    "Suspicious",
    "Compare runs",
    "Try a model",
    "Export",
]
GENERATION_TABS = [
    "Side by side",
    "Prompting vs fine-tuning",
    "Compare runs",
    "Try a model",
    "Export",
]


def _summary_rows(data: EvalData) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    if data.task == "classification" and data.examples:
        for model, r in res.reports(data).items():
            rows.append(
                {
                    "run": data.run.id,
                    "model": model,
                    "examples": r.n,
                    "accuracy": round(r.accuracy, 4),
                    "macro F1": round(r.macro.f1, 4),
                    "invalid": r.invalid,
                }
            )
    else:
        for model, s in res.generation_scores(data).items():
            rows.append(
                {
                    "run": data.run.id,
                    "model": model,
                    "examples": s.n,
                    "token F1": round(s.token_f1, 4),
                    "chrF": round(s.chrf, 4),
                }
            )
    return rows


def _compare(engine: Engine, data: EvalData, names: dict[int, str], actor: Actor | None) -> None:
    other = st.selectbox(
        "Compare with run",
        [i for i in names if i != data.run.id],
        format_func=lambda i: f"{i} · {names[i]}",
        key="res_other",
        index=None,
    )
    if other:
        other_data = view.load(engine, other, actor)
        view.views.compare_warning(data, other_data)
        rows = _summary_rows(data) + _summary_rows(other_data)
        st.dataframe(pd.DataFrame(rows), hide_index=True)


def _export(data: EvalData, run_id: int) -> None:
    notes = st.text_area("Notes for the report (shown as plain text)", key="res_notes")
    if st.button("Prepare the report", key="res_prepare"):
        st.session_state["res_report_for"] = run_id
    if st.session_state.get("res_report_for") == run_id:
        st.download_button(
            "Download HTML report",
            report.html_report(data, notes=notes),
            file_name=f"evaluation-{run_id}.html",
            mime="text/html",
            key="res_html",
        )
        st.download_button(
            "Download predictions (CSV)",
            report.predictions_csv(data),
            file_name=f"evaluation-{run_id}-predictions.csv",
            mime="text/csv",
            key="res_csv",
        )


def render_results_screen(engine: Engine, actor: Actor | None) -> None:
    history = evaluation_runs(engine, actor=actor)
    if not history:
        st.info("There are no evaluation runs yet. Start one on the Run evaluation screen.")
        return
    by_id = {r.id: r for r in history}
    wanted = st.session_state.get(RUN_KEY)
    run_id = st.selectbox(
        "Run", list(by_id), index=list(by_id).index(wanted) if wanted in by_id else 0,
        format_func=lambda i: f"{i} · {by_id[i].name} · {by_id[i].status} · {by_id[i].created_at:%Y-%m-%d %H:%M}",
        key="res_run",
    )  # fmt: skip
    st.session_state[RUN_KEY] = run_id
    status = run_status(engine, run_id, actor=actor)
    progress = status.progress
    if progress.pending:
        st.progress(progress.fraction, text=progress_text(progress))
        st.caption("The run is not finished: the numbers below cover the examples answered so far.")
    data = view.load(engine, run_id, actor, status=status)
    failures.failures_panel(engine, data, actor=actor)
    if not data.examples:
        st.info("No example has been answered by every model yet.")
        return
    st.text(f"task: {data.task} · models: {', '.join(data.models)}")
    if data.task == "classification":
        tabs = _lazy_tabs(CLASSIFICATION_TABS, key="res_tab")
        panels: dict[int, Callable[[], object]] = {
            0: lambda: _metrics(data),
            1: lambda: view.candidates(engine, data, actor),
            2: lambda: view.confusion(data),
            3: lambda: view.probabilities(data),
            4: lambda: view.calibration(data),
            5: lambda: view.ordinal(data),
            6: lambda: view.suspicious(engine, data, actor),
        }
        compare_tab, try_tab, export_tab = tabs[7], tabs[8], tabs[9]
    else:
        tabs = _lazy_tabs(GENERATION_TABS, key="res_gen_tab")
        panels = {
            0: lambda: view.generation(engine, data, actor),
            1: lambda: view.candidates(engine, data, actor),
        }
        compare_tab, try_tab, export_tab = tabs[2], tabs[3], tabs[4]
    for index, draw in panels.items():
        if _is_open(tabs[index]):
            with tabs[index]:
                draw()
    if _is_open(compare_tab):
        with compare_tab:
            _compare(engine, data, {i: r.name for i, r in by_id.items()}, actor)
    if _is_open(try_tab):
        with try_tab:
            specs = data.run.settings.get("models") or []
            provider = next((m.get("provider") for m in specs if m.get("provider")), None)
            render_try(engine, actor, models=data.models, provider=provider, key="res_try")
    if _is_open(export_tab):
        with export_tab:
            _export(data, run_id)


def _metrics(data: EvalData) -> None:
    view.metrics_table(data)
    view.per_class(data)


def _lazy_tabs(labels: list[str], *, key: str) -> Sequence[Any]:
    """Tabs whose hidden ones are not drawn: switching tabs reruns the script.

    Streamlit otherwise runs and sends every tab's content on each rerun; on a 10,000-example
    run that was nine Plotly charts and eight tables (2.5 MB to the browser, about 4 s of
    Chromium's CPU) for a first look at one tab. ``on_change="rerun"`` makes ``.open`` say
    which tab is selected (https://docs.streamlit.io/develop/api-reference/layout/st.tabs).
    """
    return st.tabs(labels, key=key, on_change="rerun")


def _is_open(tab: Any) -> bool:
    # None: the tabs do not track which one is open (then every tab is drawn).
    return tab.open is not False
