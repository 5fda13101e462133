from __future__ import annotations

from collections.abc import Iterator

import pytest

from hive.apps.hcm import create_hcm_app
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.catalog.search.conftest import Pool, _prepared_pool
from tests.support.distribution import share_default_pool
from tests.support.factories import make_tenant, make_user
from tests.support.servers import running_server


@pytest.fixture
async def accounts(database: Database) -> dict[str, int]:
    acme = await make_tenant(database, "acme")
    globex = await make_tenant(database, "globex")
    await make_user(database, "admin", "admin-pass-1", role=Role.PLATFORM_ADMIN)
    await make_user(database, "acme-admin", "acme-pass-1", tenant_id=acme)
    await make_user(database, "globex-admin", "globex-pass-1", tenant_id=globex)
    return {"acme": acme, "globex": globex}


@pytest.fixture
def hcm_url(settings: Settings, accounts: dict[str, int]) -> Iterator[str]:
    with running_server(create_hcm_app(settings, settings.database_url)) as url:
        yield url


@pytest.fixture
async def pool(database: Database, accounts: dict[str, int]) -> Pool:
    """Pool products for the workbench pages (the search tests' pool, categories included),
    all of them in the default distribution pool, which both tenants are given."""
    prepared = await _prepared_pool(database)
    await share_default_pool(database, accounts.values())
    return prepared
