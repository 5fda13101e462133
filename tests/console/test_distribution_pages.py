"""Operators' distribution pool pages over real HTTP: create a pool, add categories, assign it,
switch it off; bad input refused with the field named and nothing written; finance reads only,
tenants cannot open them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import text

from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.catalog.search.conftest import Pool
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import make_user

POOLS = "/admin/catalog/distribution"
POOL_LINK = re.compile(r'href="/admin/catalog/distribution/(\d+)"')


@contextmanager
def staff(
    url: str, username: str = "admin", password: str = "admin-pass-1"
) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as client:
        assert sign_in(client, username, password).status_code == 303
        yield client


def post(client: httpx.Client, path: str, **data: str) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf_token_of(client, POOLS), **data})


async def counts(database: Database) -> tuple[int, ...]:
    async with database.platform_transaction() as session:
        row = (
            await session.execute(
                text(
                    "SELECT (SELECT count(*) FROM distribution_pools WHERE name <> '默认池'),"
                    " (SELECT count(*) FROM distribution_pool_categories),"
                    " (SELECT count(*) FROM distribution_assignments a JOIN distribution_pools p"
                    "   ON p.id = a.pool_id WHERE p.name <> '默认池')"
                )
            )
        ).one()
    return tuple(row)


async def test_an_operator_creates_fills_and_assigns_a_category_pool(
    hcm_url: str, pool: Pool, database: Database, accounts: dict[str, int]
) -> None:
    with staff(hcm_url) as client:
        created = post(client, POOLS, name="数码池", kind="category", description="手机与配件")
        assert created.status_code == 303
        detail_path = created.headers["location"]
        assert post(client, f"{detail_path}/members/add", ids="2，3").status_code == 303
        assigned = post(client, f"{detail_path}/assignments", tenant_id=str(accounts["acme"]))
        assert assigned.status_code == 303
        detail = client.get(detail_path)
        assert "手机通讯" in detail.text and "企业 acme" in detail.text and "已分配" in detail.text
        listing = client.get(POOLS)
        assert "数码池" in listing.text and "分类池" in listing.text
        off = post(client, f"{detail_path}/deactivate")
        assert off.status_code == 303 and "停用" in client.get(detail_path).text
    assert await counts(database) == (1, 2, 1)


async def test_bad_pool_input_names_the_field_and_writes_nothing(
    hcm_url: str, pool: Pool, database: Database
) -> None:
    with staff(hcm_url) as client:
        created = post(client, POOLS, name="专属池", kind="exclusive")
        detail_path = created.headers["location"]
        cases = [
            (POOLS, {"name": "", "kind": "category"}, "必填"),
            (POOLS, {"name": "x", "kind": "vip"}, "请从列表中选择"),
            (POOLS, {"name": "专属池", "kind": "exclusive"}, "分销池名称已存在"),
            (f"{detail_path}/members/add", {"ids": "abc"}, "ID：须为整数"),
            (f"{detail_path}/members/add", {"ids": "999999999"}, "ID：不存在：999999999"),
            (f"{detail_path}/members/add", {"ids": " "}, "ID：必填"),
            (f"{detail_path}/assignments", {}, "请选择一个客户等级或一个客户"),
            (f"{detail_path}/assignments", {"tenant_id": "-1"}, "客户 ID：不能小于 1"),
        ]
        for path, data, problem in cases:
            answer = post(client, path, **data)
            assert answer.status_code in (409, 422), (path, data, answer.status_code)
            assert problem in answer.text, (path, data)
        assert client.get(f"{POOLS}/{10**12}").status_code == 404
    assert await counts(database) == (1, 0, 0)


async def test_finance_reads_pools_and_tenants_cannot_open_them(
    hcm_url: str, pool: Pool, database: Database
) -> None:
    await make_user(database, "finance1", "correct-horse-1", role=Role.FINANCE)
    with staff(hcm_url, "finance1", "correct-horse-1") as client:
        listing = client.get(POOLS)
        assert listing.status_code == 200 and 'id="create-pool"' not in listing.text
        refused = post(client, POOLS, name="财务池", kind="exclusive")
        assert refused.status_code == 403
    with staff(hcm_url, "acme-admin", "acme-pass-1") as client:
        assert client.get(POOLS).status_code == 403
    assert await counts(database) == (0, 0, 0)
