"""Apps and keys: the CLI prints the key and secret once as JSON and revokes; the demo data
gives tenant acme one working app; tenant admins manage only their own tenant's apps."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from hive.demo import DEMO_APP, seed_demo_data
from hive.openapi import service as openapi
from hive.openapi.errors import AppNotFound, AppRevoked
from hive.openapi.schemas import AppCreate
from hive.openapi.scopes import Scope
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import Role
from hive.platform.secret_key import load_secret_box
from tests.support.cli import CliResult, hive_in_process
from tests.support.factories import ADMIN, make_grade, make_tenant
from tests.support.openapi import (
    SECRET_KEY,
    IssuedApp,
    client_for,
    gateway_settings,
    make_app,
    running_gateway,
    sql,
)

pytestmark = pytest.mark.slow  # a real process: collected first (tests/conftest.py)


def _hive(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hive", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIVE_")}
    return env | {
        "HIVE_DATABASE_URL": database_url,
        "HIVE_DATA_DIR": str(tmp_path),
        "HIVE_SECRET_KEY": SECRET_KEY,
        "HIVE_OPEN_API_APP_CACHE_S": "0",
    }


def _hive_here(*args: str, database_url: str, tmp_path: Path) -> CliResult:
    """``hive ARGS`` in this process (``tests.support.cli``), with ``_env``'s settings; the
    create/sign/revoke test runs ``python -m hive``."""
    return hive_in_process(
        *args,
        database_url=database_url,
        data_dir=tmp_path,
        cwd=tmp_path,
        env={"HIVE_SECRET_KEY": SECRET_KEY, "HIVE_OPEN_API_APP_CACHE_S": "0"},
    )


async def test_the_cli_creates_an_app_that_signs_and_revokes_it(
    database: Database, database_url: str, settings: Settings, tmp_path: Path
) -> None:
    tenant_id = await make_tenant(database, "acme")
    env = _env(database_url, tmp_path)
    args = ["apps", "create", "--tenant", "acme", "--name", "ERP 对接", "--scopes", "catalog:read"]
    created = await asyncio.to_thread(_hive, *args, env=env, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    issued = json.loads(created.stdout)
    assert set(issued) == {"app_key", "app_secret"}
    app = IssuedApp(0, issued["app_key"], issued["app_secret"], tenant_id)
    with running_gateway(gateway_settings(settings)) as url:
        with client_for(url, app) as client:
            assert (await asyncio.to_thread(client.get, "/open/v1/categories")).status_code == 200
        revoked = await asyncio.to_thread(
            _hive, "apps", "revoke", issued["app_key"], env=env, cwd=tmp_path
        )
        assert revoked.returncode == 0, revoked.stderr
        with client_for(url, app) as client:
            response = await asyncio.to_thread(client.get, "/open/v1/categories")
    assert response.status_code == 401 and response.json()["code"] == "app_key_invalid"


async def test_the_cli_refuses_bad_input_with_one_line_and_writes_nothing(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    await make_tenant(database, "acme")
    cases = [
        (["--tenant", "nobody", "--name", "x"], "tenant_not_found"),
        (["--tenant", "acme", "--name", "x", "--scopes", "orders:everything"], "scopes"),
        (["--tenant", "acme", "--name", "x", "--ip-allow", "not-a-network"], "ip_allow"),
        (["--tenant", "acme", "--name", ""], "name"),
    ]
    for args, fragment in cases:
        result = _hive_here("apps", "create", *args, database_url=database_url, tmp_path=tmp_path)
        assert result.returncode == 2, (args, result.stdout)
        assert fragment in result.stderr and "Traceback" not in result.stderr
    unknown = _hive_here(
        "apps", "revoke", "aknothing", database_url=database_url, tmp_path=tmp_path
    )
    assert unknown.returncode == 2 and "app_not_found" in unknown.stderr
    async with database.platform_transaction() as session:
        assert (await session.execute(text("SELECT count(*) FROM open_apps"))).scalar_one() == 0


async def test_the_demo_gives_acme_one_app_that_signs(
    database: Database, settings: Settings
) -> None:
    open_settings = gateway_settings(settings)
    await seed_demo_data(database, open_settings)
    await seed_demo_data(database, open_settings)
    async with database.platform_transaction() as session:
        keys = (await session.execute(text("SELECT app_key FROM open_apps"))).scalars().all()
    assert keys == [DEMO_APP.app_key]
    app = IssuedApp(0, DEMO_APP.app_key, DEMO_APP.app_secret, 0)
    with running_gateway(open_settings) as url, client_for(url, app) as client:
        assert (await asyncio.to_thread(client.get, "/open/v1/categories")).status_code == 200


async def test_a_tenant_admin_manages_only_its_own_apps(
    database: Database, settings: Settings
) -> None:
    acme, globex = await make_tenant(database, "acme"), await make_tenant(database, "globex")
    theirs = await make_app(database, settings, globex)
    admin = Actor(user_id=None, username="acme-admin", role=Role.TENANT_ADMIN.value, tenant_id=acme)
    box = load_secret_box(settings)
    data = AppCreate(name="x", scopes=[Scope.CATALOG_READ])
    async with database.tenant_transaction(acme) as session:
        with pytest.raises(PermissionDenied):
            await openapi.create_app(session, admin, globex, data, box)
    async with database.tenant_transaction(acme) as session:
        # Row-level security hides the other tenant's app: not found, never revoked.
        with pytest.raises(AppNotFound):
            await openapi.revoke_app(session, admin, now=datetime.now(UTC), app_id=theirs.app_id)
        assert await openapi.list_apps(session, admin, acme) == []
        own = await openapi.create_app(session, admin, acme, data, box)
        assert [a.id for a in await openapi.list_apps(session, admin, acme)] == [own.app_id]
    async with database.tenant_transaction(acme) as session:
        found = (await session.execute(text("SELECT count(*) FROM open_apps"))).scalar_one()
        secrets = (
            await session.execute(text("SELECT count(*) FROM open_app_secrets"))
        ).scalar_one()
    assert (found, secrets) == (1, 1)


async def test_a_revoked_app_cannot_rotate(database: Database, settings: Settings) -> None:
    app = await make_app(database, settings, await make_tenant(database, "acme"))
    async with database.platform_transaction() as session:
        await openapi.revoke_app(session, ADMIN, now=datetime.now(UTC), app_id=app.app_id)
    async with database.platform_transaction() as session:
        with pytest.raises(AppRevoked):
            await openapi.rotate_secret(
                session,
                ADMIN,
                app.app_id,
                load_secret_box(settings),
                now=datetime.now(UTC),
                overlap=timedelta(hours=1),
            )


async def test_the_cli_sets_a_grade_limit_and_an_app_limit(
    database: Database, database_url: str, settings: Settings, tmp_path: Path
) -> None:
    grade_id = await make_grade(database, "金牌")
    app = await make_app(database, settings, await make_tenant(database, "acme", grade_id))
    at = {"database_url": database_url, "tmp_path": tmp_path}
    graded = _hive_here(
        "apps", "grade-limit", "--grade", "金牌", "--rate", "5", "--burst", "10", **at
    )
    assert graded.returncode == 0, graded.stderr
    limited = _hive_here("apps", "limit", app.app_key, "--rate", "2", "--burst", "3", **at)
    assert limited.returncode == 0, limited.stderr
    unknown = _hive_here(
        "apps", "grade-limit", "--grade", "无此等级", "--rate", "1", "--burst", "1", **at
    )
    assert unknown.returncode == 2 and "grade_not_found" in unknown.stderr
    refused = _hive_here("apps", "limit", app.app_key, "--rate", "0", "--burst", "3", **at)
    assert refused.returncode == 2 and "rate_per_s" in refused.stderr
    rows = await sql(database, "SELECT rate_per_s, burst FROM open_grade_rate_limits")
    assert rows == [(5.0, 10)]
    assert await sql(database, "SELECT rate_per_s, burst FROM open_apps") == [(2.0, 3)]
