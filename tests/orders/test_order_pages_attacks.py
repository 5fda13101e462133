"""Hostile input on the order pages (workbench and console) over real HTTP: a malformed order
number in the workbench URL (NUL, line break, overlong, non-ASCII) and a cancellation reason
with control characters are refused as 4xx pages, never a 500, and change nothing."""

from __future__ import annotations

import re

import httpx
import pytest

from hive.platform.config import Settings
from tests.orders.order_pages_support import Orders, client_as, hcm, place_orders, suppliers
from tests.orders.test_order_acceptance import Shop, shop, world

__all__ = ["hcm", "shop", "suppliers", "world"]


@pytest.fixture
async def orders(shop: Shop, settings: Settings) -> Orders:
    return await place_orders(shop, settings)


def _csrf(client: httpx.Client) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert token
    return token.group(1)


def test_a_nul_in_the_workbench_order_number_is_refused_not_a_500(orders: Orders, hcm: str) -> None:
    with client_as(hcm, "acme-admin") as client:
        token = _csrf(client)
        for method, suffix, data in (
            ("GET", "", None),
            ("POST", "/receiver", {"csrf_token": token}),
            ("POST", "/cancel", {"csrf_token": token}),
        ):
            answer = client.request(method, f"/workbench/orders/PO-1002%00{suffix}", data=data)
            assert answer.status_code == 422, (suffix, answer.status_code)
            assert "control_character" in answer.text
        assert 'data-status="accepted"' in client.get("/workbench/orders/PO-1002").text


@pytest.mark.parametrize("number", ["PO-1001%0A", "A" * 5000, "%E8%AE%A2%E5%8D%95", "PO-1001%20"])
def test_other_malformed_order_numbers_are_the_404_page(
    orders: Orders, hcm: str, number: str
) -> None:
    with client_as(hcm, "acme-admin") as client:
        token = _csrf(client)
        assert client.get(f"/workbench/orders/{number}").status_code == 404
        cancel = client.post(f"/workbench/orders/{number}/cancel", data={"csrf_token": token})
        assert cancel.status_code == 404


@pytest.mark.parametrize("reason", ["a\x00b", "x" * 300, "a\nb"])
def test_a_bad_cancellation_reason_is_refused_and_cancels_nothing(
    orders: Orders, hcm: str, reason: str
) -> None:
    with client_as(hcm, "acme-admin") as client:
        data = {"csrf_token": _csrf(client), "reason": reason}
        assert client.post("/workbench/orders/PO-1002/cancel", data=data).status_code == 422
        assert 'data-status="accepted"' in client.get("/workbench/orders/PO-1002").text
