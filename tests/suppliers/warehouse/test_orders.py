"""The order side of the warehouse adapter: idempotency, expiry, shipping, tracking, refusals."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hive.platform.db import Database
from hive.platform.jobs import JobRuntime, defer_in_transaction, run_worker
from hive.suppliers.errors import (
    AreaRestricted,
    CannotCancel,
    OutOfStock,
    PriceChanged,
    SkuNotInPool,
    UpstreamNotFound,
)
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import SupplierKind, UpstreamOrderStatus
from hive.suppliers.warehouse import orders, service, tasks
from hive.suppliers.warehouse.errors import (
    InvalidOrderRequest,
    InvalidOrderTransition,
    ProductOffShelf,
)
from hive.suppliers.warehouse.rules import DEFAULT_RULES, WarehouseRules
from tests.suppliers.warehouse.conftest import (
    NOW,
    OPERATOR,
    TIBET,
    Shop,
    build_shop,
    order,
)


async def _reserved(shop: Shop, sku: str) -> int:
    value = await shop.scalar(
        "SELECT coalesce(sum(s.reserved), 0) FROM warehouse_stock s "
        "JOIN warehouse_products p ON p.id = s.product_id WHERE p.sku = :sku",
        sku=sku,
    )
    return int(value)  # type: ignore[call-overload]


async def _ship(shop: Shop, supplier_order_id: str) -> None:
    async with shop.database.platform_transaction() as session:
        await orders.advance_order(
            session,
            OPERATOR,
            shop.supplier_id,
            supplier_order_id,
            "shipped",
            carrier="SF",
            waybill_no="SF123",
        )


async def test_adapter_satisfies_the_supplier_protocol(shop: Shop) -> None:
    assert isinstance(shop.adapter, SupplierAdapter)
    assert shop.adapter.kind is SupplierKind.WAREHOUSE
    assert await shop.adapter.balance() == 0
    # The warehouse keeps no reviews, category tree or area tree of its own.
    assert await shop.adapter.ratings(["RICE-5"]) == []
    assert await shop.adapter.categories() == []
    assert await shop.adapter.child_areas(None, 1) == []


async def test_duplicate_order_number_returns_first_order(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    first = await shop.adapter.submit_order(order("N1", ("RICE-5", 2, 5_000)))
    second = await shop.adapter.submit_order(order("N1", ("RICE-5", 2, 5_000)))

    assert second == first
    assert await _reserved(shop, "RICE-5") == 2
    assert await shop.adapter.find_order("N1") == first.supplier_order_id
    assert await shop.adapter.find_order("never-sent") is None


async def test_the_warehouse_keeps_the_receiver_masked_only(shop: Shop) -> None:
    """The whole receiver is personal data kept once, encrypted, on Hive's order: the
    warehouse's own order row holds masked values and the area, never the whole name, mobile
    or street address."""
    await shop.receive("SH", "RICE-5", "R1", 10)
    await shop.adapter.submit_order(order("N-PII", ("RICE-5", 1, 5_000)))
    stored = await shop.scalar("SELECT recipient FROM warehouse_orders WHERE order_no = 'N-PII'")
    assert isinstance(stored, dict)
    assert (stored["name"], stored["mobile"], stored["address"]) == (
        "张*",
        "138****0000",
        "人民路 1 ****",
    )
    assert "email" not in stored and stored["area"][0] == 2  # Shanghai, the order's province
    assert "13800000000" not in str(stored) and "张三" not in str(stored)


async def test_concurrent_submissions_of_one_order_number_make_one_order(
    pooled_database: Database,
) -> None:
    shop = await build_shop(pooled_database)
    await shop.receive("SH", "RICE-5", "R1", 100)
    placed = await asyncio.gather(
        *(shop.adapter.submit_order(order("SAME", ("RICE-5", 3, 5_000))) for _ in range(10))
    )
    assert {p.supplier_order_id for p in placed} == {placed[0].supplier_order_id}
    assert await _reserved(shop, "RICE-5") == 3


async def test_totals_include_freight_below_the_free_threshold(shop: Shop) -> None:
    await shop.receive("SH", "MILK-1", "M1", 100)
    small = await shop.adapter.submit_order(order("T1", ("MILK-1", 2, 350)))
    big = await shop.adapter.submit_order(order("T2", ("MILK-1", 40, 350)))

    assert (small.freight_fen, small.total_fen) == (DEFAULT_RULES.flat_freight_fen, 700 + 800)
    assert (big.freight_fen, big.total_fen) == (0, 14_000)


async def test_expired_reservations_are_released_by_the_task_function(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    stale = await shop.adapter.submit_order(order("X1", ("RICE-5", 4, 5_000)))
    kept = await shop.adapter.submit_order(order("X2", ("RICE-5", 1, 5_000)))
    await shop.adapter.confirm_order(kept.supplier_order_id)
    ttl = DEFAULT_RULES.reservation_ttl

    assert await tasks.release_expired(shop.database, NOW + ttl - timedelta(seconds=1)) == 0
    assert await tasks.release_expired(shop.database, NOW + ttl) == 1
    assert await tasks.release_expired(shop.database, NOW + ttl * 10) == 0

    assert (await shop.adapter.order_detail(stale.supplier_order_id)).status is (
        UpstreamOrderStatus.CANCELLED
    )
    assert (await shop.adapter.order_detail(kept.supplier_order_id)).status is (
        UpstreamOrderStatus.CONFIRMED
    )
    assert await _reserved(shop, "RICE-5") == 0
    with pytest.raises(InvalidOrderTransition):
        await shop.adapter.confirm_order(stale.supplier_order_id)


async def test_release_loops_over_more_expired_orders_than_one_batch(shop: Shop) -> None:
    await shop.receive("SH", "MILK-1", "M1", 500)
    for n in range(7):
        await shop.adapter.submit_order(order(f"L{n}", ("MILK-1", 1, 350)))
    small_batches = WarehouseRules(release_batch_size=3)
    released = await tasks.release_expired(shop.database, NOW + timedelta(days=1), small_batches)
    assert released == 7
    assert await _reserved(shop, "MILK-1") == 0


async def test_the_procrastinate_task_releases_expired_reservations(
    shop: Shop, job_runtime: JobRuntime
) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    placed = await shop.adapter.submit_order(order("J1", ("RICE-5", 4, 5_000)))
    # The job's timestamp is its "now": a day after the order, so the reservation has expired.
    timestamp = int((NOW + timedelta(days=1)).timestamp())
    async with shop.database.platform_transaction() as session:
        await defer_in_transaction(session, tasks.release_expired_reservations, timestamp=timestamp)
    await run_worker(job_runtime, wait=False)

    assert (await shop.adapter.order_detail(placed.supplier_order_id)).status is (
        UpstreamOrderStatus.CANCELLED
    )
    status = await shop.scalar(
        "SELECT status::text FROM procrastinate_jobs WHERE (args->>'timestamp')::bigint = :ts",
        ts=timestamp,
    )
    assert status == "succeeded"


async def test_cancel_after_shipping_is_refused(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    placed = await shop.adapter.submit_order(order("S1", ("RICE-5", 2, 5_000), direct=True))
    await _ship(shop, placed.supplier_order_id)

    with pytest.raises(CannotCancel) as refused:
        await shop.adapter.cancel_order(placed.supplier_order_id)
    assert refused.value.code == "supplier_cannot_cancel"
    on_hand = await shop.scalar("SELECT on_hand FROM warehouse_stock WHERE on_hand > 0")
    assert on_hand == 8
    detail = await shop.adapter.order_detail(placed.supplier_order_id)
    assert detail.status is UpstreamOrderStatus.SHIPPED


async def test_shipping_a_reserved_order_is_refused(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    placed = await shop.adapter.submit_order(order("S2", ("RICE-5", 2, 5_000)))
    with pytest.raises(InvalidOrderTransition):
        await _ship(shop, placed.supplier_order_id)


async def test_track_lists_movements_and_status_changes_in_order(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    placed = await shop.adapter.submit_order(order("TR", ("RICE-5", 2, 5_000)))
    await shop.adapter.confirm_order(placed.supplier_order_id)
    await _ship(shop, placed.supplier_order_id)
    async with shop.database.platform_transaction() as session:
        for status in ("delivered", "completed"):
            await orders.advance_order(
                session, OPERATOR, shop.supplier_id, placed.supplier_order_id, status
            )

    track = await shop.adapter.track(placed.supplier_order_id)

    contents = [e.content for e in track.events]
    assert contents[0].startswith("SH RICE-5 × 2 预占")
    assert "Stock reserved" in contents[1]
    assert contents[2].startswith("SH RICE-5 × 2 出库")
    assert [c.split(" / ")[-1] for c in contents[3:]] == [
        "Confirmed",
        "Shipped",
        "Delivered",
        "Completed",
    ]
    assert [(w.carrier, w.waybill_no) for w in track.waybills] == [("SF", "SF123")]
    audit = await shop.scalar(
        "SELECT count(*) FROM audit_log WHERE action LIKE 'warehouse.order_%'"
    )
    assert audit == 3


async def test_unknown_order_ids_are_not_found(shop: Shop) -> None:
    for bad in ("WH999999", "nonsense", "WH", "VOP123"):
        with pytest.raises(UpstreamNotFound):
            await shop.adapter.order_detail(bad)
    with pytest.raises(UpstreamNotFound):
        await shop.adapter.cancel_order("WH1")


async def test_another_suppliers_order_is_not_visible(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    placed = await shop.adapter.submit_order(order("V1", ("RICE-5", 1, 5_000)))
    other = shop.adapter.__class__(shop.database, shop.supplier_id + 1000)
    with pytest.raises(UpstreamNotFound):
        await other.order_detail(placed.supplier_order_id)


@pytest.mark.parametrize(
    ("lines", "error", "code"),
    [
        ((("NOPE", 1, 100),), SkuNotInPool, "sku_not_in_supplier_pool"),
        ((("RICE-5", 1, 4_999),), PriceChanged, "supplier_price_changed"),
        ((("RICE-5", 0, 5_000),), InvalidOrderRequest, "warehouse_invalid_order"),
        (
            (("RICE-5", 1, 5_000), ("RICE-5", 1, 5_000)),
            InvalidOrderRequest,
            "warehouse_invalid_order",
        ),
        ((), InvalidOrderRequest, "warehouse_invalid_order"),
        ((("RICE-5", 1, 5_000), ("MILK-1", 999, 350)), OutOfStock, "out_of_stock"),
    ],
)
async def test_bad_orders_are_refused_and_nothing_is_written(
    shop: Shop, lines: tuple[tuple[str, int, int], ...], error: type[Exception], code: str
) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    await shop.receive("SH", "MILK-1", "M1", 10)
    with pytest.raises(error) as refused:
        await shop.adapter.submit_order(order("BAD", *lines))
    assert getattr(refused.value, "code", None) == code
    assert await shop.scalar("SELECT count(*) FROM warehouse_orders") == 0
    assert (
        await shop.scalar("SELECT count(*) FROM warehouse_movements WHERE kind <> 'receive'") == 0
    )
    assert await _reserved(shop, "RICE-5") == 0


async def test_off_shelf_products_and_unserved_areas_are_refused(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    with pytest.raises(AreaRestricted):
        await shop.adapter.submit_order(order("AR", ("RICE-5", 1, 5_000), area=TIBET))
    async with shop.database.platform_transaction() as session:
        await service.set_shelf(session, OPERATOR, shop.supplier_id, "RICE-5", False)
    with pytest.raises(ProductOffShelf):
        await shop.adapter.submit_order(order("OFF", ("RICE-5", 1, 5_000)))
    assert await shop.scalar("SELECT count(*) FROM warehouse_orders") == 0


async def test_a_late_confirmation_before_the_release_job_still_succeeds(shop: Shop) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    late_clock = NOW + DEFAULT_RULES.reservation_ttl * 2
    placed = await shop.adapter.submit_order(order("LATE", ("RICE-5", 2, 5_000)))
    late = shop.adapter.__class__(shop.database, shop.supplier_id, clock=lambda: late_clock)

    await late.confirm_order(placed.supplier_order_id)

    assert await tasks.release_expired(shop.database, late_clock) == 0
    assert (await late.order_detail(placed.supplier_order_id)).status is (
        UpstreamOrderStatus.CONFIRMED
    )
