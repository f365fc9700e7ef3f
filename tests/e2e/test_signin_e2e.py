"""Sign-in through a real OIDC provider on loopback, in Chromium: the verified identity names
the changes, roles come from config and the Team screen, viewers find nothing to change, a
reviewer cannot launch a job, and a double review stays blind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import AppServer
from tests.e2e.helpers import assert_no_exception, wait_for_idle
from tests.e2e.oidc import OidcProvider, oidc_provider, sign_in, signed_in_server  # noqa: F401

pytestmark = pytest.mark.timeout(600)

ADMIN = "boss@example.com"


@pytest.fixture(scope="module")
def team_server(
    tmp_path_factory: pytest.TempPathFactory,
    oidc_provider: OidcProvider,  # noqa: F811
) -> Iterator[AppServer]:
    server = signed_in_server(tmp_path_factory.mktemp("team"), oidc_provider, admins=ADMIN)
    try:
        yield server
    finally:
        server.stop()


def test_sign_in_shows_identity_and_role(team_server: AppServer, page) -> None:  # noqa: ANN001
    page.goto(team_server.url)
    wait_for_idle(page)
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.get_by_text("Local mode").count() == 0
    sign_in(page, team_server.url, ADMIN)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert ADMIN in sidebar.inner_text()
    assert "Role: admin" in sidebar.inner_text()
    assert page.get_by_label("Your name (recorded with every change)").count() == 0
    assert_no_exception(page)


REVIEWERS = ("ana@example.com", "bea@example.com")


def _store(server: AppServer):  # noqa: ANN202
    from lib.core.db import create_engine_for
    from lib.core.migrations import migrate

    engine = create_engine_for(f"sqlite:///{server.data_dir / 'tunelab.db'}")
    migrate(engine)  # the app may not have opened its store yet; migrating twice is harmless
    return engine


def _dataset_id(engine, name: str) -> int:  # noqa: ANN001
    """A sample dataset's id, once the app has loaded the samples (on its first page view)."""
    import time

    from lib.datasets.repo import find_dataset

    deadline = time.monotonic() + 120
    while True:
        with engine.connect() as conn:
            found = find_dataset(conn, name)
        if found is not None or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert found is not None, f"the app did not load {name}"
    return found.id


def _first_view(server: AppServer, browser) -> None:  # noqa: ANN001
    """Open the app once so that it creates its store and loads the samples."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url)
    page.get_by_role("button", name="Sign in").wait_for(timeout=120_000)
    context.close()


def _pick(page, label: str, option: str) -> None:  # noqa: ANN001
    """Choose ``option`` (a part of its text) in the selectbox labelled ``label``."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.click()
    page.get_by_role("option").filter(has_text=option).first.click()
    wait_for_idle(page)


def _grant(page, app_url: str, person: str, role: str) -> None:  # noqa: ANN001
    page.goto(f"{app_url}/team")
    wait_for_idle(page)
    page.get_by_label("Email (or subject) they sign in with").fill(person)
    _pick(page, "Role", role)
    page.get_by_role("button", name="Grant role").click()
    wait_for_idle(page)
    page.get_by_text(f"{person} is now {role}.").wait_for()


def _label_next(page, label: str) -> None:  # noqa: ANN001
    _pick(page, "Label", "Another label")
    page.get_by_label("New label").fill(label)
    page.get_by_label("New label").press("Enter")
    wait_for_idle(page)
    page.get_by_role("button", name="Save label").click()
    wait_for_idle(page)
    page.get_by_text("Saved").first.wait_for()


