"""The Providers service as each role: only an admin changes providers, prices and limits;
everyone with a role reads them; a refused change says why and writes nothing."""

from __future__ import annotations

import pytest

from lib.core.identity import PermissionDeniedError
from lib.providers import service
from tests.unit.actors import ADMIN, REVIEWER, TRAINER, VIEWER

TEAM = service.ProviderConfig(name="Team", kind="compatible", base_url="http://127.0.0.1:9/v1")


def _names(db) -> list[str]:
    return [p.name for p in service.providers(db, actor=VIEWER)]


@pytest.mark.parametrize("actor", [TRAINER, REVIEWER, VIEWER])
def test_only_an_admin_changes_providers(db, actor):
    with pytest.raises(PermissionDeniedError, match="You cannot change the providers"):
        service.save_provider(db, TEAM, actor=actor)
    assert _names(db) == [service.ENGINE_NAME]
    service.save_provider(db, TEAM, actor=ADMIN)
    with pytest.raises(PermissionDeniedError, match="needs the admin role"):
        service.make_default(db, "Team", actor=actor)
    with pytest.raises(PermissionDeniedError, match="cannot remove a provider"):
        service.remove_provider(db, "Team", actor=actor)
    assert service.the_default(db, actor=actor).name == service.ENGINE_NAME
    assert _names(db) == [service.ENGINE_NAME, "Team"]
    assert service.make_default(db, "Team", actor=ADMIN).name == "Team"
    service.remove_provider(db, "Team", actor=ADMIN)
    assert _names(db) == [service.ENGINE_NAME]


@pytest.mark.parametrize("actor", [TRAINER, REVIEWER, VIEWER])
def test_only_an_admin_changes_prices_and_limits(db, actor):
    table = service.price_table(db, actor=actor)
    rows = [dict(r, train=999.0) for r in service.pricing.table_rows(table)]
    with pytest.raises(PermissionDeniedError, match="You cannot change the prices"):
        service.save_prices(db, rows, read_on="2026-11-30", source="test", actor=actor)
    assert service.price_table(db, actor=actor) == table
    with pytest.raises(PermissionDeniedError, match="cannot change the context limits"):
        service.save_context_limits(db, {"m": 1000}, actor=actor)
    assert "m" not in service.context_limits(db, actor=actor)
    saved = service.save_prices(db, rows, read_on="2026-11-30", source="test", actor=ADMIN)
    assert saved.edited and service.price_table(db, actor=actor).edited
    assert service.save_context_limits(db, {"m": 1000}, actor=ADMIN)["m"] == 1000
