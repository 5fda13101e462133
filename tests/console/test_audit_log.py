"""The audit log page: every change listed newest first, filtered by actor, action and entity;
unknown filter values refused; admins and finance only."""

from __future__ import annotations

import re

import httpx

from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.catalog.search.conftest import Item, Pool
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import make_user

ENTRY = re.compile(r'<td class="actor">([^<]*)</td><td class="action" data-action="([^"]*)">')


async def test_changes_are_listed_and_filtered(
    hcm_url: str, pool: Pool, database: Database
) -> None:
    first, second = await pool.add(Item("华为 手机 审计一"), Item("华为 手机 审计二"))
    await make_user(database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    await make_user(database, "finance1", "finance-pass-1", role=Role.FINANCE)
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "operator1", "operator-pass-1").status_code == 303
        token = csrf_token_of(client, "/admin/catalog/pool")
        for product_id in (first, second):
            client.post(f"/admin/catalog/products/{product_id}/pause", data={"csrf_token": token})
        assert client.get("/admin/audit-log").status_code == 403  # not the operator's page
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "finance1", "finance-pass-1").status_code == 303
        everything = client.get("/admin/audit-log").text
        by_operator = client.get("/admin/audit-log", params={"actor": "operator1"}).text
        one = client.get(
            "/admin/audit-log", params={"target_type": "product", "target_id": str(second)}
        ).text
        unknown = client.get(
            "/admin/audit-log", params={"action": "drop.tables"}, headers={"accept": "text/html"}
        )
        oldest_first = client.get("/admin/audit-log", params={"direction": "asc"}).text
    by_whom = [e for e in ENTRY.findall(everything) if e[0] == "operator1"]
    assert by_whom == [  # newest first
        ("operator1", "product.status"),
        ("operator1", "product.status"),
        ("operator1", "user.login"),
    ]
    assert {name for name, _ in ENTRY.findall(by_operator)} == {"operator1"}
    assert len(ENTRY.findall(one)) == 1 and f"商品 #{second}" in one
    assert unknown.status_code == 422 and "操作：请从列表中选择" in unknown.text
    assert ENTRY.findall(oldest_first)[0][0] == "test-admin"  # the fixtures' own rows first
