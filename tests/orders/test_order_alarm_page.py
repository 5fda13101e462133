"""A sub-order the submission saga held on an alarm shows so on the order page: staff see why
it is held beside its status; the tenant's timeline says it waits for the platform, without
the supplier's details."""

from __future__ import annotations

from typing import cast

import pytest

from hive.orders.submission import AdapterFor, Placement, place_sub_order
from hive.platform.config import Settings
from hive.platform.secret_key import load_secret_box
from hive.suppliers.types import OrderLine
from tests.orders.order_pages_support import Orders, client_as, hcm, place_orders
from tests.orders.test_order_acceptance import Shop, shop, world
from tests.support.saga import MemorySupplier

__all__ = ["hcm", "shop", "world"]


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
