"""The tenant workbench's pool page over real HTTP: market prices only, active products only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from hive.catalog.search.routes import tenant_pool_query
from hive.catalog.search.service import InvalidPoolQuery, PoolQuery, ProductStatus
from hive.platform.db import Database
from tests.catalog.search.conftest import Item, Pool
from tests.support.console import sign_in

PAGE = "/workbench/pool"
ROW = re.compile(r'<tr data-product="(\d+)">')
# Purchase price = retail * 0.8 in the pool fixture: ¥1,543.22 retail, ¥1,234.57 purchase.
RETAIL, RETAIL_TEXT, PURCHASE_TEXT = 154_322, "1,543.22", "1,234.57"


@contextmanager
def signed_in(url: str, username: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as client:
        assert sign_in(client, username, password).status_code == 303
        yield client


async def test_tenant_sees_active_products_at_market_price_never_the_purchase_price(
    hcm_url: str, pool: Pool
) -> None:
    active, paused, removed, off_shelf = await pool.add(
        Item("华为 智能手机 星耀黑", "华为", 3, RETAIL, sales=9),
        Item("华为 手机支架 暂停款", "华为", 4, 49_00, sales=8, status="paused"),
        Item("华为 老款手机 已移出", "华为", 3, 899_00, sales=7, status="removed"),
        Item("小米 手机壳 已下架", "小米", 4, 29_00, sales=6, on_shelf=False),
    )
    with signed_in(hcm_url, "acme-admin", "acme-pass-1") as client:
        assert 'href="/workbench/pool"' in client.get("/").text
        page = client.get(PAGE)
        found = client.get(PAGE, params={"keyword": "手机", "sort": "price_desc"})
        english = client.get(PAGE, params={"lang": "en"})
    assert page.status_code == 200
    assert ROW.findall(page.text) == [str(active), str(off_shelf)]
    html = page.text
    assert f"¥{RETAIL_TEXT}" in html and "市场价" in html and 'id="price-note"' in html
    assert PURCHASE_TEXT not in html and "1234.57" not in html and "采购价" not in html
    assert "T000001" not in html and "search-test" not in html  # supplier SKU and name
    assert "暂停款" not in html and "已移出" not in html
    assert "共 2 件商品" in html
    assert '<td class="sellable">可售</td>' in html and '<td class="unsellable">不可售</td>' in html
    assert "/workbench/pool?page=1&amp;brand=%E5%8D%8E%E4%B8%BA" in html  # brand facet 华为
    assert str(paused) not in ROW.findall(html) and str(removed) not in ROW.findall(html)
    assert ROW.findall(found.text) == [str(active), str(off_shelf)]
    assert PURCHASE_TEXT not in found.text
    assert "Market price" in english.text and PURCHASE_TEXT not in english.text


async def test_products_a_tenant_is_shown_are_kept_fresh_as_viewed(
    hcm_url: str, pool: Pool, database: Database
) -> None:
    shown, hidden = await pool.add(
        Item("华为 智能手机 星耀黑", "华为", 3, RETAIL),
        Item("华为 手机支架 暂停款", "华为", 4, 49_00, status="paused"),
    )
    with signed_in(hcm_url, "acme-admin", "acme-pass-1") as client:
        assert client.get(PAGE).status_code == 200
    async with database.platform_transaction() as session:
        rows = await session.execute(
            text("SELECT id, last_viewed_at IS NOT NULL FROM products WHERE id = ANY(:ids)"),
            {"ids": [shown, hidden]},
        )
        viewed = {row[0]: row[1] for row in rows}
    assert viewed == {shown: True, hidden: False}  # the active refresh picks the shown one


async def test_a_large_pool_shows_a_capped_total_and_pages(
    hcm_url: str, pool: Pool, database: Database
) -> None:
    async with database.platform_transaction() as session:
        await session.execute(
            text(
                "INSERT INTO products (supplier_id, supplier_sku, name, brand, category_id, "
                "image_url, images, attributes, purchase_price_fen, retail_price_fen, sales, "
                "on_shelf, in_supplier_pool, stock, status) SELECT :supplier, 'B' || n, "
                "'批量商品 ' || n, '', 3, '', '[]', '{}', 100, 200, n, true, true, '{}', 'active' "
                "FROM generate_series(1, 1001) AS n"
            ),
            {"supplier": pool.supplier_id},
        )
    with signed_in(hcm_url, "globex-admin", "globex-pass-1") as client:
        second = client.get(PAGE, params={"sort": "sales", "page": "2"})
    assert second.status_code == 200
    assert "共 1,000+ 件商品" in second.text
    assert "批量商品 981<" in second.text and "批量商品 980<" in second.text
    assert len(ROW.findall(second.text)) == 20
    assert '<span id="page">第 2 / 50 页</span>' in second.text  # 1,000 counted, 20 a page
    assert 'id="previous" href="/workbench/pool?sort=sales&amp;page=1"' in second.text
    assert 'id="next" href="/workbench/pool?sort=sales&amp;page=3"' in second.text


def test_only_signed_in_tenant_users_open_the_workbench(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as anonymous:
        response = anonymous.get(PAGE)
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    with signed_in(hcm_url, "admin", "admin-pass-1") as staff:
        refused = staff.get(PAGE)
        assert 'href="/workbench/pool"' not in staff.get("/").text
    assert refused.status_code == 403 and "没有权限" in refused.text


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"page": "0"}, "页码：不能小于 1"),
        ({"page": "²"}, "页码：须为整数（数字 0-9）"),
        ({"category_id": "-3"}, "分类：不能小于 1"),
        ({"min_yuan": "abc"}, "最低价（元）：须为最多两位小数的金额（元）"),
        ({"min_yuan": "9", "max_yuan": "1"}, "最高价：不能低于最低值"),
        ({"status": "removed"}, "状态：此处不可用"),
        ({"sort": "random"}, "排序：请从列表中选择"),
        ({"keyword": "手" * 65}, "关键词：最多 64 个字符"),
        ({"page": "300"}, "页码：不能大于 250"),
    ],
)
def test_bad_search_input_is_refused_with_the_problem_shown(
    hcm_url: str, params: dict[str, str], problem: str
) -> None:
    with signed_in(hcm_url, "acme-admin", "acme-pass-1") as client:
        response = client.get(PAGE, params=params)
    assert response.status_code == 422
    assert 'id="problems"' in response.text and "搜索条件有误" in response.text
    assert problem in response.text
    assert '<form method="get" action="/workbench/pool"' in response.text


FIELDS = ["keyword", "brand", "category_id", "province", "min_yuan", "max_yuan", "sort", "page"]


def parsed(params: dict[str, str]) -> PoolQuery | InvalidPoolQuery:
    try:
        return tenant_pool_query(params)
    except InvalidPoolQuery as refused:
        return refused


@given(st.dictionaries(st.sampled_from([*FIELDS, "status"]), st.text(max_size=24)))
def test_any_query_string_is_a_query_or_a_refusal(params: dict[str, str]) -> None:
    outcome = parsed(params)
    if isinstance(outcome, InvalidPoolQuery):
        assert outcome.details["problems"]
    else:
        assert outcome.page >= 1 and outcome.statuses != (ProductStatus.REMOVED,)


def test_a_control_character_in_the_search_is_refused_naming_the_field(hcm_url: str) -> None:
    with signed_in(hcm_url, "acme-admin", "acme-pass-1") as client:
        response = client.get(PAGE, params={"brand": "华\x00为"})
    assert response.status_code == 422
    [problem] = response.json()["details"]["problems"]
    assert (problem["field"], problem["code"]) == ("brand", "control_character")
