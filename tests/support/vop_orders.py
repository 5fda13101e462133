"""Placing real orders at the VOP simulator through the adapter (for order and after-sale tests)."""

from __future__ import annotations

from hive.simulators.vop.catalog import Catalog
from hive.simulators.vop.categories import build_tree
from hive.suppliers.types import (
    Area,
    OrderLine,
    Recipient,
    SearchQuery,
    UpstreamOrder,
    UpstreamOrderRequest,
)
from hive.suppliers.vop.adapter import VopAdapter
from tests.support.vop import Simulator

RECIPIENT = Recipient(
    name="张三", mobile="13800000000", address="朝阳区建国路 1 号", area=Area(1, 72, 2799, 0)
)


async def orderable_skus(
    adapter: VopAdapter, simulator: Simulator, count: int, *, distinct_warehouses: bool = False
) -> list[str]:
    """SKUs that can be ordered to Beijing; from different warehouses when asked (such an
    order is split into one child per warehouse)."""
    catalog = Catalog(build_tree(), simulator.config.seed, simulator.config.min_sku_count)
    found: list[str] = []
    for page in range(1, 6):
        hits = (await adapter.search(SearchQuery(keyword="笔记本", page=page, page_size=50))).hits
        quotes = await adapter.prices([hit.sku for hit in hits])
        shelf = await adapter.shelf_states([q.sku for q in quotes])
        allowed = await adapter.area_limits([q.sku for q in quotes], RECIPIENT.area)
        candidates = [q.sku for q in quotes if shelf.get(q.sku) and allowed.get(q.sku)]
        levels = await adapter.stock([(sku, 3) for sku in candidates], RECIPIENT.area)
        for level in levels:
            if not level.state.can_order or (level.remaining is not None and level.remaining < 3):
                continue
            used = {catalog.warehouse(int(sku)) for sku in found}
            if distinct_warehouses and catalog.warehouse(int(level.sku)) in used:
                continue
            found.append(level.sku)
            if len(found) == count:
                return found
    raise AssertionError(f"fewer than {count} orderable SKUs")


async def place_order(
    adapter: VopAdapter, skus: list[str], order_no: str, quantity: int = 1
) -> UpstreamOrder:
    """Placed directly (no reserve step), at today's purchase prices."""
    quotes = {q.sku: q for q in await adapter.prices(skus)}
    lines = tuple(OrderLine(sku, quantity, quotes[sku].purchase_fen) for sku in skus)
    request = UpstreamOrderRequest(
        order_no=order_no, lines=lines, recipient=RECIPIENT, place_directly=True
    )
    return await adapter.submit_order(request)
