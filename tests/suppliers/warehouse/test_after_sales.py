"""Returns: options, apply (idempotent), list, cancel, and receiving goods back to stock."""

from __future__ import annotations

import pytest

from hive.suppliers.types import (
    AfterSaleRequest,
    AfterSaleStep,
    AfterSaleType,
    PickupMethod,
    Recipient,
    UpstreamOrder,
)
from hive.suppliers.warehouse import orders, returns
from hive.suppliers.warehouse.errors import ReturnNotAllowed, ReturnNotCancellable
from tests.suppliers.warehouse.conftest import NOW, OPERATOR, SHANGHAI, Shop, order

CONTACT = Recipient("张三", "13800000000", "人民路 1 号", SHANGHAI)


def _request(
    placed: UpstreamOrder, request_no: str, quantity: int, **kw: object
) -> AfterSaleRequest:
    fields: dict[str, object] = {
        "request_no": request_no,
        "supplier_order_id": placed.supplier_order_id,
        "sku": "MILK-1",
        "quantity": quantity,
        "type": AfterSaleType.RETURN,
        "reason": "包装破损",
        "pickup": PickupMethod.POST,
        "contact": CONTACT,
    } | kw
    return AfterSaleRequest(**fields)  # type: ignore[arg-type]


async def _shipped_order(shop: Shop) -> UpstreamOrder:
    await shop.receive("SH", "MILK-1", "OLD", 3, expires_in_days=10)
    await shop.receive("SH", "MILK-1", "NEW", 10, expires_in_days=50)
    placed = await shop.adapter.submit_order(order("R1", ("MILK-1", 5, 350), direct=True))
    async with shop.database.platform_transaction() as session:
        await orders.advance_order(
            session,
            OPERATOR,
            shop.supplier_id,
            placed.supplier_order_id,
            "shipped",
            carrier="SF",
            waybill_no="W1",
        )
    return placed


async def _complete(shop: Shop, service_id: str) -> None:
    async with shop.database.platform_transaction() as session:
        await returns.complete(session, OPERATOR, shop.supplier_id, service_id, NOW)


async def test_no_return_before_the_order_ships(shop: Shop) -> None:
    await shop.receive("SH", "MILK-1", "M", 10)
    placed = await shop.adapter.submit_order(order("R0", ("MILK-1", 2, 350), direct=True))
    options = await shop.adapter.after_sale_options(placed.supplier_order_id, "MILK-1")
    assert options.available_quantity == 0
    with pytest.raises(ReturnNotAllowed):
        await shop.adapter.apply_after_sale(_request(placed, "AS0", 1))


async def test_return_flow_puts_units_back_into_their_batches(shop: Shop) -> None:
    placed = await _shipped_order(shop)
    options = await shop.adapter.after_sale_options(placed.supplier_order_id, "MILK-1")
    assert options.available_quantity == 5
    assert options.types == (AfterSaleType.RETURN,)

    case = await shop.adapter.apply_after_sale(_request(placed, "AS1", 4))
    assert case.step is AfterSaleStep.APPLIED
    assert await shop.adapter.apply_after_sale(_request(placed, "AS1", 4)) == case
    left = await shop.adapter.after_sale_options(placed.supplier_order_id, "MILK-1")
    assert left.available_quantity == 1

    await _complete(shop, case.service_id)

    assert [c.step for c in await shop.adapter.after_sale_cases(placed.supplier_order_id)] == [
        AfterSaleStep.COMPLETED
    ]
    batches = await shop.rows(
        "SELECT batch_no, quantity_remaining FROM warehouse_batches ORDER BY batch_no"
    )
    # The order took OLD 3 + NEW 2; the 4 returned go back to OLD first (3), then NEW (1).
    assert batches == [("NEW", 8 + 1), ("OLD", 0 + 3)]
    movements = await shop.rows(
        "SELECT kind, quantity FROM warehouse_movements WHERE kind = 'return' ORDER BY id"
    )
    assert movements == [("return", 3), ("return", 1)]
    assert await shop.rows("SELECT on_hand FROM warehouse_stock") == [(12,)]
    with pytest.raises(ReturnNotCancellable):
        await shop.adapter.cancel_after_sale(case.service_id)


async def test_more_than_the_line_cannot_be_returned(shop: Shop) -> None:
    placed = await _shipped_order(shop)
    await shop.adapter.apply_after_sale(_request(placed, "AS1", 3))
    for bad in (
        _request(placed, "AS2", 3),
        _request(placed, "AS3", 0),
        _request(placed, "AS4", 1, type=AfterSaleType.EXCHANGE),
        _request(placed, "AS5", 1, pickup=PickupMethod.PICKUP),
    ):
        with pytest.raises(ReturnNotAllowed):
            await shop.adapter.apply_after_sale(bad)
    assert len(await shop.adapter.after_sale_cases(placed.supplier_order_id)) == 1


async def test_cancelled_return_frees_its_units_and_cannot_complete(shop: Shop) -> None:
    placed = await _shipped_order(shop)
    case = await shop.adapter.apply_after_sale(_request(placed, "AS1", 5))
    await shop.adapter.cancel_after_sale(case.service_id)
    await shop.adapter.cancel_after_sale(case.service_id)  # harmless repeat

    again = await shop.adapter.after_sale_options(placed.supplier_order_id, "MILK-1")
    assert again.available_quantity == 5
    with pytest.raises(ReturnNotAllowed):
        await _complete(shop, case.service_id)
    assert await shop.scalar("SELECT count(*) FROM warehouse_movements WHERE kind = 'return'") == 0
