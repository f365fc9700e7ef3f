"""The review service's rules: every action names the example and version it acts on, a pass
visits each example once, conflicts merge three ways, drafts live in the store, double review
stays blind, and every change checks who is acting."""

from __future__ import annotations

import pytest

from lib.core.db import create_engine_for
from lib.core.example_store import Change, get_example, update_example
from lib.core.identity import Actor, MissingIdentityError, PermissionDeniedError, Role, local_actor
from lib.review import query, service
from lib.review.merge import Conflict, merge_states
from tests.unit.review.conftest import make_chat_dataset, make_completion_dataset

ANA = local_actor("Ana")
BEN = local_actor("Ben")
CLO = local_actor("Clo")
UNREVIEWED = query.Filters(statuses=("unreviewed",))


def _ids(db, ds, filters: query.Filters | None = None):
    with db.connect() as conn:
        return [e.id for e in query.page(conn, ds, filters or query.Filters(), limit=500)]


def _get(db, example_id):
    with db.connect() as conn:
        return get_example(conn, example_id)


def _statuses(db, ds):
    with db.connect() as conn:
        return {e.id: e.status for e in query.page(conn, ds, query.Filters(), limit=500)}


def test_a_verdict_on_an_example_changed_meanwhile_is_refused_and_writes_nothing(db):
    ds = make_completion_dataset(db, n=6)
    first, second = _ids(db, ds, UNREVIEWED)[:2]
    shown = service.Target(first, 1)
    # A colleague approves the example while Ana looks at it.
    service.save(db, ds, service.Target(first, 1), status="approved", actor=BEN)
    result = service.save(db, ds, shown, status="rejected", filters=UNREVIEWED, actor=ANA)
    assert not result.ok
    assert f"Example {first}" in result.message and "Ben" in result.message
    assert result.example is not None and result.example.version == 2
    statuses = _statuses(db, ds)
    assert statuses[first] == "approved" and statuses[second] == "unreviewed"
    assert "rejected" not in statuses.values()  # nothing landed anywhere else


def test_a_target_that_left_the_filters_is_refused(db):
    ds = make_completion_dataset(db, n=6)
    target = _ids(db, ds)[0]
    only_negative = query.Filters(labels=("negative",))
    result = service.save(
        db, ds, service.Target(target, 1), status="approved", filters=only_negative, actor=ANA
    )
    assert not result.ok and "no longer matches the filters" in result.message
    assert _get(db, target).version == 1


def test_a_target_of_another_dataset_is_refused(db):
    ds = make_completion_dataset(db, n=3)
    other = make_completion_dataset(db, n=3, name="other")
    target = _ids(db, other)[0]
    result = service.save(db, ds, service.Target(target, 1), status="approved", actor=ANA)
    assert not result.ok and _get(db, target).status == "unreviewed"


def test_changes_need_a_name_and_the_reviewer_role(db):
    ds = make_completion_dataset(db, n=3)
    target = service.Target(_ids(db, ds)[0], 1)
    with pytest.raises(MissingIdentityError):
        service.save(db, ds, target, status="approved", actor=None)
    viewer = Actor("Vi", verified=True, roles=frozenset({Role.VIEWER}))
    with pytest.raises(PermissionDeniedError):
        service.save(db, ds, target, status="approved", actor=viewer)
    with pytest.raises(PermissionDeniedError):
        service.keep_draft(db, ds, target, data={}, comment="x", actor=viewer)
    assert service.focus(db, ds, query.Filters(), example_id=None, actor=viewer).example
    assert _get(db, target.example_id).version == 1


