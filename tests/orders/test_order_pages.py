"""The order pages over real HTTP: the operators' search (every filter, paging and refusals in
the URL), an order's page (sub-orders with supplier, money movements), the tenant's own list and
page (another tenant's order is the 404 page), and the audited "显示完整信息" for exactly the
roles the matrix gives ``orders.view_receiver``."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import text

from hive.platform.config import Settings
from hive.platform.permissions import MATRIX, Action
from tests.orders.order_pages_support import LOGINS, Orders, client_as, hcm, place_orders, suppliers
from tests.orders.test_order_acceptance import Shop, shop, world

__all__ = ["hcm", "shop", "suppliers", "world"]
ROW = re.compile(r'<tr class="order"')


@pytest.fixture
async def orders(shop: Shop, settings: Settings) -> Orders:
    return await place_orders(shop, settings)


def _found(html: str) -> list[str]:
    return re.findall(r'<a href="/(?:admin|workbench)/orders/[^"]+">([^<]+)</a>', html)


def test_operators_find_orders_by_each_number_and_filter(orders: Orders, hcm: str) -> None:
    first = orders.first
    with client_as(hcm, "operator1") as client:
        assert sorted(_found(client.get("/admin/orders").text)) == ["PO-1001", "PO-1002"]
        by_no = client.get("/admin/orders", params={"number": "PO-1001"}).text
        assert _found(by_no) == ["PO-1001"]
        sub_no = f"HV{first.id:010d}-02"
        assert _found(client.get("/admin/orders", params={"number": sub_no}).text) == ["PO-1001"]
        ears = client.get("/admin/orders", params={"product": orders.shop.earphones}).text
        assert _found(ears) == ["PO-1001"]
        today = date.today()
        for params, expected in (
            ({"tenant": orders.shop.tenant, "status": "accepted"}, 2),
            ({"tenant": orders.shop.world.beta}, 0),
            ({"status": "shipped"}, 0),
            (
                {
                    "from": (today - timedelta(days=1)).isoformat(),
                    "to": (today + timedelta(days=1)).isoformat(),
                },
                2,
            ),
            ({"to": (today - timedelta(days=2)).isoformat()}, 0),
        ):
            page = client.get("/admin/orders", params=params)
            assert page.status_code == 200 and len(ROW.findall(page.text)) == expected, params
        assert (
            "没有符合筛选条件的记录" in client.get("/admin/orders", params={"number": "NOPE"}).text
        )


def test_the_search_pages_and_sorts_in_the_url(orders: Orders, hcm: str) -> None:
    with client_as(hcm, "finance1") as client:
        cheap_first = client.get("/admin/orders", params={"sort": "total", "direction": "asc"})
        assert _found(cheap_first.text) == ["PO-1002", "PO-1001"]
        assert "第 1 / 1 页" in cheap_first.text


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost"},
        {"from": "2026-13-01"},
        {"from": "2026-02-02", "to": "2026-02-01"},
        {"tenant": "abc"},
        {"product": "-1"},
        {"number": "x" * 65},
        {"number": "PO\x00-1"},
        {"colour": "red"},
        {"sort": "receiver"},
    ],
)
def test_bad_filters_are_refused_with_their_name(
    orders: Orders, hcm: str, params: dict[str, str]
) -> None:
    with client_as(hcm, "operator1") as client:
        page = client.get("/admin/orders", params=params)
    assert page.status_code == 422
    # Named by the field's own name (the answer is JSON here): never another field, never none.
    named = {problem["field"] for problem in page.json()["details"]["problems"]}
    assert named and named <= set(params), page.text


def test_an_order_page_shows_suppliers_and_money_movements(orders: Orders, hcm: str) -> None:
    first = orders.first
    with client_as(hcm, "operator1") as client:
        page = client.get(
            f"/admin/orders/{first.id}", params={"back": "/admin/orders?status=accepted"}
        )
    assert page.status_code == 200
    html = page.text
    assert html.count('class="sub-order"') == 2 and "第二供应商" in html
    assert html.count('class="movement" data-kind="freeze"') >= 2
    assert 'href="/admin/orders?status=accepted"' in html  # 返回 keeps the search
    assert "张*" in html and "138****0000" in html and "张三" not in html
    assert "订单已受理" in html


def test_an_unknown_order_id_is_the_404_page(orders: Orders, hcm: str) -> None:
    with client_as(hcm, "operator1") as client:
        assert client.get("/admin/orders/999999999").status_code == 404


async def _receiver_audits(orders: Orders) -> list[tuple[str, str]]:
    async with orders.shop.world.database.platform_transaction() as session:
        rows = await session.execute(
            text(
                "SELECT actor_name, target_id FROM audit_log "
                "WHERE action = 'order.receiver_viewed' ORDER BY id"
            )
        )
        return [(name, target) for name, target in rows.all()]


@pytest.mark.parametrize("username", sorted(LOGINS))
async def test_the_whole_receiver_is_shown_to_the_matrix_roles_and_audited(
    orders: Orders, hcm: str, username: str
) -> None:
    role, tenant = LOGINS[username]
    first = orders.first
    if tenant is None:
        page_path = f"/admin/orders/{first.id}"
    else:
        page_path = f"/workbench/orders/{first.order_no}"
    may = role.value in MATRIX[Action.VIEW_RECEIVER]
    with client_as(hcm, username) as client:
        page = client.get(page_path)
        if tenant == "beta":
            assert page.status_code == 404  # another tenant's order: not found, never shown
        else:
            assert page.status_code == 200
            assert ('id="show-receiver"' in page.text) == may, username
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
        assert token
        shown = client.post(page_path + "/receiver", data={"csrf_token": token.group(1)})
    audits = await _receiver_audits(orders)
    if may and tenant != "beta":
        assert shown.status_code == 200 and "张三" in shown.text and "13800000000" in shown.text
        assert audits == [(username, str(first.id))]
    else:
        assert shown.status_code in (403, 404) and "13800000000" not in shown.text
        assert audits == []


def test_showing_the_receiver_needs_the_csrf_token(orders: Orders, hcm: str) -> None:
    with client_as(hcm, "operator1") as client:
        shown = client.post(f"/admin/orders/{orders.first.id}/receiver", data={})
    assert shown.status_code == 403 and "13800000000" not in shown.text


def test_a_tenant_lists_and_reads_its_own_orders(orders: Orders, hcm: str) -> None:
    with client_as(hcm, "acme-user") as client:
        listed = client.get("/workbench/orders")
        assert sorted(_found(listed.text)) == ["PO-1001", "PO-1002"]
        assert "138****0000" in listed.text and "13800000000" not in listed.text
        page = client.get("/workbench/orders/PO-1001").text
        assert page.count('class="line"') == 3 and "第二供应商" not in page
        assert 'id="money"' not in page
        assert client.get("/workbench/orders", params={"status": "lost"}).status_code == 422
        assert client.get("/admin/orders").status_code == 403
    with client_as(hcm, "beta-admin") as client:
        assert _found(client.get("/workbench/orders").text) == []
        assert client.get("/workbench/orders/PO-1001").status_code == 404
        assert client.get(f"/admin/orders/{orders.first.id}").status_code == 403


def test_the_pages_speak_english_too(orders: Orders, hcm: str) -> None:
    with client_as(hcm, "operator1") as client:
        client.get("/language", params={"to": "en", "next": "/"})
        search = client.get("/admin/orders").text
        page = client.get(f"/admin/orders/{orders.first.id}").text
    assert "Orders" in search and "Ordered at" in search and "订单查询" not in search
    assert "Timeline" in page and "Show full details" in page and "订单轨迹" not in page


def _csrf(client: httpx.Client) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert token
    return token.group(1)


def test_operators_cancel_an_order_from_its_page(orders: Orders, hcm: str) -> None:
    path = f"/admin/orders/{orders.second.id}"
    with client_as(hcm, "finance1") as client:
        assert 'id="cancel-order"' not in client.get(path).text
        refused = client.post(path + "/cancel", data={"csrf_token": _csrf(client)})
        assert refused.status_code == 403
    with client_as(hcm, "operator1") as client:
        assert 'id="cancel-order"' in client.get(path).text
        done = client.post(
            path + "/cancel", data={"csrf_token": _csrf(client), "reason": "客户要求"}
        )
        assert done.status_code == 303
        page = client.get(done.headers["location"]).text
    assert 'id="status" data-status="cancelled"' in page and "已申请取消" in page
    assert 'id="cancel-order"' not in page
    assert 'class="movement" data-kind="release"' in page


def test_a_tenant_cancels_its_own_order_and_no_other(orders: Orders, hcm: str) -> None:
    with client_as(hcm, "beta-admin") as client:
        other = client.post("/workbench/orders/PO-1002/cancel", data={"csrf_token": _csrf(client)})
        assert other.status_code == 404
    with client_as(hcm, "acme-user") as client:
        done = client.post("/workbench/orders/PO-1002/cancel", data={"csrf_token": _csrf(client)})
        assert done.status_code == 303
        assert 'data-status="cancelled"' in client.get(done.headers["location"]).text


def test_a_number_that_cannot_be_an_order_number_is_not_found(orders: Orders, hcm: str) -> None:
    with client_as(hcm, "acme-user") as client:
        for number in ("PO%201001", "x" * 65):
            assert client.get(f"/workbench/orders/{number}").status_code == 404, number
        # A control character: refused by the platform's input check (422) or not found.
        assert client.get("/workbench/orders/PO%00-1").status_code in (404, 422)


async def test_a_shipped_order_is_refused_on_both_pages_and_nothing_changes(
    orders: Orders, hcm: str
) -> None:
    database = orders.shop.world.database
    async with database.platform_transaction() as session:
        await session.execute(
            text("UPDATE sub_orders SET status = 'shipped' WHERE order_id = :order_id"),
            {"order_id": orders.second.id},
        )
    pages = [
        ("operator1", f"/admin/orders/{orders.second.id}", "/admin/orders?status=accepted"),
        ("acme-user", "/workbench/orders/PO-1002", "/workbench/orders?page=1"),
    ]
    for username, path, back in pages:
        with client_as(hcm, username) as client:
            data = {"csrf_token": _csrf(client), "reason": "客户要求"}
            refused = client.post(path + "/cancel", params={"back": back}, data=data)
            assert refused.status_code == 303, username
            assert refused.headers["location"] == f"{path}?back={quote(back)}"
            page = client.get(refused.headers["location"]).text
        assert 'class="flash flash-error"' in page and "订单已发货，不能取消" in page, username
    async with database.platform_transaction() as session:
        statuses = await session.execute(
            text("SELECT status FROM sub_orders WHERE order_id = :order_id"),
            {"order_id": orders.second.id},
        )
        asked = await session.execute(
            text("SELECT count(*) FROM order_events WHERE event = 'cancel_requested'")
        )
        assert {status for (status,) in statuses.all()} == {"shipped"}
        assert asked.scalar_one() == 0
