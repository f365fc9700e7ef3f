"""Random-sample review (progress k of N, error-rate estimate) and blind double review.

Verdicts and settlements carry the id and version of the example on screen (``on_click``
arguments), and the service refuses them if it changed meanwhile. What a double reviewer may
see of the other's labels is decided by the service, not here.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.datasets.service import DatasetInfo
from lib.review import sampling, service
from lib.review.service import ExampleRow
from lib.review.ui.state import NO_REVIEWER_HINT, notify, show_notice
from lib.shell.messages import md, show_caption, show_warning
from lib.shell.widgets import run_action

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


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
                show_caption(str(message.get("role", "?")))
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


def _pick_sample(
    engine: Engine, info: DatasetInfo, kind: str, actor: Actor | None
) -> sampling.SampleInfo | None:
    samples = service.samples_of(engine, info.id, kind, actor=actor)
    if not samples:
        return None
    by_id = {s.id: s for s in samples}
    chosen = st.selectbox(
        "Sample",
        list(by_id),
        format_func=lambda i: f"sample {i} · {by_id[i].name}",
        key=f"review_{kind}_sample",
    )
    return by_id[chosen]


def _verdict(
    engine: Engine,
    sample_id: int,
    target: service.Target,
    outcome: str,
    comment_key: str,
    actor: Actor | None,
) -> None:
    try:
        result = service.sample_verdict(
            engine,
            sample_id,
            target,
            outcome=outcome,
            comment=st.session_state.get(comment_key) or None,
            actor=actor,
        )
    except UserError as exc:
        notify("error", str(exc))
        return
    notify("success" if result.ok else "warning", result.message)


def render_random_sample(engine: Engine, info: DatasetInfo, actor: Actor | None) -> None:
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
        if st.button("Draw the sample", key="review_rs_draw", disabled=actor is None):
            run_action(
                lambda: service.draw_sample(engine, info.id, n=int(n), seed=int(seed), actor=actor)
            )
        if actor is None:
            show_caption(NO_REVIEWER_HINT)
    sample = _pick_sample(engine, info, "random", actor)
    if sample is None:
        st.info("No sample yet: draw one above.")
        return
    view = service.sample_view(engine, sample.id, actor=actor)
    prog = view.progress
    st.progress(
        prog.reviewed / prog.n if prog.n else 0.0, text=f"{prog.reviewed:,} of {prog.n:,} reviewed"
    )
    estimate = prog.error_rate()
    if estimate is not None:
        label = "Estimated error rate of the whole dataset" if prog.done else "Error rate so far"
        st.metric(label, f"{estimate.estimate:.1%}", help="rejected or flagged ÷ reviewed")
        show_caption(
            f"95% Wilson interval: {estimate.low:.1%} – {estimate.high:.1%} "
            f"({prog.errors:,} rejected or flagged of {prog.reviewed:,} reviewed; "
            f"{sample.population:,} examples when drawn)"
        )
    show_notice()
    if view.position is None or view.example is None:
        st.success("This sample is done.")
        return
    example = view.example
    source = example.source_row if example.source_row is not None else "—"
    show_caption(
        f"Sample item {view.position + 1} of {prog.n} · source row {source} · id {example.id} · "
        f"version {example.version}"
    )
    show_example(example, info.schema)
    comment_key = f"review_rs_comment_{example.id}"  # kept if the example changes meanwhile
    st.text_input("Comment (optional)", key=comment_key)
    target = service.Target.of(example)
    cols = st.columns(3)
    for col, outcome, label, key in zip(
        cols,
        sampling.OUTCOMES,
        ("Approve", "Reject", "Flag"),
        ("Alt+1", "Alt+2", "Alt+3"),
        strict=True,
    ):
        col.button(
            label,
            key=f"review_rs_{outcome}",
            disabled=actor is None,
            shortcut=key,
            width="stretch",
            on_click=_verdict,
            args=(engine, sample.id, target, outcome, comment_key, actor),
        )
    if actor is None:
        show_caption(NO_REVIEWER_HINT)


def _give_label(
    engine: Engine, sample_id: int, example_id: int, keys: tuple[str, str], actor: Actor | None
) -> None:
    typed, picked = (st.session_state.get(k) for k in keys)
    label = (typed or picked or "").strip()
    try:
        result = service.give_label(engine, sample_id, example_id, label, actor=actor)
    except UserError as exc:
        notify("error", str(exc))
        return
    notify("success", result.message)


def _settle(
    engine: Engine,
    sample_id: int,
    target: service.Target,
    keys: tuple[str, str],
    actor: Actor | None,
) -> None:
    other, choice = (st.session_state.get(k) for k in keys)
    label = (other or choice or "").strip()
    try:
        result = service.settle(engine, sample_id, target, label, actor=actor)
    except UserError as exc:
        notify("error", str(exc))
        return
    notify("success" if result.ok else "warning", result.message)


def render_double_review(
    engine: Engine, info: DatasetInfo, actor: Actor | None, overview: service.Overview
) -> None:
    st.write(
        "Two reviewers label the same sample without seeing each other's labels; then "
        "Cohen's kappa shows how well they agree, and a third person settles disagreements."
    )
    with st.expander("Start a double review"):
        c1, c2, c3, c4 = st.columns(4)
        first = c1.text_input("Reviewer 1", value=actor.name if actor else "", key="review_dr_a")
        second = c2.text_input("Reviewer 2", key="review_dr_b")
        n = c3.number_input(
            "Examples", 1, sampling.MAX_SAMPLE, min(50, info.n_examples or 1), key="review_dr_n"
        )
        seed = c4.number_input("Seed", 0, 2**31 - 1, 7, key="review_dr_seed")
        if st.button("Assign the sample", key="review_dr_start", disabled=actor is None):
            run_action(
                lambda: service.start_double_review(
                    engine,
                    info.id,
                    n=int(n),
                    seed=int(seed),
                    reviewers=(first, second),
                    actor=actor,
                )
            )
    sample = _pick_sample(engine, info, "double", actor)
    if sample is None:
        st.info("No double review yet.")
        return
    show_caption(f"Reviewers: {', '.join(sample.reviewers)}")
    if actor is None:
        show_warning(NO_REVIEWER_HINT)
        return
    view = service.double_review_view(engine, sample.id, actor=actor)
    show_notice()
    participant = actor.name in sample.reviewers
    if participant:
        st.progress(
            len(view.mine) / view.n if view.n else 0.0,
            text=f"{len(view.mine):,} of {view.n:,} reviewed (your labels)",
        )
        if view.next_example is not None:
            _label_next(engine, info, sample, view.next_example, actor, overview)
            st.caption(
                "Agreement is shown once you have labelled every example (the review is blind)."
            )
            return
        st.success("You have labelled every example of this sample.")
    _agreement(engine, info, sample, view, actor, participant)


def _label_next(
    engine: Engine,
    info: DatasetInfo,
    sample: sampling.SampleInfo,
    example: ExampleRow,
    actor: Actor,
    overview: service.Overview,
) -> None:
    source = example.source_row if example.source_row is not None else "—"
    show_caption(
        f"Source row {source} · id {example.id} (its current label is hidden so that yours is "
        "independent)"
    )
    show_example(example, info.schema, hide_answer=True)
    options = list(overview.labels)[:200]
    c1, c2 = st.columns(2)
    pick_key, type_key = f"review_dr_pick_{example.id}", f"review_dr_type_{example.id}"
    c1.selectbox("Your label", options, index=None, key=pick_key)
    c2.text_input("or type a label", key=type_key)
    st.button(
        "Save my label",
        key="review_dr_save",
        type="primary",
        on_click=_give_label,
        args=(engine, sample.id, example.id, (type_key, pick_key), actor),
    )


def _agreement(
    engine: Engine,
    info: DatasetInfo,
    sample: sampling.SampleInfo,
    view: service.DoubleReviewView,
    actor: Actor,
    participant: bool,
) -> None:
    st.subheader("Agreement")
    if view.pairs:
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
                    for p in view.pairs
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
    st.subheader(f"Disagreements ({view.open_disagreements} open)")
    if participant and view.open_disagreements:
        st.caption(
            "A third person settles disagreements; their labels stay hidden from you until then."
        )
    settled = [d for d in view.disagreements if d.settled_label is not None]
    if settled:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "id": d.example_id,
                        "labels": "; ".join(f"{r}: {lab}" for r, lab in d.labels.items()),
                        "settled as": d.settled_label,
                        "by": d.settled_by,
                    }
                    for d in settled
                ]
            ),
            hide_index=True,
        )
    if participant:
        return
    open_ones = [d for d in view.disagreements if d.settled_label is None]
    for dispute in open_ones[:50]:
        example = service.example(engine, dispute.example_id, actor=actor)
        with st.container(border=True):
            source = example.source_row if example.source_row is not None else "—"
            show_caption(f"Source row {source} · id {example.id} · version {example.version}")
            show_example(example, info.schema, hide_answer=True)
            st.text(" · ".join(f"{r}: {lab}" for r, lab in dispute.labels.items()))
            options = list(dict.fromkeys(dispute.labels.values()))
            choice_key = f"review_dr_settle_{example.id}"
            other_key = f"review_dr_settle_other_{example.id}"
            left, mid, right = st.columns([2, 2, 1], vertical_alignment="bottom")
            left.radio("Settle as", options, format_func=md, key=choice_key, horizontal=True)
            mid.text_input("or another label", key=other_key)
            right.button(
                "Settle",
                key=f"review_dr_settle_btn_{example.id}",
                type="primary",
                on_click=_settle,
                args=(
                    engine,
                    sample.id,
                    service.Target.of(example),
                    (other_key, choice_key),
                    actor,
                ),
            )