@pytest.fixture
def any_db(any_db_url):
    """The store on each backend available (PostgreSQL when CI provides one)."""
    from lib.core.migrations import migrate

    engine = create_engine_for(any_db_url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_a_pass_of_50_under_a_filter_visits_each_example_exactly_once(any_db):
    db = any_db
    ds = make_completion_dataset(db, n=80)
    # Ben approved some in between: they are not in "unreviewed" any more.
    for example_id in _ids(db, ds)[5:30:3]:
        service.save(db, ds, service.Target(example_id, 1), status="approved", actor=BEN)
    expected = _ids(db, ds, UNREVIEWED)[:50]
    seen: list[int] = []
    view = service.focus(db, ds, UNREVIEWED, example_id=None, seen=seen, actor=ANA)
    current = view.example
    while current is not None and len(seen) < 50:
        seen.append(current.id)
        verdict = "approved" if len(seen) % 2 else "flagged"
        result = service.save(
            db, ds, service.Target.of(current), status=verdict, filters=UNREVIEWED, actor=ANA
        )
        assert result.ok, result.message
        following = service.next_example(db, ds, UNREVIEWED, after=current, seen=seen, actor=ANA)
        current = _get(db, following) if following is not None else None
    assert seen == expected  # in order, none skipped, none twice


@pytest.mark.parametrize("sort", ["longest first", "label", "dataset order, last first"])
def test_next_without_a_verdict_walks_the_order_and_wraps_to_what_was_not_seen(any_db, sort):
    db = any_db
    ds = make_completion_dataset(db, n=6)
    ids = _ids(db, ds)
    longest = query.Filters(sort=sort)
    order = _ids(db, ds, longest)
    start = _get(db, order[2])
    seen = [start.id]
    visited = []
    current = start
    while True:
        following = service.next_example(db, ds, longest, after=current, seen=seen, actor=ANA)
        if following is None:
            break
        seen.append(following)
        visited.append(following)
        current = _get(db, following)
    assert visited == order[3:] + order[:2]  # then back to the ones before the start
    assert sorted(seen) == sorted(ids)


def test_previous_goes_back_in_the_filtered_order(db):
    ds = make_completion_dataset(db, n=6)
    ids = _ids(db, ds)
    assert (
        service.previous_example(db, ds, query.Filters(), before=_get(db, ids[3]), actor=ANA)
        == ids[2]
    )
    assert (
        service.previous_example(db, ds, query.Filters(), before=_get(db, ids[0]), actor=ANA)
        is None
    )


def test_drafts_are_kept_per_reviewer_and_survive_a_restart(db, tmp_path):
    ds = make_completion_dataset(db, n=3)
    example = _get(db, _ids(db, ds)[0])
    data = {**example.data, "prompt": "typed but not saved"}
    service.keep_draft(db, ds, service.Target.of(example), data=data, comment="hm", actor=ANA)
    restarted = create_engine_for(str(db.url))
    try:
        (draft,) = service.drafts_of(restarted, ds, actor=ANA)
        assert (draft.example_id, draft.data["prompt"], draft.comment) == (
            example.id,
            "typed but not saved",
            "hm",
        )
        assert service.drafts_of(restarted, ds, actor=BEN) == []  # Ben has none
        view = service.focus(restarted, ds, query.Filters(), example_id=example.id, actor=ANA)
        assert view.draft is not None and view.draft.base_version == 1
    finally:
        restarted.dispose()
    # Typing back what was there removes the draft; a save clears it too.
    service.keep_draft(db, ds, service.Target.of(example), data=example.data, comment="", actor=ANA)
    assert service.drafts_of(db, ds, actor=ANA) == []
    service.keep_draft(db, ds, service.Target.of(example), data=data, comment="", actor=ANA)
    assert service.save(db, ds, service.Target.of(example), data=data, actor=ANA).ok
    assert service.drafts_of(db, ds, actor=ANA) == []
    assert _get(db, example.id).data["prompt"] == "typed but not saved"


def test_saving_a_draft_over_a_colleagues_save_merges_field_by_field(db):
    ds = make_completion_dataset(db, n=3)
    example = _get(db, _ids(db, ds)[0])
    mine = {**example.data, "prompt": "Ana's prompt"}
    service.keep_draft(db, ds, service.Target.of(example), data=mine, comment="", actor=ANA)
    update_example(
        db, Change(example.id, 1, data={**example.data, "completion": " neutral"}), author="Ben"
    )
    result = service.save(db, ds, service.Target(example.id, 1), data=mine, actor=ANA)
    assert not result.ok and result.conflict is not None
    assert service.conflict_choices(result.conflict) == ()  # nothing both changed
    kept = service.resolve_conflict(db, result.conflict, actor=ANA)  # "keep mine"
    assert kept.ok
    saved = _get(db, example.id)
    assert (saved.data["prompt"], saved.data["completion"]) == ("Ana's prompt", " neutral")
    assert service.drafts_of(db, ds, actor=ANA) == []


def test_a_field_both_changed_is_chosen_by_the_person():
    base = {"data": {"prompt": "p", "completion": " a"}, "status": "unreviewed", "comment": None}
    mine = {**base, "data": {"prompt": "mine", "completion": " a"}, "comment": "mine"}
    theirs = {**base, "data": {"prompt": "theirs", "completion": " b"}}
    merged = merge_states(base, mine, theirs)
    assert [c.name for c in merged.choices] == ["prompt"]
    assert (merged.choices[0].mine, merged.choices[0].theirs) == ("mine", "theirs")
    assert merged.state["data"] == {"prompt": "mine", "completion": " b"}
    assert merged.state["comment"] == "mine"
    picked = merge_states(base, mine, theirs, {"prompt": "theirs"})
    assert picked.state["data"] == {"prompt": "theirs", "completion": " b"}


def test_chat_examples_merge_message_by_message(db):
    ds = make_chat_dataset(db, n=2)
    example = _get(db, _ids(db, ds)[0])
    base = example.state()
    messages = example.data["messages"]
    mine = {
        **base,
        "data": {"messages": [messages[0], {**messages[1], "content": "Q?"}, messages[2]]},
    }
    theirs = {
        **base,
        "data": {"messages": [messages[0], messages[1], {**messages[2], "content": "A!"}]},
    }
    merged = merge_states(base, mine, theirs)
    assert merged.choices == ()  # different messages: no conflict
    assert [m["content"] for m in merged.state["data"]["messages"]] == ["Be brief.", "Q?", "A!"]
    both = {
        **base,
        "data": {"messages": [messages[0], {**messages[1], "content": "Q2"}, messages[2]]},
    }
    clash = merge_states(base, mine, both)
    assert [(c.name, c.label) for c in clash.choices] == [("messages.1", "Message 2")]
    assert clash.choices[0].mine == "user: Q?"  # text, not JSON
    conflict = Conflict(example.id, 1, mine, theirs, base)
    update_example(db, Change(example.id, 1, data=theirs["data"]), author="Ben")
    conflict = Conflict(example.id, 2, mine, theirs, base)
    assert service.resolve_conflict(db, conflict, actor=ANA).ok
    assert [m["content"] for m in _get(db, example.id).data["messages"]] == [
        "Be brief.",
        "Q?",
        "A!",
    ]


def test_a_classification_dataset_offers_labels_spelled_as_the_data_spells_them(db):
    ds = make_completion_dataset(db, n=30)
    choices = service.overview(db, ds, actor=ANA).label_choices
    assert choices is not None
    assert {(c.plain, c.spelled) for c in choices} == {
        ("positive", " positive"),
        ("negative", " negative"),
        ("neutral", " neutral"),
    }
    overview = service.overview(db, ds, actor=ANA)
    assert (overview.reviewed, overview.total) == (0, 30)


def test_double_review_is_blind_for_its_reviewers_until_settled(db):
    ds = make_completion_dataset(db, n=12)
    sample = service.start_double_review(db, ds, n=4, seed=1, reviewers=("Ana", "Ben"), actor=CLO)
    ana = service.double_review_view(db, sample, actor=ANA)
    ids = []
    while ana.next_example is not None:
        ids.append(ana.next_example.id)
        service.give_label(db, sample, ana.next_example.id, "positive", actor=ANA)
        ana = service.double_review_view(db, sample, actor=ANA)
    for i, example_id in enumerate(ids):
        service.give_label(db, sample, example_id, "negative" if i == 0 else "positive", actor=BEN)
    ana = service.double_review_view(db, sample, actor=ANA)
    assert ana.open_disagreements == 1
    assert ana.disagreements == []  # Ben's label of the open one is not shown to Ana
    clo = service.double_review_view(db, sample, actor=CLO)
    (dispute,) = clo.disagreements
    assert dispute.labels == {"Ana": "positive", "Ben": "negative"}
    with pytest.raises(Exception, match="third person"):
        service.settle(db, sample, service.Target.of(_get(db, ids[0])), "positive", actor=ANA)
    stale = service.settle(db, sample, service.Target(ids[0], 99), "positive", actor=CLO)
    assert not stale.ok
    assert service.settle(db, sample, service.Target.of(_get(db, ids[0])), "positive", actor=CLO).ok
    assert _get(db, ids[0]).data["completion"] in (" positive", "positive")
    ana = service.double_review_view(db, sample, actor=ANA)
    assert [d.settled_label for d in ana.disagreements] == ["positive"]


def test_a_sample_verdict_names_the_version_seen(db):
    ds = make_completion_dataset(db, n=10)
    sample = service.draw_sample(db, ds, n=3, seed=1, actor=ANA)
    view = service.sample_view(db, sample, actor=ANA)
    shown = service.Target.of(view.example)
    service.save(db, ds, shown, comment="Ben was here", actor=BEN)
    refused = service.sample_verdict(db, sample, shown, outcome="approved", comment=None, actor=ANA)
    assert not refused.ok
    assert service.sample_view(db, sample, actor=ANA).progress.reviewed == 0
