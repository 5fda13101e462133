"""Cart → checkout → order in the workbench over real HTTP: the cart is the user's own (row-level
security), checkout accepts the order by the Open API's rules with the address from the area
pickers, one form sent twice is one order, and each refusal is shown in Chinese next to what it
concerns while nothing is written."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hive.catalog import repository as catalog_repository
from hive.catalog.library import service as library
from hive.catalog.models import Area
from hive.platform.config import Settings
from tests.orders.order_pages_support import (
    Orders,
    Suppliers,
    client_as,
    hcm,
    place_orders,
    suppliers,
)
from tests.orders.test_order_acceptance import Shop, buyer, shop, world

__all__ = ["hcm", "shop", "suppliers", "world"]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
AREAS = [
    Area(id=1, parent_id=None, name="北京", level=1),
    Area(id=2, parent_id=None, name="上海", level=1),
    Area(id=72, parent_id=1, name="朝阳区", level=2),
    Area(id=2813, parent_id=2, name="徐汇区", level=2),
    Area(id=2819, parent_id=72, name="三环以内", level=3),
]


@pytest.fixture
async def orders(shop: Shop, settings: Settings) -> Orders:
    async with shop.world.database.platform_transaction() as session:
        await catalog_repository.upsert_areas(session, AREAS)
    return await place_orders(shop, settings)


def _token(client: httpx.Client, path: str = "/workbench/cart") -> str:
    match = CSRF.search(client.get(path).text)
    assert match
    return match.group(1)


def _add(client: httpx.Client, product_id: int, quantity: int = 1) -> httpx.Response:
    data = {"csrf_token": _token(client), "product_id": str(product_id), "quantity": str(quantity)}
    return client.post("/workbench/cart/add", data=data)


def _as_data(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    return data


def _checkout_form(client: httpx.Client, **changes: str) -> dict[str, list[str]]:
    """The checkout form as the page gives it, filled in like a user would."""
    page = client.get("/workbench/checkout")
    assert page.status_code == 200
    fields = [(k, v) for k, v in HIDDEN.findall(page.text) if k != "back"]
    filled = {
        "province_id": "1",
        "city_id": "72",
        "county_id": "2819",
        "detail": "建国路 88 号",
        "receiver": "李四",
        "mobile": "13900001111",
        "remark": "",
    } | changes
    return _as_data(fields + list(filled.items()))


async def _order_count(orders: Orders) -> int:
    async with orders.shop.world.database.platform_transaction() as session:
        return int(await session.scalar(text("SELECT count(*) FROM orders")) or 0)


async def test_checkout_makes_one_order_from_the_cart_even_when_sent_twice(
    orders: Orders, hcm: str, suppliers: Suppliers
) -> None:
    shop = orders.shop
    with client_as(hcm, "acme-user") as client:
        assert _add(client, shop.phone).status_code == 303
        assert _add(client, shop.phone, 2).status_code == 303
        assert _add(client, shop.earphones).status_code == 303
        cart = client.get("/workbench/cart").text
        assert cart.count('class="cart-line available"') == 2 and 'value="3"' in cart
        form = _checkout_form(client)
        first = client.post("/workbench/checkout", data=form)
        suppliers.out_of_stock.add(await _sku_of(orders, shop.phone))  # sold out meanwhile
        again = client.post("/workbench/checkout", data=form)  # the double click
        assert first.status_code == again.status_code == 303
        assert first.headers["location"] == again.headers["location"]
        order_no = first.headers["location"].rsplit("/", 1)[1]
        page = client.get(first.headers["location"]).text
        assert "已提交" in page and page.count('class="line"') == 2
        assert "李*" in page and "139****1111" in page
        assert '<dd id="area">北京 朝阳区 三环以内</dd>' in page
        assert "购物车是空的" in client.get("/workbench/cart").text
    assert await _order_count(orders) == 3  # the two placed before, and this one
    with client_as(hcm, "operator1") as client:
        found = client.get("/admin/orders", params={"number": order_no}).text
        assert f">{order_no}</a>" in found


async def test_bad_fields_are_shown_next_to_them_and_nothing_is_written(
    orders: Orders, hcm: str
) -> None:
    with client_as(hcm, "acme-user") as client:
        _add(client, orders.shop.phone)
        form = _checkout_form(client, mobile="12345", receiver="", city_id="2813")
        refused = client.post("/workbench/checkout", data=form)
    assert refused.status_code == 422
    html = refused.text
    for field in ("mobile", "receiver", "city_id"):
        assert f'id="f-{field}-error"' in html, field
    assert 'value="12345"' in html  # what was typed stays
    assert await _order_count(orders) == 2


async def test_a_changed_price_is_shown_next_to_its_line(orders: Orders, hcm: str) -> None:
    phone = orders.shop.phone
    with client_as(hcm, "acme-user") as client:
        _add(client, phone)
        form = _checkout_form(client)
        form["unit_price"] = ["1"]
        refused = client.post("/workbench/checkout", data=form)
    assert refused.status_code == 409
    assert "部分商品价格已变化" in refused.text and "价格已变为 ¥" in refused.text
    price = orders.shop.prices[phone]
    assert f'name="unit_price" value="{price}"' in refused.text  # the form now has the new price
    assert await _order_count(orders) == 2


async def test_insufficient_funds_and_unavailable_products_are_said_clearly(
    orders: Orders, hcm: str
) -> None:
    shop = orders.shop
    with client_as(hcm, "acme-user") as client:
        _add(client, shop.phone, 9_999)
        poor = client.post("/workbench/checkout", data=_checkout_form(client))
        assert poor.status_code == 409 and "可下单金额不足" in poor.text
        form = _checkout_form(client)
        async with shop.world.database.tenant_transaction(shop.tenant) as session:
            await library.remove_products(session, buyer(shop.tenant), [shop.phone])
        gone = client.post("/workbench/checkout", data=form)
        assert gone.status_code == 422 and "部分商品暂不可售" in gone.text
        assert 'class="error line-note"' in gone.text
        assert "暂不可售" in client.get("/workbench/cart").text
    assert await _order_count(orders) == 2


async def test_checkout_charges_each_suppliers_freight_and_refuses_what_is_out_of_stock(
    orders: Orders, hcm: str, suppliers: Suppliers
) -> None:
    """The checkout asks the suppliers as POST /open/v1/orders does (it once accepted
    workbench orders at no freight and without a stock or area check)."""
    shop = orders.shop
    earphones_supplier = await _supplier_of(orders, shop.earphones)
    suppliers.freight_fen[earphones_supplier] = 1_200
    with client_as(hcm, "acme-user") as client:
        _add(client, shop.phone)
        _add(client, shop.earphones)
        suppliers.out_of_stock.add(await _sku_of(orders, shop.phone))
        short = client.post("/workbench/checkout", data=_checkout_form(client))
        assert short.status_code == 409 and "收货地区库存不足" in short.text
        assert await _order_count(orders) == 2
        suppliers.out_of_stock.clear()
        placed = client.post("/workbench/checkout", data=_checkout_form(client))
        assert placed.status_code == 303
    order_no = placed.headers["location"].rsplit("/", 1)[1]
    async with shop.world.database.platform_transaction() as session:
        row = (
            await session.execute(
                text("SELECT items_fen, freight_fen, total_fen FROM orders WHERE order_no = :n"),
                {"n": order_no},
            )
        ).one()
    goods = shop.prices[shop.phone] + shop.prices[shop.earphones]
    assert tuple(row) == (goods, 1_200, goods + 1_200)


async def _supplier_of(orders: Orders, product_id: int) -> int:
    async with orders.shop.world.database.platform_transaction() as session:
        found = await session.scalar(
            text("SELECT supplier_id FROM products WHERE id = :p"), {"p": product_id}
        )
    return int(found or 0)


async def _sku_of(orders: Orders, product_id: int) -> str:
    async with orders.shop.world.database.platform_transaction() as session:
        found = await session.scalar(
            text("SELECT supplier_sku FROM products WHERE id = :p"), {"p": product_id}
        )
    return str(found)


def test_a_cart_is_its_users_own(orders: Orders, hcm: str) -> None:
    shop = orders.shop
    with client_as(hcm, "acme-user") as client:
        _add(client, shop.charger)
    with client_as(hcm, "beta-admin") as client:
        assert "购物车是空的" in client.get("/workbench/cart").text
        data = {"csrf_token": _token(client), "product_id": str(shop.charger), "quantity": "5"}
        assert client.post("/workbench/cart/quantity", data=data).status_code == 422
        assert _add(client, shop.charger).status_code == 422  # not in beta's library
    with client_as(hcm, "operator1") as client:
        assert client.get("/workbench/cart").status_code == 403


def test_the_area_pickers_offer_the_levels_under_each_choice(orders: Orders, hcm: str) -> None:
    with client_as(hcm, "acme-user") as client:
        shanghai = client.get("/workbench/areas", params={"province_id": "2"}).text
        beijing = client.get(
            "/workbench/areas", params={"province_id": "1", "city_id": "2813"}
        ).text
    assert "徐汇区" in shanghai and "朝阳区" not in shanghai
    assert "朝阳区" in beijing and "三环以内" not in beijing  # 徐汇区 is not in 北京


async def test_row_level_security_keeps_carts_apart(orders: Orders) -> None:
    shop = orders.shop
    db, acme, beta = shop.world.database, shop.tenant, shop.world.beta
    async with db.platform_transaction() as session:
        user_id = await session.scalar(text("SELECT id FROM users WHERE username = 'acme-user'"))
        await session.execute(
            text(
                "INSERT INTO cart_items (tenant_id, user_id, product_id, quantity) "
                "VALUES (:t, :u, :p, 1)"
            ),
            {"t": acme, "u": user_id, "p": shop.phone},
        )
    async with db.tenant_transaction(beta) as session:
        assert await session.scalar(text("SELECT count(*) FROM cart_items")) == 0
        changed = await session.execute(text("UPDATE cart_items SET quantity = 9"))
        assert changed.rowcount == 0  # type: ignore[attr-defined]
    with pytest.raises(DBAPIError, match="row-level security"):
        async with db.tenant_transaction(beta) as session:
            await session.execute(
                text(
                    "INSERT INTO cart_items (tenant_id, user_id, product_id, quantity) "
                    "VALUES (:t, :u, :p, 1)"
                ),
                {"t": acme, "u": user_id, "p": shop.phone},
            )
