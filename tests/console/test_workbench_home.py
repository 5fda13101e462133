"""The tenant workbench's home page: the tenant's money, library size, the latest price changes
of its library products and its orders by status — and none of another tenant's."""

from __future__ import annotations

import re

from hive.events.service import EventType, raise_tenant_event
from hive.platform.config import Settings
from tests.orders.order_pages_support import client_as, hcm, place_orders, suppliers
from tests.orders.test_order_acceptance import Shop, shop, world
from tests.support.billing import fund

__all__ = ["hcm", "shop", "suppliers", "world"]


def _value(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]*)<', page)
    assert found, element_id
    return found.group(1)


async def test_the_home_page_shows_the_tenants_own_money_library_prices_and_orders(
    shop: Shop, settings: Settings, hcm: str
) -> None:
    database, acme = shop.world.database, shop.tenant
    await place_orders(shop, settings)  # two acme orders, logins for every role
    await fund(database, acme, 0, credit_fen=5_000_00)
    async with database.tenant_transaction(acme) as session:
        await raise_tenant_event(
            session,
            acme,
            EventType.PRICE_CHANGED,
            entity_type="product",
            entity_id=shop.phone,
            payload={"product_id": shop.phone, "old_price_fen": 2_999_00, "price_fen": 2_899_00},
        )
    with client_as(hcm, "acme-user") as client:
        page = client.get("/").text
        assert _value(page, "credit-limit") == "¥5,000.00"
        frozen = _value(page, "frozen")
        assert frozen != "¥0.00"  # the two orders hold money
        assert _value(page, "library-total") == "3"
        changes = re.search(r'<table id="price-changes">.*?</table>', page, re.S)
        assert changes and f'data-product="{shop.phone}"' in changes[0]
        assert "¥2,999.00" in changes[0] and "¥2,899.00" in changes[0]
        by_status = re.search(r'<table id="orders-by-status">.*?</table>', page, re.S)
        assert by_status and re.search(r'已受理</a></td><td class="num">2<', by_status[0])
    with client_as(hcm, "beta-admin") as client:
        page = client.get("/").text
        assert _value(page, "credit-limit") == "¥0.00" and _value(page, "frozen") == "¥0.00"
        assert _value(page, "library-total") == "0"
        assert f'data-product="{shop.phone}"' not in page
        assert "还没有订单" in page and "商品库商品还没有价格变动" in page
