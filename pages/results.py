"""Results: metrics side by side, confusion matrices, probabilities, calibration, suspicious
examples, generation side by side and blind votes, run comparison and report export."""

from lib.shell.guard import guard

ctx = guard(title="Results")

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from lib import runner  # noqa: E402
from lib.evaluate import report  # noqa: E402
from lib.evaluate import runs as evaluation  # noqa: E402
from lib.evaluate.ui import failures  # noqa: E402
from lib.evaluate.ui import results as view  # noqa: E402
from lib.evaluate.ui.run import RUN_KEY, progress_text  # noqa: E402

engine = ctx.engine
with engine.connect() as conn:
    history = runner.list_runs(conn, kind=evaluation.KIND)
if not history:
    st.info("There are no evaluation runs yet. Start one on the Run evaluation screen.")
    st.stop()
by_id = {r.id: r for r in history}
wanted = st.session_state.get(RUN_KEY)
run_id = st.selectbox(
    "Run", list(by_id), index=list(by_id).index(wanted) if wanted in by_id else 0,
    format_func=lambda i: f"{i} · {by_id[i].name} · {by_id[i].status} · {by_id[i].created_at:%Y-%m-%d %H:%M}",
    key="res_run",
)  # fmt: skip
st.session_state[RUN_KEY] = run_id
with engine.connect() as conn:
    progress = runner.get_progress(conn, run_id)
if progress.pending:
    st.progress(progress.fraction, text=progress_text(progress))
    st.caption("The run is not finished: the numbers below cover the examples answered so far.")
data = view.load(engine, run_id)
failures.failures_panel(engine, data, actor=ctx.actor)
if not data.examples:
    st.info("No example has been answered by every model yet.")
    st.stop()
st.text(f"task: {data.task} · models: {', '.join(data.models)}")

if data.task == "classification":
    tabs = st.tabs(
        [
            "Metrics",
            "Confusion matrices",
            "Token probabilities",
            "Calibration",
            "Ordinal",
            "Suspicious",
            "Compare runs",
            "Export",
        ]
    )
    with tabs[0]:
        view.metrics_table(data)
        view.per_class(data)
    with tabs[1]:
        view.confusion(data)
    with tabs[2]:
        view.probabilities(data)
    with tabs[3]:
        view.calibration(data)
    with tabs[4]:
        view.ordinal(data)
    with tabs[5]:
        view.suspicious(engine, data, ctx.reviewer)
    compare_tab, export_tab = tabs[6], tabs[7]
else:
    tabs = st.tabs(["Side by side", "Compare runs", "Export"])
    with tabs[0]:
        view.generation(engine, data, ctx.reviewer)
    compare_tab, export_tab = tabs[1], tabs[2]

with compare_tab:
    other = st.selectbox(
        "Compare with run",
        [i for i in by_id if i != run_id],
        format_func=lambda i: f"{i} · {by_id[i].name}",
        key="res_other",
        index=None,
    )
    if other:
        other_data = view.load(engine, other)
        rows = []
        for d in (data, other_data):
            if d.task == "classification" and d.examples:
                for model, r in view.res.reports(d).items():
                    rows.append(
                        {
                            "run": d.run.id,
                            "model": model,
                            "examples": r.n,
                            "accuracy": round(r.accuracy, 4),
                            "macro F1": round(r.macro.f1, 4),
                            "invalid": r.invalid,
                        }
                    )
            else:
                for model, s in view.res.generation_scores(d).items():
                    rows.append(
                        {
                            "run": d.run.id,
                            "model": model,
                            "examples": s.n,
                            "token F1": round(s.token_f1, 4),
                            "chrF": round(s.chrf, 4),
                        }
                    )
        st.dataframe(pd.DataFrame(rows), hide_index=True)

with export_tab:
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
