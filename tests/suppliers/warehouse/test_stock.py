"""Reservation, deduction and release of stock: FEFO, never expired, never oversold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from hive.platform.db import Database
from hive.suppliers.errors import OutOfStock
from hive.suppliers.types import UpstreamOrderStatus
from tests.suppliers.warehouse.conftest import NOW, Shop, build_shop, in_parallel, order

NOW_PLUS_ONE_DAY = NOW + timedelta(days=1)


async def _stock_row(shop: Shop, warehouse: str, sku: str) -> tuple[object, ...]:
    rows = await shop.rows(
        "SELECT s.on_hand, s.reserved FROM warehouse_stock s "
        "JOIN warehouses w ON w.id = s.warehouse_id "
        "JOIN warehouse_products p ON p.id = s.product_id WHERE w.code = :w AND p.sku = :s",
        w=warehouse,
        s=sku,
    )
    return rows[0]


async def _batches(shop: Shop, sku: str) -> dict[str, tuple[int, int]]:
    rows = await shop.rows(
        "SELECT b.batch_no, b.quantity_remaining, b.quantity_reserved FROM warehouse_batches b "
        "JOIN warehouse_products p ON p.id = b.product_id WHERE p.sku = :s",
        s=sku,
    )
    return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}  # type: ignore[call-overload]


async def _assert_counters_match_batches(shop: Shop) -> None:
    mismatches = await shop.rows(
        "SELECT s.warehouse_id, s.product_id FROM warehouse_stock s "
        "LEFT JOIN (SELECT warehouse_id, product_id, sum(quantity_remaining) r, "
        "sum(quantity_reserved) q FROM warehouse_batches GROUP BY 1, 2) b "
        "USING (warehouse_id, product_id) "
        "WHERE s.on_hand <> coalesce(b.r, 0) OR s.reserved <> coalesce(b.q, 0)"
    )
    assert mismatches == []


async def test_200_parallel_reservations_for_100_units_exactly_100_succeed(
    pooled_database: Database,
) -> None:
    shop = await build_shop(pooled_database)
    await shop.receive("SH", "MILK-1", "B1", 60, expires_in_days=30)
    await shop.receive("SH", "MILK-1", "B2", 40, expires_in_days=60)

    async def attempt(n: int) -> bool:
        try:
            await shop.adapter.submit_order(order(f"P{n:03d}", ("MILK-1", 1, 350)))
        except OutOfStock:
            return False
        return True

    results = await in_parallel(200, attempt)

    assert sum(results) == 100
    assert await _stock_row(shop, "SH", "MILK-1") == (100, 100)
    assert await _batches(shop, "MILK-1") == {"B1": (60, 60), "B2": (40, 40)}
    assert await shop.scalar("SELECT count(*) FROM warehouse_orders") == 100
    await _assert_counters_match_batches(shop)


async def test_parallel_multi_line_orders_in_opposite_sku_order_never_deadlock(
    pooled_database: Database,
) -> None:
    shop = await build_shop(pooled_database)
    await shop.receive("SH", "MILK-1", "M", 30)
    await shop.receive("SH", "RICE-5", "R", 30)
    forward = [("MILK-1", 1, 350), ("RICE-5", 1, 5_000)]

    async def attempt(n: int) -> bool:
        lines = forward if n % 2 else list(reversed(forward))
        try:
            await shop.adapter.submit_order(order(f"X{n}", *lines))
        except OutOfStock:
            return False
        return True

    results = await in_parallel(50, attempt)

    assert sum(results) == 30
    assert await _stock_row(shop, "SH", "RICE-5") == (30, 30)


async def test_reservation_takes_first_expiring_batches_first(shop: Shop) -> None:
    await shop.receive("SH", "MILK-1", "LATE", 10, expires_in_days=90)
    await shop.receive("SH", "MILK-1", "SOON", 4, expires_in_days=10)
    await shop.receive("SH", "MILK-1", "MID", 5, expires_in_days=40)

    await shop.adapter.submit_order(order("F1", ("MILK-1", 7, 350)))

    assert await _batches(shop, "MILK-1") == {"SOON": (4, 4), "MID": (5, 3), "LATE": (10, 0)}


async def test_expired_batches_are_never_reserved(shop: Shop) -> None:
    await shop.receive("SH", "MILK-1", "OLD", 50, expires_in_days=1)
    await shop.receive("SH", "MILK-1", "NEW", 5, expires_in_days=60)
    tomorrow_shop = shop.adapter.__class__(
        shop.database, shop.supplier_id, clock=lambda: NOW_PLUS_ONE_DAY
    )

    with pytest.raises(OutOfStock) as refused:
        await tomorrow_shop.submit_order(order("E1", ("MILK-1", 6, 350)))
    assert refused.value.details["available"] == 5

    await tomorrow_shop.submit_order(order("E2", ("MILK-1", 5, 350)))
    assert await _batches(shop, "MILK-1") == {"OLD": (50, 0), "NEW": (5, 5)}


async def test_confirm_turns_reservation_into_deduction(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    placed = await shop.adapter.submit_order(order("C1", ("RICE-5", 3, 5_000)))
    assert placed.status is UpstreamOrderStatus.RESERVED
    assert await _stock_row(shop, "SH", "RICE-5") == (10, 3)

    await shop.adapter.confirm_order(placed.supplier_order_id)
    await shop.adapter.confirm_order(placed.supplier_order_id)  # a repeat changes nothing

    assert await _stock_row(shop, "SH", "RICE-5") == (7, 0)
    detail = await shop.adapter.order_detail(placed.supplier_order_id)
    assert detail.status is UpstreamOrderStatus.CONFIRMED
    kinds = await shop.rows(
        "SELECT kind, quantity FROM warehouse_movements WHERE order_no = 'C1' ORDER BY id"
    )
    assert kinds == [("reserve", 3), ("deduct", -3)]
    await _assert_counters_match_batches(shop)


async def test_place_directly_deducts_without_a_reservation_step(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    placed = await shop.adapter.submit_order(order("D1", ("RICE-5", 2, 5_000), direct=True))
    assert placed.status is UpstreamOrderStatus.CONFIRMED
    assert await _stock_row(shop, "SH", "RICE-5") == (8, 0)


async def test_cancel_releases_the_reservation(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    placed = await shop.adapter.submit_order(order("K1", ("RICE-5", 4, 5_000)))

    await shop.adapter.cancel_order(placed.supplier_order_id)

    assert await _stock_row(shop, "SH", "RICE-5") == (10, 0)
    assert (await shop.adapter.order_detail(placed.supplier_order_id)).status is (
        UpstreamOrderStatus.CANCELLED
    )
    again = await shop.adapter.submit_order(order("K2", ("RICE-5", 10, 5_000)))
    assert again.status is UpstreamOrderStatus.RESERVED


async def test_cancel_after_confirmation_puts_the_units_back(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    placed = await shop.adapter.submit_order(order("K3", ("RICE-5", 4, 5_000), direct=True))

    await shop.adapter.cancel_order(placed.supplier_order_id)

    assert await _stock_row(shop, "SH", "RICE-5") == (10, 0)
    movements = await shop.rows(
        "SELECT kind, quantity FROM warehouse_movements WHERE order_no = 'K3' ORDER BY id"
    )
    assert movements == [("reserve", 4), ("deduct", -4), ("return", 4)]


async def test_the_database_refuses_negative_stock(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 3)
    with pytest.raises(IntegrityError, match="on_hand_not_negative"):
        async with shop.database.platform_transaction() as session:
            await session.execute(text("UPDATE warehouse_stock SET on_hand = on_hand - 4"))
    with pytest.raises(IntegrityError, match="remaining_not_negative"):
        async with shop.database.platform_transaction() as session:
            await session.execute(
                text("UPDATE warehouse_batches SET quantity_remaining = -1, quantity_reserved = 0")
            )
    with pytest.raises(IntegrityError, match="reserved_within"):
        async with shop.database.platform_transaction() as session:
            await session.execute(text("UPDATE warehouse_stock SET reserved = on_hand + 1"))
    assert await _stock_row(shop, "SH", "RICE-5") == (3, 0)


async def test_order_takes_stock_only_from_warehouses_serving_the_province(shop: Shop) -> None:
    await shop.receive("BJ", "TEA-1", "T1", 5)
    with pytest.raises(OutOfStock):
        await shop.adapter.submit_order(order("A1", ("TEA-1", 1, 12_000)))
    from tests.suppliers.warehouse.conftest import BEIJING

    placed = await shop.adapter.submit_order(order("A2", ("TEA-1", 5, 12_000), area=BEIJING))
    assert placed.status is UpstreamOrderStatus.RESERVED
    assert await shop.scalar("SELECT count(*) FROM warehouse_orders") == 1
