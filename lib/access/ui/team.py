"""Team: roles, reviewers' datasets, review queues with progress and agreement (admins)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import streamlit as st

from lib.access import service
from lib.access.service import Selection
from lib.core.identity import Actor, Role
from lib.shell.messages import show_caption, show_info, show_success
from lib.shell.widgets import dataset_picker, run_action

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

_FLASH = "team_flash"


def render_team(engine: Engine, actor: Actor | None, *, admins: frozenset[str]) -> None:
    if actor is None or not actor.can(Role.ADMIN):
        who = actor.name if actor else "You"
        show_info(f"{who}: only admins manage the team. Ask an admin for a role.")
        return
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        show_success(flash)
    roles_tab, datasets_tab, queues_tab = st.tabs(["Roles", "Reviewers' datasets", "Review queues"])
    with roles_tab:
        _roles(engine, actor, admins)
    with datasets_tab:
        _datasets(engine, actor)
    with queues_tab:
        _queues(engine, actor, admins)


def _done(message: str) -> None:
    st.session_state[_FLASH] = message
    st.rerun()


def _roles(engine: Engine, actor: Actor, admins: frozenset[str]) -> None:
    grants = run_action(lambda: service.list_grants(engine, actor, admins=admins)) or []
    st.dataframe(
        [
            {
                "Person": g.person,
                "Role": g.role.value,
                "Granted by": g.granted_by,
                "Since": g.granted_at,
            }
            for g in grants
        ],
        hide_index=True,
        use_container_width=True,
    )
    st.caption(
        "Everyone who signs in and is not listed is a viewer. Admins named in config "
        "(TUNELAB_ADMINS) are changed there."
    )
    with st.form("grant_role", clear_on_submit=True):
        person = st.text_input("Email (or subject) they sign in with", max_chars=200)
        role = st.selectbox("Role", [r.value for r in Role], index=2)
        if st.form_submit_button("Grant role", type="primary"):
            grant = run_action(
                lambda: service.grant_role(engine, actor, person, role, admins=admins)
            )
            if grant is not None:
                _done(f"{grant.person} is now {grant.role.value}.")


def _people_with(engine: Engine, actor: Actor, admins: frozenset[str], role: Role) -> list[str]:
    grants = run_action(lambda: service.list_grants(engine, actor, admins=admins)) or []
    return [g.person for g in grants if Actor(g.person, roles=frozenset({g.role})).can(role)]


def _datasets(engine: Engine, actor: Actor) -> None:
    info = dataset_picker(engine, key="team_dataset")
    if info is None:
        return
    current = run_action(lambda: service.reviewers_of(engine, actor, info.id)) or []
    if current:
        st.dataframe([{"Reviewer": p} for p in current], hide_index=True)
    else:
        show_caption("No reviewer is assigned to this dataset yet.")
    with st.form("assign_dataset", clear_on_submit=True):
        names = st.text_input("Reviewers to assign (emails, comma separated)", max_chars=2000)
        if st.form_submit_button("Assign", type="primary"):
            people = [n for n in names.replace(";", ",").split(",") if n.strip()]
            added = run_action(lambda: service.assign_dataset(engine, actor, info.id, people))
            if added is not None:
                _done(f"Assigned {info.name} to {added} more reviewer(s).")
    if current:
        gone = st.selectbox("Unassign", current, index=None, key="team_unassign")
        if gone is not None and st.button("Unassign", key="team_unassign_btn"):
            person: str = gone
            if run_action(lambda: service.unassign_dataset(engine, actor, info.id, person)):
                _done(f"{person} no longer reviews {info.name}.")


def _queues(engine: Engine, actor: Actor, admins: frozenset[str]) -> None:
    info = dataset_picker(engine, key="team_queue_dataset")
    if info is None:
        return
    reviewers = _people_with(engine, actor, admins, Role.REVIEWER)
    with st.form("create_queue"):
        st.markdown("**New review queue**")
        chosen = st.multiselect("Reviewers", reviewers, key="queue_reviewers")
        extra = st.text_input("More reviewers (emails, comma separated)", max_chars=2000)
        overlap = st.number_input("Reviewers per example (overlap)", 1, 10, 1)
        scope = st.radio(
            "Examples", ["Whole dataset", "Filtered subset", "Random sample"], horizontal=True
        )
        c1, c2, c3 = st.columns(3)
        label = c1.text_input("Label is (filter)", max_chars=2000)
        status = c2.selectbox(
            "Status is (filter)", ["", "unreviewed", "approved", "rejected", "flagged"]
        )
        contains = c3.text_input("Text contains (filter)", max_chars=500)
        s1, s2 = st.columns(2)
        sample = s1.number_input("Sample size", 1, 50_000, 50)
        seed = s2.number_input("Seed", 0, 2**31 - 1, 0)
        name = st.text_input("Queue name (optional)", max_chars=300)
        if st.form_submit_button("Assign queue", type="primary"):
            people = chosen + [n for n in extra.replace(";", ",").split(",") if n.strip()]
            filtered = scope != "Whole dataset"
            selection = Selection(
                label=(label.strip() or None) if filtered else None,
                status=(status or None) if filtered else None,
                contains=(contains.strip() or None) if filtered else None,
                sample=int(sample) if scope == "Random sample" else None,
                seed=int(seed),
            )
            queue = run_action(
                lambda: service.create_queue(
                    engine,
                    actor,
                    info.id,
                    reviewers=people,
                    overlap=int(overlap),
                    selection=selection,
                    name=name,
                )
            )
            if queue is not None:
                _done(
                    f"Queue {queue.name}: {queue.n_examples} examples to {len(queue.reviewers)} reviewers."
                )
    queues = run_action(lambda: service.list_queues(engine, actor, info.id)) or []
    if not queues:
        show_caption("This dataset has no review queue yet.")
        return
    by_id = {q.id: q for q in queues}
    queue_id = st.selectbox(
        "Queue", list(by_id), format_func=lambda i: by_id[i].name, key="team_queue_pick"
    )
    _report(engine, actor, queue_id)


def _report(engine: Engine, actor: Actor, queue_id: int) -> None:
    report = run_action(lambda: service.queue_report(engine, actor, queue_id))
    if report is None:
        return
    q = report.info
    show_caption(
        f"{q.scope} · overlap {q.overlap} · {q.n_examples} examples · {report.settled} settled · "
        f"created by {q.created_by}"
    )
    st.markdown("**Progress per reviewer**")
    st.dataframe(
        [
            {
                "Reviewer": p.person,
                "Labelled": p.labelled,
                "Assigned": p.assigned,
                "Progress": p.labelled / p.assigned if p.assigned else 0.0,
            }
            for p in report.progress
        ],
        column_config={"Progress": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0)},
        hide_index=True,
        use_container_width=True,
    )
    if q.overlap > 1:
        st.markdown("**Agreement per pair**")
        if report.pairs:
            st.dataframe(
                [
                    {
                        "Reviewer A": p.reviewer_a,
                        "Reviewer B": p.reviewer_b,
                        "Both labelled": p.n_common,
                        "Same label": f"{p.agreement:.0%}",
                        "Cohen's kappa": "undefined" if math.isnan(p.kappa) else f"{p.kappa:.2f}",
                    }
                    for p in report.pairs
                ],
                hide_index=True,
                use_container_width=True,
            )
        else:
            show_caption("No pair of reviewers has labelled the same example yet.")
        _disagreements(engine, actor, report)


def _disagreements(engine: Engine, actor: Actor, report: service.QueueReport) -> None:
    st.markdown(f"**Disagreements to settle** ({len(report.disagreements)})")
    for d in report.disagreements[:50]:
        _disagreement(engine, actor, report.info.id, d)


def _disagreement(engine: Engine, actor: Actor, queue_id: int, d: service.Disagreement) -> None:
    with st.container(border=True):
        example = run_action(
            lambda: service.queue_example_for_admin(engine, actor, queue_id, d.example_id)
        )
        if example is not None:
            st.text(example.prompt)
        st.dataframe(
            [{"Reviewer": who, "Label": label} for who, label in d.labels.items()],
            hide_index=True,
        )
        if actor.name in d.labels:
            show_caption("You labelled this example: a third person settles it.")
            return
        options = sorted(set(d.labels.values()))
        pick: str = st.selectbox("Settle with", options, key=f"settle_{queue_id}_{d.example_id}")
        if st.button("Settle", key=f"settle_btn_{queue_id}_{d.example_id}"):
            row = run_action(lambda: service.settle(engine, actor, queue_id, d.example_id, pick))
            if row is not None:
                _done(f"Example {d.example_id} settled as {pick}.")
