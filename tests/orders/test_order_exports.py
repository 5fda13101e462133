"""Order CSV exports over real HTTP: the staff search's export has exactly the rows the page's
filters and sort find (every match, not one page), money in yuan with the unit in the header,
the receiver masked as on the page; a tenant's workbench export has its own orders only (row-
level security), with its status filter; bad filters are refused before any row."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import httpx
import pytest

from hive.orders.models import Order
from hive.platform.config import Settings
from hive.platform.money import format_money, format_yuan, parse_yuan
from tests.orders.order_pages_support import Orders, client_as, hcm, place_orders, suppliers
from tests.orders.test_order_acceptance import Shop, shop, world

__all__ = ["hcm", "shop", "suppliers", "world"]
STAFF_EXPORT = "/admin/orders/export.csv"
OWN_EXPORT = "/workbench/orders/export.csv"


@pytest.fixture
async def orders(shop: Shop, settings: Settings) -> Orders:
    """acme's PO-1001 and PO-1002, and a copy of PO-1001 as beta's PO-BETA-1 (another tenant's
    order, receiver masked alike)."""
    placed = await place_orders(shop, settings)
    first = placed.first
    async with shop.world.database.platform_transaction() as session:
        session.add(
            Order(
                tenant_id=shop.world.beta,
                order_no="PO-BETA-1",
                status=first.status,
                items_fen=first.items_fen,
                freight_fen=first.freight_fen,
                total_fen=first.total_fen,
                province_id=first.province_id,
                city_id=first.city_id,
                county_id=first.county_id,
                receiver_cipher=first.receiver_cipher,
                receiver_name_masked=first.receiver_name_masked,
                receiver_mobile_masked=first.receiver_mobile_masked,
                request_hash="0" * 64,
            )
        )
    return placed


def _rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _found(html: str) -> list[str]:
    return re.findall(r'<a href="/(?:admin|workbench)/orders/[^"]+">([^<]+)</a>', html)


def _as_shown(yuan: str) -> str:
    return format_money(parse_yuan(yuan))


def _cells(html: str) -> list[list[str]]:
    """The page's order rows, each cell's text (tags dropped, entities as on screen)."""
    rows = re.findall(r'<tr class="order".*?</tr>', html, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [[unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in row] for row in cells]


def test_the_staff_export_has_the_rows_the_search_finds(orders: Orders, hcm: str) -> None:
    shop = orders.shop
    with client_as(hcm, "operator1") as client:
        for params in (
            {},
            {"status": "accepted", "tenant": str(shop.tenant)},
            {"number": "PO-1001"},
            {"product": str(shop.earphones)},
            {"tenant": str(shop.world.beta)},
            {"sort": "total", "direction": "asc"},
            {"number": "NOPE"},
        ):
            page = client.get("/admin/orders", params=params)
            rows = _rows(client.get(STAFF_EXPORT, params=params))
            assert rows[0] == [
                "订单号",
                "客户",
                "状态",
                "金额（元）",
                "收货人",
                "收货人手机（已脱敏）",
                "下单时间",
            ]
            assert [row[0] for row in rows[1:]] == _found(page.text), params
            # Every cell the page shows, as it shows it; the export adds the masked mobile.
            # The amount is a plain number in the file and money on the page.
            shown = [[*row[:3], _as_shown(row[3]), row[4], row[6]] for row in rows[1:]]
            assert shown == _cells(page.text), params
        assert 'href="/admin/orders/export.csv?number=PO-1001"' in client.get(
            "/admin/orders", params={"number": "PO-1001", "page": "1"}
        ).text.replace("&amp;", "&")
        (line,) = _rows(client.get(STAFF_EXPORT, params={"number": "PO-1001"}))[1:]
        first = orders.first
        assert line[3] == format_yuan(first.total_fen)
        assert line[4] == first.receiver_name_masked and line[5] == first.receiver_mobile_masked
        everything = client.get(STAFF_EXPORT).content.decode("utf-8-sig")
        assert "13800000000" not in everything and "张三" not in everything
        assert "建国路" not in everything
        for bad in ({"status": "lost"}, {"colour": "red"}, {"from": "2026-13-01"}):
            assert client.get(STAFF_EXPORT, params=bad).status_code == 422, bad


def test_the_workbench_export_keeps_a_tenant_to_its_own_orders(orders: Orders, hcm: str) -> None:
    with client_as(hcm, "acme-user") as acme:
        page = acme.get("/workbench/orders")
        assert 'href="/workbench/orders/export.csv"' in page.text
        rows = _rows(acme.get(OWN_EXPORT))
        assert rows[0] == [
            "订单号",
            "状态",
            "金额（元）",
            "收货人",
            "收货人手机（已脱敏）",
            "下单时间",
        ]
        assert [row[0] for row in rows[1:]] == _found(page.text) == ["PO-1002", "PO-1001"]
        assert "PO-BETA-1" not in acme.get(OWN_EXPORT).text
        by_status = _rows(acme.get(OWN_EXPORT, params={"status": "accepted"}))
        assert [row[0] for row in by_status[1:]] == ["PO-1002", "PO-1001"]
        assert _rows(acme.get(OWN_EXPORT, params={"status": "shipped"}))[1:] == []
        second = orders.second
        assert rows[1][2] == format_yuan(second.total_fen)
        assert rows[1][4] == second.receiver_mobile_masked
        assert "13800000000" not in acme.get(OWN_EXPORT).text
        assert acme.get(OWN_EXPORT, params={"status": "lost"}).status_code == 422
        assert acme.get(OWN_EXPORT, params={"tenant": "1"}).status_code == 422
        assert acme.get(STAFF_EXPORT).status_code == 403
    with client_as(hcm, "beta-admin") as beta:
        assert [row[0] for row in _rows(beta.get(OWN_EXPORT))[1:]] == ["PO-BETA-1"]
    with client_as(hcm, "operator1") as operator:
        assert operator.get(OWN_EXPORT).status_code == 403
