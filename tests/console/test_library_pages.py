"""The tenant's library journey over real HTTP: browse the visible pool at its own price, add
one product, a page, a category; set its own retail price (refused below its cost); remove;
invisible products refused with nothing written; another tenant sees none of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import text

from hive.catalog.distribution.models import PoolKind
from hive.platform.db import Database
from tests.catalog.distribution.conftest import make_pool
from tests.catalog.search.conftest import Item, Pool
from tests.support.console import csrf_token_of, sign_in

POOL, LIBRARY = "/workbench/pool", "/workbench/library"
ITEM = re.compile(r'<tr data-item="(\d+)" class="(\w+)">')
ROW = re.compile(r'<tr data-product="(\d+)">')


@contextmanager
def acme(
    url: str, username: str = "acme-admin", password: str = "acme-pass-1"
) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as client:
        assert sign_in(client, username, password).status_code == 303
        yield client


def post(client: httpx.Client, path: str, **data: str | list[str]) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf_token_of(client, POOL), **data})


async def library_rows(database: Database) -> list[tuple[int, int, int]]:
    async with database.platform_transaction() as session:
        rows = await session.execute(
            text("SELECT tenant_id, product_id, retail_price_fen FROM library_items ORDER BY 1, 2")
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_a_tenant_builds_its_library_from_its_pools(
    hcm_url: str, pool: Pool, database: Database, accounts: dict[str, int]
) -> None:
    phone, charger, nuts = await pool.add(
        Item("华为 智能手机", "华为", 3, 4999_00, sales=9, stock={1: "in_stock"}),
        Item("手机充电器", "华为", 4, 199_00, sales=8, stock={1: "in_stock"}),
        Item("每日坚果", "三只松鼠", 12, 59_00, sales=7, stock={1: "in_stock"}),
    )
    with acme(hcm_url) as client:
        page = client.get(POOL, params={"sort": "sales"})
        assert ROW.findall(page.text) == [str(phone), str(charger), str(nuts)]
        assert "您的进货价" in page.text and 'id="add-page"' in page.text
        added = post(client, "/workbench/library/add", product_id=str(phone), back=POOL)
        assert added.status_code == 303 and added.headers["location"] == POOL
        assert "已加入商品库 1 件" in client.get(POOL).text
        assert "已在商品库" in client.get(POOL).text
        page_add = post(client, "/workbench/library/add", product_id=[str(phone), str(charger)])
        assert page_add.status_code == 303
        category = post(client, "/workbench/library/add-category", category_id="10")
        assert category.status_code == 303
        library = client.get(LIBRARY)
        assert sorted(ITEM.findall(library.text)) == sorted(
            (str(p), "available") for p in (phone, charger, nuts)
        )
        low = post(
            client, "/workbench/library/price", product_id=str(phone), retail_price="4998.99"
        )
        assert low.status_code == 422 and "零售价：不能低于您的进货价 ¥4,999.00" in low.text
        bad = post(client, "/workbench/library/price", product_id=str(phone), retail_price="1e3")
        assert bad.status_code == 422 and "零售价：须为最多两位小数的金额（元）" in bad.text
        saved = post(client, "/workbench/library/price", product_id=str(phone), retail_price="5299")
        assert saved.status_code == 303
        removed = post(client, "/workbench/library/remove", product_id=str(nuts))
        assert removed.status_code == 303
        detail = client.get(f"/workbench/products/{phone}")
        assert detail.status_code == 200 and 'id="in-library"' in detail.text
    tenant = accounts["acme"]
    assert await library_rows(database) == [
        (tenant, phone, 5299_00),
        (tenant, charger, 199_00),
    ]


async def test_products_outside_the_pools_are_refused_and_nothing_written(
    hcm_url: str, pool: Pool, database: Database, accounts: dict[str, int]
) -> None:
    [secret] = await pool.add(Item("globex 定制款", "定制", 12, 99_00))
    # The default pool shows it to both; take it out by making the default pool inactive and
    # giving it to globex alone through an exclusive pool.
    async with database.platform_transaction() as session:
        await session.execute(text("UPDATE distribution_pools SET active = false"))
    await make_pool(
        database, "globex 专属", PoolKind.EXCLUSIVE, [secret], tenants=[accounts["globex"]]
    )
    with acme(hcm_url) as client:
        assert ROW.findall(client.get(POOL).text) == []
        refused = post(client, "/workbench/library/add", product_id=str(secret))
        assert refused.status_code == 422 and f"不在您的分销池中：{secret}" in refused.text
        for value, problem in (("abc", "须为整数"), ("0", "不能小于 1"), ("", "必填")):
            answer = post(client, "/workbench/library/add", product_id=value)
            assert answer.status_code == 422 and problem in answer.text, value
        assert client.get(f"/workbench/products/{secret}").status_code == 404
        assert client.get(f"/workbench/products/{10**15}").status_code == 404
        english = client.post(
            "/workbench/library/add?lang=en",
            data={"csrf_token": csrf_token_of(client, POOL), "product_id": str(secret)},
        )
        assert "not in your distribution pools" in english.text
    with acme(hcm_url, "globex-admin", "globex-pass-1") as client:
        assert ROW.findall(client.get(POOL).text) == [str(secret)]
        assert post(client, "/workbench/library/add", product_id=str(secret)).status_code == 303
    with acme(hcm_url) as client:
        assert ITEM.findall(client.get(LIBRARY).text) == []
    assert [row[0] for row in await library_rows(database)] == [accounts["globex"]]


async def test_unavailable_items_are_listed_first_and_highlighted(
    hcm_url: str, pool: Pool, database: Database
) -> None:
    phone, charger = await pool.add(
        Item("华为 智能手机", "华为", 3, 4999_00, stock={1: "in_stock"}),
        Item("手机充电器", "华为", 4, 199_00, stock={1: "in_stock"}),
    )
    with acme(hcm_url) as client:
        post(client, "/workbench/library/add", product_id=[str(phone), str(charger)])
        async with database.platform_transaction() as session:
            await session.execute(
                text("UPDATE products SET on_shelf = false WHERE id = :id"), {"id": charger}
            )
            from hive.catalog.library import availability

            await availability.products_changed(session, [charger])
        library = client.get(LIBRARY)
        unavailable = client.get(LIBRARY, params={"status": "unavailable"})
        refused = client.get(LIBRARY, params={"status": "gone"})
        unknown = client.get(LIBRARY, params={"colour": "red"})
    assert ITEM.findall(library.text)[0] == (str(charger), "unavailable")
    assert "供应商已下架" in library.text
    assert ITEM.findall(unavailable.text) == [(str(charger), "unavailable")]
    assert refused.status_code == 422 and unknown.status_code == 422