def test_reviewer_labels_and_the_revision_names_them(team_server: AppServer, browser) -> None:  # noqa: ANN001
    import sqlalchemy as sa

    from lib.access import service
    from lib.core.tables import examples, revisions
    from tests.e2e.helpers import SAMPLE_REVIEWS

    admin_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    admin = admin_ctx.new_page()
    admin.set_default_timeout(60_000)
    sign_in(admin, team_server.url, ADMIN)
    for person in REVIEWERS:
        _grant(admin, team_server.url, person, "reviewer")
    store = _store(team_server)
    boss = service.actor_for(store, ADMIN, admins=[ADMIN])
    dataset_id = _dataset_id(store, SAMPLE_REVIEWS)
    single = service.create_queue(
        store,
        boss,
        dataset_id,
        reviewers=[REVIEWERS[0]],
        overlap=1,
        selection=service.Selection(sample=2, seed=1),
        name="Single pass",
    )

    ana_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ana = ana_ctx.new_page()
    ana.set_default_timeout(60_000)
    sign_in(ana, team_server.url, REVIEWERS[0], path="queue")
    assert "Role: reviewer" in ana.locator('[data-testid="stSidebar"]').inner_text()
    ana.get_by_text("0 of 2 labelled").wait_for()
    first = service.my_queues(store, service.actor_for(store, REVIEWERS[0]))[0].items[0]
    _label_next(ana, "sarcastic")
    ana.get_by_text("1 of 2 labelled").wait_for()
    assert_no_exception(ana)
    with store.connect() as conn:
        label = conn.execute(
            sa.select(examples.c.label).where(examples.c.id == first.example_id)
        ).scalar_one()
        author = (
            conn.execute(
                sa.select(revisions.c.author)
                .where(revisions.c.example_id == first.example_id)
                .order_by(revisions.c.id.desc())
            )
            .scalars()
            .first()
        )
    assert (label, author) == ("sarcastic", REVIEWERS[0])
    assert single.id

    # The admin finds the edit, by the verified identity, in the activity.
    admin.goto(f"{team_server.url}/activity")
    wait_for_idle(admin)
    _pick(admin, "Person", REVIEWERS[0])
    grid = admin.locator('[data-testid="stDataFrame"]')
    grid.wait_for()
    admin.wait_for_function("() => document.querySelector('[data-testid=stDataFrame]') !== null")
    csv = _grid_text(admin)
    assert "edited example" in csv and REVIEWERS[0] in csv
    admin_ctx.close()
    ana_ctx.close()
    store.dispose()


def _open_my_labels(page) -> None:  # noqa: ANN001
    summary = page.locator('[data-testid="stExpander"] summary').filter(
        has_text="My labels in this queue"
    )
    summary.wait_for()
    if summary.get_attribute("aria-expanded") != "true":
        summary.click()
        wait_for_idle(page)
    page.locator('[data-testid="stExpander"] [data-testid="stDataFrame"] table').first.wait_for(
        state="attached"
    )


def _grid_text(page) -> str:  # noqa: ANN001
    """The data grid's cells as text (the grid draws on a canvas; its a11y table holds them)."""
    return page.locator('[data-testid="stDataFrame"] table').first.inner_text()


def test_double_review_stays_blind_until_settled(team_server: AppServer, browser) -> None:  # noqa: ANN001
    from lib.access import service
    from tests.e2e.helpers import SAMPLE_REVIEWS

    _first_view(team_server, browser)
    store = _store(team_server)
    boss = service.actor_for(store, ADMIN, admins=[ADMIN])
    for person in REVIEWERS:
        service.grant_role(store, boss, person, "reviewer", admins=[ADMIN])
    queue = service.create_queue(
        store,
        boss,
        _dataset_id(store, SAMPLE_REVIEWS),
        reviewers=REVIEWERS,
        overlap=2,
        selection=service.Selection(sample=2, seed=5),
        name="Double review",
    )
    pages = {}
    for person in REVIEWERS:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        sign_in(page, team_server.url, person, path="queue")
        _pick(page, "Queue", "Double review")
        pages[person] = page
    ana, bea = (pages[p] for p in REVIEWERS)
    _label_next(ana, "ana-thinks-odd")
    ana.get_by_text("1 of 2 labelled").wait_for()
    bea.reload()
    wait_for_idle(bea)
    _pick(bea, "Queue", "Double review")
    bea.get_by_text("0 of 2 labelled").wait_for()
    _open_my_labels(bea)
    assert "ana-thinks-odd" not in bea.locator("body").inner_text()
    assert "ana-thinks-odd" not in _grid_text(bea)
    _label_next(bea, "bea-thinks-even")
    ana.reload()
    wait_for_idle(ana)
    _pick(ana, "Queue", "Double review")
    _open_my_labels(ana)
    assert "bea-thinks-even" not in ana.locator("body").inner_text() + _grid_text(ana)
    # The admin sees both labels side by side and settles.
    report = service.queue_report(store, boss, queue.id)
    (disagreement,) = report.disagreements
    assert set(disagreement.labels.values()) == {"ana-thinks-odd", "bea-thinks-even"}
    for page in pages.values():
        page.context.close()
    store.dispose()


