"""Finance staff may open the operator pages but not change the pool or its rules (the
permission matrix, seen from the console)."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from hive.catalog.models import Product, SelectionRule
from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.catalog.search.conftest import Item, Pool
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import make_user


async def test_finance_gets_403_on_pool_and_rule_changes(
    database: Database, hcm_url: str, pool: Pool
) -> None:
    (product_id,) = await pool.add(Item("华为 智能手机 财务不可暂停"))
    await make_user(database, "finance1", "finance-pass-1", role=Role.FINANCE)
    await make_user(database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "finance1", "finance-pass-1").status_code == 303
        assert client.get("/admin/catalog/pool").status_code == 200  # reading is allowed
        token = csrf_token_of(client, "/admin/catalog/rules")
        paused = client.post(
            f"/admin/catalog/products/{product_id}/pause", data={"csrf_token": token}
        )
        created = client.post(
            "/admin/catalog/rules",
            data={
                "csrf_token": token,
                "name": "财务的规则",
                "supplier_id": str(pool.supplier_id),
                "conditions": '{"keywords": ["手机"]}',
            },
        )
    assert paused.status_code == 403 and created.status_code == 403
    async with database.platform_transaction() as session:
        assert (await session.get(Product, product_id)).status == "active"  # type: ignore[union-attr]
        assert await session.scalar(select(func.count()).select_from(SelectionRule)) == 0
    with httpx.Client(base_url=hcm_url, timeout=30) as client:  # an operator may
        assert sign_in(client, "operator1", "operator-pass-1").status_code == 303
        token = csrf_token_of(client, "/admin/catalog/rules")
        paused = client.post(
            f"/admin/catalog/products/{product_id}/pause", data={"csrf_token": token}
        )
    assert paused.status_code == 303


async def test_finance_reads_the_pricing_page_without_forms_it_may_not_send(
    database: Database, hcm_url: str
) -> None:
    """Finance reads prices: the page offers it no change (each would answer 403) and no link
    to the jobs list it may not open; an operator's page has them all."""
    await make_user(database, "finance1", "finance-pass-1", role=Role.FINANCE)
    await make_user(database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    changes = ("/admin/pricing/floors", "/admin/pricing/reprice", "/admin/pricing/rules/new")
    for username, password, offered in (
        ("finance1", "finance-pass-1", False),
        ("operator1", "operator-pass-1", True),
    ):
        with httpx.Client(base_url=hcm_url, timeout=30) as client:
            assert sign_in(client, username, password).status_code == 303
            page = client.get("/admin/pricing").text
        assert [path in page for path in changes] == [offered] * 3, username
        assert ('href="/admin/jobs?' in page) is offered, username
        assert ('method="post"' in page.partition('id="content"')[2]) is offered, username
