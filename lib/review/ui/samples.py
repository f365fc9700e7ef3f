"""Random-sample review (progress k of N, error-rate estimate) and blind double review."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.example_store import ExampleRow, get_example
from lib.datasets.repo import DatasetInfo
from lib.review import agreement, sampling
from lib.review.ui.state import NO_REVIEWER_HINT, labels_of
from lib.shell.widgets import run_action


def show_example(example: ExampleRow, schema: str, *, hide_answer: bool = False) -> None:
    """An example as inert text (never markdown/HTML)."""
    if schema == "chat":
        messages = example.data.get("messages") or []
        if (
            hide_answer
            and messages
            and isinstance(messages[-1], dict)
            and messages[-1].get("role") == "assistant"
        ):
            messages = messages[:-1]
        for message in messages:
            if isinstance(message, dict):
                st.caption(str(message.get("role", "?")))
                st.text(str(message.get("content") or ""))
                if message.get("tool_calls"):
                    st.code(
                        json.dumps(message["tool_calls"], ensure_ascii=False, indent=2),
                        language="json",
                    )
    elif schema == "completion":
        st.caption("Prompt")
        st.text(example.prompt)
        if not hide_answer:
            st.caption("Completion")
            st.text(example.completion)
    else:
        st.code(json.dumps(example.data, ensure_ascii=False, indent=2), language="json")
    if example.comment and not hide_answer:
        st.caption("Comment")
        st.text(example.comment)


def _pick_sample(engine: Engine, info: DatasetInfo, kind: str) -> sampling.SampleInfo | None:
    with engine.connect() as conn:
        samples = sampling.list_samples(conn, info.id, kind=kind)
    if not samples:
        return None
    by_id = {s.id: s for s in samples}
    chosen = st.selectbox(
        "Sample",
        list(by_id),
        format_func=lambda i: f"#{i} · {by_id[i].name}",
        key=f"review_{kind}_sample",
    )
    return by_id[chosen]


def render_random_sample(engine: Engine, info: DatasetInfo, reviewer: str | None) -> None:
    st.write(
        "Review a seeded random sample when the dataset is too big to read; the verdicts estimate "
        "the error rate of the whole dataset."
    )
    with st.expander("Draw a new sample", expanded=False):
        c1, c2 = st.columns(2)
        n = c1.number_input(
            "Examples (N)",
            1,
            sampling.MAX_SAMPLE,
            min(100, info.n_examples or 1),
            key="review_rs_n",
        )
        seed = c2.number_input("Seed", 0, 2**31 - 1, 42, key="review_rs_seed")
        if st.button("Draw the sample", key="review_rs_draw", disabled=not reviewer):
            run_action(
                lambda: sampling.draw_sample(
                    engine, info.id, n=int(n), seed=int(seed), author=reviewer or ""
                )
            )
        if not reviewer:
            st.caption(NO_REVIEWER_HINT)
    sample = _pick_sample(engine, info, "random")
    if sample is None:
        st.info("No sample yet: draw one above.")
        return
    with engine.connect() as conn:
        prog = sampling.progress(conn, sample.id)
        position = sampling.next_position(conn, sample.id)
        ids = sampling.sample_ids(conn, sample.id)
    st.progress(
        prog.reviewed / prog.n if prog.n else 0.0, text=f"{prog.reviewed:,} of {prog.n:,} reviewed"
    )
    estimate = prog.error_rate()
    if estimate is not None:
        label = "Estimated error rate of the whole dataset" if prog.done else "Error rate so far"
        st.metric(label, f"{estimate.estimate:.1%}", help="rejected or flagged ÷ reviewed")
        st.caption(
            f"95% Wilson interval: {estimate.low:.1%} – {estimate.high:.1%} "
            f"({prog.errors:,} rejected or flagged of {prog.reviewed:,} reviewed; "
            f"{sample.population:,} examples when drawn)"
        )
    if position is None:
        st.success("This sample is done.")
        return
    with engine.connect() as conn:
        example = get_example(conn, ids[position])
    st.caption(f"Sample item {position + 1} of {prog.n} · example {example.id}")
    show_example(example, info.schema)
    comment = st.text_input("Comment (optional)", key=f"review_rs_comment_{example.id}")
    cols = st.columns(3)
    for col, outcome, label, key in zip(
        cols,
        sampling.OUTCOMES,
        ("Approve", "Reject", "Flag"),
        ("Alt+1", "Alt+2", "Alt+3"),
        strict=True,
    ):
        if col.button(
            label, key=f"review_rs_{outcome}", disabled=not reviewer, shortcut=key, width="stretch"
        ):
            result = run_action(
                lambda outcome=outcome: sampling.record_verdict(
                    engine,
                    sample.id,
                    example,
                    outcome=outcome,
                    author=reviewer or "",
                    comment=comment or None,
                )
            )
            if result is not None:
                st.rerun()
    if not reviewer:
        st.caption(NO_REVIEWER_HINT)


def render_double_review(engine: Engine, info: DatasetInfo, reviewer: str | None) -> None:
    st.write(
        "Two reviewers label the same sample without seeing each other's labels; then "
        "Cohen's kappa shows how well they agree, and a third person settles disagreements."
    )
    with st.expander("Start a double review"):
        c1, c2, c3, c4 = st.columns(4)
        first = c1.text_input("Reviewer 1", value=reviewer or "", key="review_dr_a")
        second = c2.text_input("Reviewer 2", key="review_dr_b")
        n = c3.number_input(
            "Examples", 1, sampling.MAX_SAMPLE, min(50, info.n_examples or 1), key="review_dr_n"
        )
        seed = c4.number_input("Seed", 0, 2**31 - 1, 7, key="review_dr_seed")
        if st.button("Assign the sample", key="review_dr_start", disabled=not reviewer):
            run_action(
                lambda: agreement.start_double_review(
                    engine,
                    info.id,
                    n=int(n),
                    seed=int(seed),
                    reviewers=(first, second),
                    author=reviewer or "",
                )
            )
    sample = _pick_sample(engine, info, "double")
    if sample is None:
        st.info("No double review yet.")
        return
    st.caption(f"Reviewers: {', '.join(sample.reviewers)}")
    with engine.connect() as conn:
        ids = sampling.sample_ids(conn, sample.id)
        mine = agreement.own_labels(conn, sample.id, reviewer=reviewer) if reviewer else {}
    if reviewer in sample.reviewers:
        _label_next(engine, info, sample, reviewer, ids, mine)
        if len(mine) < len(ids):
            st.caption(
                "Agreement is shown once you have labelled every example (the review is blind)."
            )
            return
    elif not reviewer:
        st.warning(NO_REVIEWER_HINT)
        return
    _agreement(engine, info, sample, reviewer)


def _label_next(engine, info, sample, reviewer, ids, mine) -> None:
    st.progress(len(mine) / len(ids), text=f"You labelled {len(mine):,} of {len(ids):,}")
    todo = [i for i in ids if i not in mine]
    if not todo:
        st.success("You have labelled every example of this sample.")
        return
    with engine.connect() as conn:
        example = get_example(conn, todo[0])
    st.caption(f"Example {example.id} (its current label is hidden so that yours is independent)")
    show_example(example, info.schema, hide_answer=True)
    options = list(labels_of(engine, info))[:200]
    c1, c2 = st.columns(2)
    picked = c1.selectbox("Your label", options, index=None, key=f"review_dr_pick_{example.id}")
    typed = c2.text_input("or type a label", key=f"review_dr_type_{example.id}")
    if st.button("Save my label", key="review_dr_save", type="primary"):
        label = (typed or picked or "").strip()
        if run_action(
            lambda: (
                agreement.set_label(engine, sample.id, example.id, reviewer=reviewer, label=label)
                or True
            )
        ):
            st.rerun()


def _agreement(engine: Engine, info: DatasetInfo, sample, reviewer: str | None) -> None:
    with engine.connect() as conn:
        pairs = agreement.kappa_by_pair(conn, sample.id)
        disputes = agreement.disagreements(conn, sample.id)
    st.subheader("Agreement")
    if pairs:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "reviewer A": p.reviewer_a,
                        "reviewer B": p.reviewer_b,
                        "common examples": p.n_common,
                        "agreement": p.agreement,
                        "Cohen's kappa": p.kappa,
                    }
                    for p in pairs
                ]
            ),
            hide_index=True,
            column_config={
                "agreement": st.column_config.NumberColumn(format="percent"),
                "Cohen's kappa": st.column_config.NumberColumn(format="%.3f"),
            },
        )
    else:
        st.caption("No labels yet.")
    st.subheader(f"Disagreements ({len(disputes)})")
    open_disputes = [d for d in disputes if d.settled_label is None]
    settled = len(disputes) - len(open_disputes)
    if settled:
        st.caption(f"{settled} settled.")
    if not open_disputes:
        return
    dispute = open_disputes[0]
    with engine.connect() as conn:
        example = get_example(conn, dispute.example_id)
    st.caption(f"Example {example.id}")
    show_example(example, info.schema, hide_answer=True)
    st.dataframe(
        pd.DataFrame([{"reviewer": r, "label": lab} for r, lab in dispute.labels.items()]),
        hide_index=True,
    )
    if reviewer in sample.reviewers:
        st.caption("A third person settles disagreements.")
        return
    options = list(dict.fromkeys(dispute.labels.values()))
    choice = st.radio("Settle as", options, key=f"review_dr_settle_{example.id}", horizontal=True)
    other = st.text_input("or another label", key=f"review_dr_settle_other_{example.id}")
    if st.button("Settle", key="review_dr_settle_btn", type="primary"):
        label = (other or choice or "").strip()
        try:
            agreement.settle(engine, sample.id, example, label=label, author=reviewer or "")
            st.rerun()
        except UserError as exc:
            st.error(str(exc))