# Tables that reads fill (a cache of computed findings), not changes anyone made.
DERIVED = {"check_findings"}


def _fingerprint(engine) -> dict[str, int]:  # noqa: ANN001
    """Rows per table and the examples' versions: any change made anywhere shows here."""
    import sqlalchemy as sa

    out: dict[str, int] = {}
    with engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            if name in DERIVED:
                continue
            out[name] = conn.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
        # The store's own id, claimed once by the first launch check (a read): not a change.
        from lib.train.request import STORE_ID_SETTING

        out["app_settings"] = conn.execute(
            sa.text("SELECT COUNT(*) FROM app_settings WHERE key != :k"), {"k": STORE_ID_SETTING}
        ).scalar_one()
        out["example versions"] = conn.execute(
            sa.text("SELECT COALESCE(SUM(version), 0) FROM examples")
        ).scalar_one()
    return out


MAIN_BUTTONS = (
    '[data-testid="stMain"] button[data-testid^="stBaseButton"]'
    ':not([data-testid="stBaseButton-elementToolbar"]):visible'
)


def test_a_viewer_finds_no_way_to_change_anything(team_server: AppServer, page) -> None:  # noqa: ANN001
    """Signed in without a role: every button on every page is pressed; nothing changes."""
    from tests.e2e.test_injection_e2e import PAGES

    sign_in(page, team_server.url, "val@example.com")
    assert "Role: viewer" in page.locator('[data-testid="stSidebar"]').inner_text()
    store = _store(team_server)
    before = _fingerprint(store)
    for path in PAGES:
        page.goto(f"{team_server.url}/{path}")
        wait_for_idle(page)
        for i in range(40):
            buttons = page.locator(MAIN_BUTTONS)
            if i >= buttons.count():
                break
            button = buttons.nth(i)
            if button.is_enabled():
                button.click(timeout=10_000)
                wait_for_idle(page)
        assert_no_exception(page)
    assert _fingerprint(store) == before
    page.goto(f"{team_server.url}/team")
    wait_for_idle(page)
    page.get_by_text("only admins manage the team").wait_for()
    store.dispose()


def test_a_reviewer_cannot_launch_a_job(team_server: AppServer, browser, page) -> None:  # noqa: ANN001
    """The Fine-tune screen, signed in as a reviewer: the launch is refused, no job is written."""
    import sqlalchemy as sa

    from lib.access import service
    from tests.e2e.helpers import snapshot_sample_reviews

    _first_view(team_server, browser)
    store = _store(team_server)
    boss = service.actor_for(store, ADMIN, admins=[ADMIN])
    service.grant_role(store, boss, "rita@example.com", "reviewer", admins=[ADMIN])
    snapshot_sample_reviews(team_server.data_dir, name="reviewer launch")
    sign_in(page, team_server.url, "rita@example.com", path="train")
    review = page.get_by_role("button", name="Review checks and cost")
    review.wait_for(timeout=120_000)
    review.click()
    wait_for_idle(page)
    override = page.get_by_text("I have read the warnings and want to launch anyway")
    if override.count():
        override.click()
        wait_for_idle(page)
    launch = page.get_by_role("button", name="Launch fine-tuning job")
    launch.wait_for()
    if launch.is_enabled():
        launch.click()
        wait_for_idle(page)
        page.get_by_text("You cannot launch a fine-tuning job").first.wait_for()
    assert_no_exception(page)
    with store.connect() as conn:
        jobs = conn.execute(sa.text("SELECT COUNT(*) FROM train_jobs")).scalar_one()
    assert jobs == 0
    store.dispose()
