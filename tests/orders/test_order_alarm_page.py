"""A sub-order the submission saga held on an alarm shows so on the order page: staff see why
it is held beside its status; the tenant's timeline says it waits for the platform, without
the supplier's details. The 异常订单 list shows a mismatch's lines on both sides, marked where
they differ."""

from __future__ import annotations

import re
from typing import cast

import httpx
import pytest
from sqlalchemy import text

from hive.orders.submission import AdapterFor, Placement, place_sub_order
from hive.platform.config import Settings
from hive.platform.money import format_money
from hive.platform.secret_key import load_secret_box
from hive.suppliers.types import OrderLine
from tests.orders.order_pages_support import Orders, client_as, hcm, place_orders, suppliers
from tests.orders.test_order_acceptance import Shop, shop, world
from tests.support.saga import MemorySupplier

__all__ = ["hcm", "shop", "suppliers", "world"]


@pytest.fixture
async def held(shop: Shop, settings: Settings) -> Orders:
    orders = await place_orders(shop, settings)
    number = f"HV{orders.first.id:010d}-01"
    supplier = MemorySupplier()
    supplier.plant(number, (OrderLine("999", 1, 100),))
    placement = await place_sub_order(
        shop.world.database,
        cast(AdapterFor, supplier.adapter_for),
        load_secret_box(settings),
        number,
    )
    assert placement is Placement.HELD
    return orders


def test_staff_see_why_a_sub_order_is_held_and_the_tenant_that_it_waits(
    held: Orders, hcm: str
) -> None:
    with client_as(hcm, "operator1") as client:
        html = client.get(f"/admin/orders/{held.first.id}").text
    assert html.count('data-held="third_order_mismatch"') == 1
    assert "已挂起：供应商处同号订单商品不一致" in html
    assert 'data-event="held"' in html and "异常挂起，待平台处理" in html
    with client_as(hcm, "acme-user") as client:
        mine = client.get(f"/workbench/orders/{held.first.order_no}").text
    assert "异常挂起，待平台处理" in mine
    assert "data-held" not in mine and "900001" not in mine  # not the upstream order id


def _csrf(client: httpx.Client) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert token
    return token.group(1)


def test_staff_list_held_sub_orders_with_their_reason(held: Orders, hcm: str) -> None:
    number = f"HV{held.first.id:010d}-01"
    with client_as(hcm, "finance1") as client:
        listed = client.get("/admin/orders/held")
        assert client.get("/admin/orders").text.count('id="held-link"') == 1
    assert listed.status_code == 200
    assert listed.text.count('class="held-row"') == 1
    assert f'data-sub-order="{number}"' in listed.text
    assert "已挂起：供应商处同号订单商品不一致" in listed.text
    with client_as(hcm, "acme-admin") as client:
        assert client.get("/admin/orders/held").status_code == 403


def test_operators_cancel_a_held_sub_order_from_its_page(held: Orders, hcm: str) -> None:
    path = f"/admin/orders/{held.first.id}"
    action = f"{path}/held/HV{held.first.id:010d}-01/cancel"
    with client_as(hcm, "finance1") as client:
        assert "held-actions" not in client.get(path).text
        refused = client.post(action, data={"csrf_token": _csrf(client), "reason": "x"})
        assert refused.status_code == 403
    with client_as(hcm, "operator1") as client:
        page = client.get(path).text
        assert page.count('class="held-actions"') == 1 and "需运营自行与供应商处理" in page
        assert client.post(action, data={"reason": "x"}).status_code == 403  # no CSRF token
        empty = client.post(action, data={"csrf_token": _csrf(client), "reason": " "})
        assert "请填写处理原因" in client.get(empty.headers["location"]).text
        done = client.post(action, data={"csrf_token": _csrf(client), "reason": "上游单有误"})
        assert done.status_code == 303
        after = client.get(done.headers["location"]).text
        again = client.post(action, data={"csrf_token": _csrf(client), "reason": "再来"})
        assert "该子订单未挂起" in client.get(again.headers["location"]).text
    assert "冻结金额已退回" in after and 'data-held="' not in after
    assert 'class="movement" data-kind="release"' in after
    release = f"{path}/held/HV{held.second.id:010d}-01/release"  # another order's sub-order
    with client_as(hcm, "operator1") as client:
        other = client.post(release, data={"csrf_token": _csrf(client), "reason": "x"})
        assert other.status_code == 404


