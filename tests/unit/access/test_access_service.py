"""Roles, reviewers' datasets, queues with overlap and activity, through the access service
as each role (the rules hold whatever a screen shows)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lib.access import service
from lib.access.service import Selection
from lib.core.example_store import get_example
from lib.core.identity import Actor, PermissionDeniedError, Role, local_actor
from lib.core.tables import revisions
from tests.unit.review.conftest import make_completion_dataset

ADMINS = ("boss@example.com",)


def signed_in(engine: sa.Engine, who: str) -> Actor:
    return service.actor_for(engine, who, admins=ADMINS)


@pytest.fixture
def admin(any_db: sa.Engine) -> Actor:
    return signed_in(any_db, "Boss@Example.com")


def test_roles_come_from_config_then_store_else_viewer(any_db: sa.Engine, admin: Actor) -> None:
    assert admin.verified and admin.name == "boss@example.com" and admin.can(Role.ADMIN)
    nobody = signed_in(any_db, "ana@example.com")
    assert nobody.roles == frozenset({Role.VIEWER}) and not nobody.can(Role.REVIEWER)
    service.grant_role(any_db, admin, "Ana@example.com", Role.REVIEWER, admins=ADMINS)
    ana = signed_in(any_db, "ana@example.com")
    assert ana.can(Role.REVIEWER) and not ana.can(Role.TRAINER)
    grants = service.list_grants(any_db, admin, admins=ADMINS)
    assert [(g.person, g.role, g.from_config) for g in grants] == [
        ("boss@example.com", Role.ADMIN, True),
        ("ana@example.com", Role.REVIEWER, False),
    ]
    service.grant_role(any_db, admin, "ana@example.com", Role.VIEWER, admins=ADMINS)
    assert signed_in(any_db, "ana@example.com").roles == frozenset({Role.VIEWER})


def test_only_admins_grant_and_config_admins_stay(any_db: sa.Engine, admin: Actor) -> None:
    service.grant_role(any_db, admin, "tom@example.com", "trainer", admins=ADMINS)
    tom = signed_in(any_db, "tom@example.com")
    with pytest.raises(PermissionDeniedError, match="needs the admin role"):
        service.grant_role(any_db, tom, "tom@example.com", Role.ADMIN, admins=ADMINS)
    with pytest.raises(PermissionDeniedError):
        service.list_grants(any_db, tom)
    with pytest.raises(Exception, match="named in the configuration"):
        service.grant_role(any_db, admin, "boss@example.com", Role.VIEWER, admins=ADMINS)
    with pytest.raises(Exception, match="unknown role"):
        service.grant_role(any_db, admin, "x@example.com", "owner", admins=ADMINS)


def test_reviewers_may_edit_only_assigned_datasets(any_db: sa.Engine, admin: Actor) -> None:
    first = make_completion_dataset(any_db, n=6, name="first")
    second = make_completion_dataset(any_db, n=6, name="second")
    service.grant_role(any_db, admin, "ana@example.com", Role.REVIEWER, admins=ADMINS)
    ana = signed_in(any_db, "ana@example.com")
    assert not service.may_review(any_db, ana, first)
    service.assign_dataset(any_db, admin, first, ["ana@example.com"])
    assert service.may_review(any_db, ana, first)
    assert not service.may_review(any_db, ana, second)
    with pytest.raises(PermissionDeniedError, match="second is not assigned to ana@example.com"):
        service.require_review(any_db, ana, second, action="edit examples")
    viewer = signed_in(any_db, "val@example.com")
    assert not service.may_review(any_db, viewer, first)
    assert service.may_review(any_db, admin, second)
    assert service.may_review(any_db, local_actor("Ana"), second)
    with pytest.raises(PermissionDeniedError):
        service.assign_dataset(any_db, ana, second, ["ana@example.com"])


def _reviewers(engine: sa.Engine, admin: Actor, *names: str) -> list[Actor]:
    for name in names:
        service.grant_role(engine, admin, name, Role.REVIEWER, admins=ADMINS)
    return [signed_in(engine, name) for name in names]


def test_overlap_gives_each_example_to_n_distinct_reviewers(
    any_db: sa.Engine, admin: Actor
) -> None:
    ds = make_completion_dataset(any_db, n=30)
    names = ("a@x.org", "b@x.org", "c@x.org")
    _reviewers(any_db, admin, *names)
    info = service.create_queue(
        any_db, admin, ds, reviewers=names, overlap=2, selection=Selection(sample=12, seed=7)
    )
    assert info.n_examples == 12 and info.reviewers == names and info.overlap == 2
    report = service.queue_report(any_db, admin, info.id)
    assert sum(p.assigned for p in report.progress) == 24
    assert {p.assigned for p in report.progress} == {8}
    # Same seed, same sample.
    again = service.create_queue(
        any_db, admin, ds, reviewers=names, overlap=1, selection=Selection(sample=12, seed=7)
    )
    with any_db.connect() as conn:
        from lib.access import queues

        first = {i.example_id for p in names for i in queues.items_of(conn, info.id, p)}
        second = {i.example_id for p in names for i in queues.items_of(conn, again.id, p)}
    assert first == second
    with pytest.raises(Exception, match="overlap 4 needs between 1 and 3"):
        service.create_queue(any_db, admin, ds, reviewers=names, overlap=4)


def test_filtered_subset(any_db: sa.Engine, admin: Actor) -> None:
    ds = make_completion_dataset(any_db, n=30)
    info = service.create_queue(
        any_db, admin, ds, reviewers=["a@x.org"], overlap=1, selection=Selection(label="negative")
    )
    assert info.n_examples == 10 and "label = negative" in info.scope
    with pytest.raises(Exception, match="no example of reviews matches"):
        service.create_queue(
            any_db, admin, ds, reviewers=["a@x.org"], overlap=1, selection=Selection(contains="zzz")
        )


def test_single_review_writes_a_revision_by_the_reviewer(any_db: sa.Engine, admin: Actor) -> None:
    ds = make_completion_dataset(any_db, n=4)
    (ana,) = _reviewers(any_db, admin, "ana@example.com")
    info = service.create_queue(any_db, admin, ds, reviewers=["ana@example.com"], overlap=1)
    (mine,) = service.my_queues(any_db, ana)
    item = mine.next_item
    assert item is not None and mine.labelled == 0
    result = service.submit_label(any_db, ana, info.id, item.example_id, "sarcastic")
    assert result.settled
    with any_db.connect() as conn:
        row = get_example(conn, item.example_id)
        author = (
            conn.execute(
                sa.select(revisions.c.author)
                .where(revisions.c.example_id == item.example_id)
                .order_by(revisions.c.id.desc())
            )
            .scalars()
            .first()
        )
    assert row.label == "sarcastic" and author == "ana@example.com"
    assert service.my_queues(any_db, ana)[0].labelled == 1


def test_double_review_is_blind_until_settled(any_db: sa.Engine, admin: Actor) -> None:
    ds = make_completion_dataset(any_db, n=4)
    ana, bea = _reviewers(any_db, admin, "ana@example.com", "bea@example.com")
    info = service.create_queue(
        any_db, admin, ds, reviewers=["ana@example.com", "bea@example.com"], overlap=2
    )
    first = service.my_queues(any_db, ana)[0].items[0].example_id
    with any_db.connect() as conn:
        before = get_example(conn, first).label
    assert not service.submit_label(any_db, ana, info.id, first, "odd").settled
    # Bea sees her own (empty) label, never Ana's; the example is unchanged.
    bea_items = {i.example_id: i for i in service.my_queues(any_db, bea)[0].items}
    assert bea_items[first].own_label is None and bea_items[first].settled_label is None
    assert service.queue_example(any_db, bea, info.id, first).label == before
    assert not service.submit_label(any_db, bea, info.id, first, "even").settled
    report = service.queue_report(any_db, admin, info.id)
    assert [d.labels for d in report.disagreements] == [
        {"ana@example.com": "odd", "bea@example.com": "even"}
    ]
    (pair,) = report.pairs
    assert pair.n_common == 1 and pair.agreement == 0.0 and pair.kappa == 0.0
    with pytest.raises(PermissionDeniedError):
        service.settle(any_db, ana, info.id, first, "odd")
    row = service.settle(any_db, admin, info.id, first, "odd")
    assert row.label == "odd" and row.updated_by == "boss@example.com"
    assert service.queue_report(any_db, admin, info.id).disagreements == []
    # Agreement settles by itself.
    second = service.my_queues(any_db, ana)[0].items[1].example_id
    service.submit_label(any_db, ana, info.id, second, "same")
    assert service.submit_label(any_db, bea, info.id, second, "same").settled
    with any_db.connect() as conn:
        assert get_example(conn, second).label == "same"


def test_a_reviewer_cannot_label_someone_elses_item(any_db: sa.Engine, admin: Actor) -> None:
    ds = make_completion_dataset(any_db, n=4)
    ana, bea = _reviewers(any_db, admin, "ana@example.com", "bea@example.com")
    info = service.create_queue(any_db, admin, ds, reviewers=["ana@example.com"], overlap=1)
    item = service.my_queues(any_db, ana)[0].items[0]
    with pytest.raises(PermissionDeniedError, match="not in bea@example.com's part"):
        service.submit_label(any_db, bea, info.id, item.example_id, "x")
    viewer = signed_in(any_db, "val@example.com")
    with pytest.raises(PermissionDeniedError, match="needs the reviewer role"):
        service.submit_label(any_db, viewer, info.id, item.example_id, "x")


def test_activity_names_who_did_what(any_db: sa.Engine, admin: Actor) -> None:
    ds = make_completion_dataset(any_db, n=4)
    (ana,) = _reviewers(any_db, admin, "ana@example.com")
    info = service.create_queue(any_db, admin, ds, reviewers=["ana@example.com"], overlap=1)
    item = service.my_queues(any_db, ana)[0].items[0]
    service.submit_label(any_db, ana, info.id, item.example_id, "odd")
    everything = service.activity(any_db, admin, service.ActivityFilter())
    actions = {(e.person, e.action) for e in everything}
    assert ("ana@example.com", "edited example") in actions
    assert ("ana@example.com", "labelled in queue") in actions
    assert ("boss@example.com", "granted role") in actions
    assert ("boss@example.com", "created review queue") in actions
    only_ana = service.activity(any_db, admin, service.ActivityFilter(person="ana@example.com"))
    assert only_ana and {e.person for e in only_ana} == {"ana@example.com"}
    assert all(e.dataset == "reviews" for e in only_ana)
    with pytest.raises(PermissionDeniedError):
        service.activity(any_db, ana, service.ActivityFilter())


def test_a_deleted_dataset_stays_in_the_activity(any_db: sa.Engine, admin: Actor) -> None:
    from lib.datasets import service as datasets

    ds = make_completion_dataset(any_db, n=3, name="gone soon")
    datasets.delete_dataset(any_db, ds, actor=admin)
    entries = service.activity(any_db, admin, service.ActivityFilter(dataset_id=ds))
    assert [(e.person, e.action, e.dataset, e.detail) for e in entries] == [
        ("boss@example.com", "deleted dataset", "gone soon", "3 examples")
    ]
