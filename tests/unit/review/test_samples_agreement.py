"""Random-sample review with its error estimate, and blind double review with kappa."""

from __future__ import annotations

import pytest
from sklearn.metrics import cohen_kappa_score

from lib.core.db import create_engine_for
from lib.core.errors import UserError
from lib.core.example_store import get_example, list_revisions
from lib.review import agreement, sampling


def _example(db, example_id):
    with db.connect() as conn:
        return get_example(conn, example_id)


def test_sample_is_seeded_stored_and_progress_survives_a_new_connection(db, completion_ds):
    first = sampling.draw_sample(db, completion_ds, n=10, seed=5, author="Ana")
    again = sampling.draw_sample(db, completion_ds, n=10, seed=5, author="Ana")
    other = sampling.draw_sample(db, completion_ds, n=10, seed=6, author="Ana")
    with db.connect() as conn:
        ids = sampling.sample_ids(conn, first)
        assert ids == sampling.sample_ids(conn, again)
        assert ids != sampling.sample_ids(conn, other)
        assert len(set(ids)) == 10
    for outcome, example_id in zip(("approved", "rejected", "flagged"), ids, strict=False):
        sampling.record_verdict(
            db, first, _example(db, example_id), outcome=outcome, author="Ana", comment="seen"
        )
    # A reload is a new connection (even a new engine): the progress is in the store.
    fresh = create_engine_for(str(db.url))
    with fresh.connect() as conn:
        prog = sampling.progress(conn, first)
        assert (prog.n, prog.reviewed, prog.errors) == (10, 3, 2)
        assert sampling.next_position(conn, first) == 3
        assert sampling.outcome_of(conn, first, ids[1]) == "rejected"
    fresh.dispose()
    assert _example(db, ids[1]).status == "rejected"
    assert _example(db, ids[1]).comment == "seen"


def test_finished_sample_estimates_the_error_rate_with_a_wilson_interval(db, completion_ds):
    sample = sampling.draw_sample(db, completion_ds, n=10, seed=1, author="Ana")
    with db.connect() as conn:
        ids = sampling.sample_ids(conn, sample)
    for i, example_id in enumerate(ids):
        outcome = "rejected" if i < 5 else "approved"
        sampling.record_verdict(db, sample, _example(db, example_id), outcome=outcome, author="A")
    with db.connect() as conn:
        prog = sampling.progress(conn, sample)
        assert sampling.next_position(conn, sample) is None
    assert prog.done
    estimate = prog.error_rate()
    assert estimate.estimate == 0.5
    assert estimate.low == pytest.approx(0.2366, abs=1e-4)
    assert estimate.high == pytest.approx(0.7634, abs=1e-4)


def test_verdict_outside_the_sample_or_without_name_is_refused(db, completion_ds):
    sample = sampling.draw_sample(db, completion_ds, n=2, seed=1, author="Ana")
    with db.connect() as conn:
        ids = set(sampling.sample_ids(conn, sample))
    outside = next(i for i in range(1, 31) if i not in ids)
    with pytest.raises(UserError, match="not in review sample"):
        sampling.record_verdict(db, sample, _example(db, outside), outcome="approved", author="A")
    with pytest.raises(UserError, match="reviewer name"):
        sampling.record_verdict(db, sample, _example(db, min(ids)), outcome="approved", author="")


def _double(db, ds, n=12):
    sample = agreement.start_double_review(
        db, ds, n=n, seed=3, reviewers=("Ana", "Ben"), author="Cleo"
    )
    with db.connect() as conn:
        return sample, sampling.sample_ids(conn, sample)


def test_double_review_is_blind_and_kappa_matches_scikit_learn(db, completion_ds):
    sample, ids = _double(db, completion_ds)
    ana = ["pos", "neg", "neu", "pos", "pos", "neg", "neu", "neu", "pos", "neg", "pos", "neu"]
    ben = ["pos", "neg", "pos", "pos", "neg", "neg", "neu", "pos", "pos", "neg", "neu", "neu"]
    for example_id, a, b in zip(ids, ana, ben, strict=True):
        agreement.set_label(db, sample, example_id, reviewer="Ana", label=a)
        agreement.set_label(db, sample, example_id, reviewer="Ben", label=b)
    with db.connect() as conn:
        assert agreement.own_labels(conn, sample, reviewer="Ana") == dict(
            zip(ids, ana, strict=True)
        )
        assert set(agreement.own_labels(conn, sample, reviewer="Ben").values()) <= {
            "pos",
            "neg",
            "neu",
        }
        (pair,) = agreement.kappa_by_pair(conn, sample)
        disputes = agreement.disagreements(conn, sample)
    assert (pair.reviewer_a, pair.reviewer_b, pair.n_common) == ("Ana", "Ben", 12)
    assert pair.kappa == pytest.approx(cohen_kappa_score(ana, ben))
    assert pair.agreement == pytest.approx(8 / 12)
    assert [d.example_id for d in disputes] == [
        i for i, a, b in zip(ids, ana, ben, strict=True) if a != b
    ]
    assert disputes[0].labels == {"Ana": "neu", "Ben": "pos"}


def test_relabelling_replaces_my_own_label(db, completion_ds):
    sample, ids = _double(db, completion_ds, n=2)
    agreement.set_label(db, sample, ids[0], reviewer="Ana", label="pos")
    agreement.set_label(db, sample, ids[0], reviewer="Ana", label="neg")
    with db.connect() as conn:
        assert agreement.own_labels(conn, sample, reviewer="Ana") == {ids[0]: "neg"}


def test_only_assigned_reviewers_label_and_only_a_third_person_settles(db, completion_ds):
    sample, ids = _double(db, completion_ds, n=3)
    with pytest.raises(UserError, match="not one of"):
        agreement.set_label(db, sample, ids[0], reviewer="Dan", label="pos")
    agreement.set_label(db, sample, ids[0], reviewer="Ana", label="positive")
    agreement.set_label(db, sample, ids[0], reviewer="Ben", label="negative")
    example = _example(db, ids[0])
    with pytest.raises(UserError, match="third person"):
        agreement.settle(db, sample, example, label="positive", author="Ana")
    settled = agreement.settle(db, sample, example, label="negative", author="Cleo")
    assert settled.data["completion"] == " negative" and settled.status == "approved"
    with db.connect() as conn:
        (dispute,) = agreement.disagreements(conn, sample)
        revs = list_revisions(conn, ids[0])
    assert (dispute.settled_label, dispute.settled_by) == ("negative", "Cleo")
    assert revs[-1].author == "Cleo" and "settled" in revs[-1].reason


def test_double_review_needs_two_different_reviewers(db, completion_ds):
    with pytest.raises(UserError, match="two different reviewers"):
        agreement.start_double_review(
            db, completion_ds, n=3, seed=1, reviewers=("Ana", " Ana "), author="Ana"
        )
