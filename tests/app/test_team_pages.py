"""AppTest of Team, My queue and Activity in local mode (the one local person holds every
role): grant a role, assign a queue with overlap, label through My queue, see the activity."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from lib.core.paths import REPO_ROOT
from tests.unit.review.conftest import make_completion_dataset

TEAM = str(REPO_ROOT / "pages" / "team.py")
QUEUE = str(REPO_ROOT / "pages" / "queue.py")
ACTIVITY = str(REPO_ROOT / "pages" / "activity.py")


def _run(at: AppTest) -> AppTest:
    at.run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _shown(text: str) -> str:
    """What a person reads: the markdown escapes and invisible word joiners removed."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


def _said(elements) -> list[str]:  # noqa: ANN001
    return [_shown(e.value) for e in elements]


def _as(path: str, name: str) -> AppTest:
    at = AppTest.from_file(path)
    at.session_state["reviewer_name"] = name
    return _run(at)


def test_without_a_name_the_screens_ask_for_one(app_store) -> None:  # noqa: ANN001
    at = _run(AppTest.from_file(QUEUE))
    assert any("Type your name" in i for i in _said(at.info))
    at = _run(AppTest.from_file(TEAM))
    assert any("only admins" in i for i in _said(at.info))


def test_grant_assign_label_and_see_the_activity(app_store) -> None:  # noqa: ANN001
    from lib.access import service

    make_completion_dataset(app_store, n=9, name="reviews")
    at = _as(TEAM, "Ana")
    email = next(t for t in at.text_input if t.label.startswith("Email"))
    email.set_value("bea@example.com")
    next(b for b in at.button if b.label == "Grant role").click()
    _run(at)
    assert "bea@example.com is now reviewer." in _said(at.success)
    boss = service.actor_for(app_store, "x", admins=["x"])
    grants = service.list_grants(app_store, boss)
    assert [(g.person, g.role.value) for g in grants] == [("bea@example.com", "reviewer")]

    # A queue for the local person: every example, overlap 1.
    extra = next(t for t in at.text_input if t.label.startswith("More reviewers"))
    extra.set_value("Ana")
    next(b for b in at.button if b.label == "Assign queue").click()
    _run(at)
    assert any("9 examples to 1 reviewers" in s for s in _said(at.success)), _said(at.success)

    at = _as(QUEUE, "Ana")
    assert any("0 of 9 labelled" in (p.proto.text or "") for p in at.get("progress"))
    next(b for b in at.selectbox if b.label == "Label").set_value("Another label…")
    _run(at)
    new = next(t for t in at.text_input if t.label == "New label")
    new.set_value("odd")
    _run(at)
    next(b for b in at.button if b.label == "Save label").click()
    _run(at)
    assert any("1 of 9 labelled" in (p.proto.text or "") for p in at.get("progress"))

    at = _as(ACTIVITY, "Ana")
    frame = at.dataframe[0].value
    assert "Ana (unverified)" in set(frame["Who"])
    assert "labelled in queue" in set(frame["What"])