async def _sent_lines(orders: Orders, number: str) -> list[tuple[str, str, int, int]]:
    """(SKU, name, quantity, purchase price) of the sub-order's lines, in line order."""
    query = text(
        "SELECT p.supplier_sku, p.name, i.quantity, i.purchase_price_fen FROM order_items i"
        " JOIN sub_orders s ON s.id = i.sub_order_id JOIN products p ON p.id = i.product_id"
        " WHERE s.sub_order_no = :n ORDER BY i.line_no"
    )
    async with orders.shop.world.database.platform_transaction() as session:
        rows = (await session.execute(query, {"n": number})).all()
    return [(str(s), str(n), int(q), int(p)) for s, n, q, p in rows]


def _cells(html: str, sku: str) -> tuple[str, list[str]]:
    row = re.search(
        rf'<tr class="held-line[^"]*" data-sku="{sku}" data-diff="([^"]*)">(.*?)</tr>', html, re.S
    )
    assert row, sku
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(2), re.S)
    return row.group(1), [re.sub(r"<[^>]+>", "", c).strip() for c in cells]


async def test_the_held_list_shows_both_sides_lines_marked_where_they_differ(
    shop: Shop, settings: Settings, hcm: str
) -> None:
    orders = await place_orders(shop, settings)
    number = f"HV{orders.first.id:010d}-01"
    (
        (phone, phone_name, _, phone_price),
        (charger, charger_name, _, charger_price),
    ) = await _sent_lines(orders, number)
    supplier = MemorySupplier()
    # The supplier holds the phone at another price, one charger (we sent 3) and a SKU we
    # never sent.
    planted = (OrderLine(phone, 2, phone_price + 1), OrderLine(charger, 1, charger_price))
    supplier.plant(number, (*planted, OrderLine("999", 1, 100)))
    placement = await place_sub_order(
        shop.world.database,
        cast(AdapterFor, supplier.adapter_for),
        load_secret_box(settings),
        number,
    )
    assert placement is Placement.HELD
    with client_as(hcm, "operator1") as client:
        html = client.get("/admin/orders/held").text
        english = client.get("/admin/orders/held", headers={"Accept-Language": "en"}).text
    assert html.count('class="held-lines-row"') == 1
    assert html.count(" data-diff=") == 3
    yuan = format_money
    assert _cells(html, phone) == (
        "price",
        [phone, phone_name, "2", "2", yuan(phone_price), yuan(phone_price + 1), "单价不同"],
    )
    assert _cells(html, charger) == (
        "quantity",
        [charger, charger_name, "3", "1", yuan(charger_price), yuan(charger_price), "数量不同"],
    )
    assert _cells(html, "999") == (
        "only_theirs",
        ["999", "（本平台无此商品）", "—", "1", "—", "¥1.00", "本平台未提交"],
    )
    assert f"子订单 {number}：本平台提交的商品与供应商处同号订单的商品" in html
    assert "Quantity differs" in english and "Not sent by us" in english
    other = f"HV{orders.first.id:010d}-02"  # the earphones, from the second supplier
    supplier.plant(other, (OrderLine("x-1", 1, 5),))
    await place_sub_order(
        shop.world.database,
        cast(AdapterFor, supplier.adapter_for),
        load_secret_box(settings),
        other,
    )
    with client_as(hcm, "operator1") as client:
        both = client.get("/admin/orders/held").text
    assert both.count('class="held-lines-row"') == 2
    assert _cells(both, "x-1")[0] == "only_theirs"
    (earphones,) = [sku for sku, *_ in await _sent_lines(orders, other)]
    assert _cells(both, earphones)[0] == "only_ours"
