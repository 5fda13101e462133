"""The pool pages as a new user reads them: categories chosen in a searchable tree, unknown
filters refused with the field named, stock and history as tables, not JSON."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import text

from hive.platform.db import Database
from tests.catalog.search.conftest import Item, Pool
from tests.support.console import sign_in


def _admin(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    assert sign_in(client, "admin", "admin-pass-1").status_code == 303
    return client


def test_categories_are_picked_from_a_tree_not_typed_as_ids(hcm_url: str, pool: Pool) -> None:
    client = _admin(hcm_url)
    try:
        page = client.get("/admin/catalog/pool", params={"category_id": "3"}).text
        workbench_refused = client.get("/workbench/pool").status_code
    finally:
        client.close()
    assert "data-picker" in page and 'name="category_id" inputmode' not in page
    radios = dict(
        re.findall(
            r'data-picker-text="([^"]*)"><label>'
            r'<input type="radio" name="category_id" value="(\d*)"',
            page,
        )
    )
    assert radios["手机数码 › 手机通讯 › 手机"] == "3" and radios["食品饮料"] == "10"
    assert re.search(r'value="3" checked', page)  # the current filter stays chosen
    assert "手机数码 › 手机通讯 › 手机</summary>" in page
    assert workbench_refused == 403


def test_unknown_filters_are_refused_naming_them(hcm_url: str, pool: Pool) -> None:
    client = _admin(hcm_url)
    try:
        refused = client.get("/admin/catalog/pool", params={"keyword": "手机", "colour": "红"})
        english = client.get(
            "/admin/catalog/pool", params={"categroy_id": "3"}, cookies={"hive_lang": "en"}
        )
    finally:
        client.close()
    assert refused.status_code == 422 and "colour：此处不可用" in refused.text
    assert english.status_code == 422 and "categroy_id: is not available here" in english.text


async def test_stock_and_history_read_as_tables(
    hcm_url: str, pool: Pool, database: Database
) -> None:
    (product_id,) = await pool.add(
        Item("华为 智能手机 库存表", "华为", 3, 99_00, stock={1: "in_stock", 2: "out_of_stock"})
    )
    async with database.platform_transaction() as session:
        await session.execute(
            text("INSERT INTO areas (id, parent_id, name, level) VALUES (1, NULL, '北京', 1)")
        )
        await session.execute(
            text(
                "INSERT INTO product_changes (product_id, source, changes) VALUES "
                "(:p, 'feed', CAST(:c AS jsonb))"
            ),
            {"p": product_id, "c": '{"retail_price_fen": [9900, 8900], "on_shelf": [true, false]}'},
        )
    client = _admin(hcm_url)
    try:
        answer = client.get(f"/admin/catalog/products/{product_id}")
    finally:
        client.close()
    assert answer.status_code == 200, answer.text[-2000:]
    page = answer.text
    stock = re.search(r'<table id="stock">.*?</table>', page, re.S)
    history = re.search(r'<table id="history">.*?</table>', page, re.S)
    assert stock and history
    assert "北京" in stock.group(0) and "有货" in stock.group(0) and "无货" in stock.group(0)
    assert "&#34;state&#34;" not in page and '"state"' not in page
    for cell in ("供应商消息", "市场价", "¥99.00", "¥89.00", "上架", "是", "否"):
        assert f"<td>{cell}</td>" in history.group(0), cell
    assert re.search(r"<td>20\d\d-\d\d-\d\d \d\d:\d\d:\d\d</td>", history.group(0))
