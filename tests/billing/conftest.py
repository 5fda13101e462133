from __future__ import annotations

from collections.abc import Iterator

import pytest

from hive.apps.hcm import create_hcm_app
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.support.factories import make_tenant, make_user
from tests.support.servers import running_server


@pytest.fixture
async def people(database: Database) -> dict[str, int]:
    """Two tenants and one login per role (password: ``<username>-pass-1``)."""
    acme = await make_tenant(database, "acme")
    globex = await make_tenant(database, "globex")
    for username, role in (
        ("finance", Role.FINANCE),
        ("operator", Role.OPERATOR),
        ("admin", Role.PLATFORM_ADMIN),
    ):
        await make_user(database, username, f"{username}-pass-1", role=role)
    await make_user(database, "acme-admin", "acme-admin-pass-1", tenant_id=acme)
    await make_user(database, "globex-admin", "globex-admin-pass-1", tenant_id=globex)
    return {"acme": acme, "globex": globex}


@pytest.fixture
def hcm_url(settings: Settings, people: dict[str, int]) -> Iterator[str]:
    with running_server(create_hcm_app(settings, settings.database_url)) as url:
        yield url
