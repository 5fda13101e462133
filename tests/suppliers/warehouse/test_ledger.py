"""Random sequences of stock work keep the ledger, the counters and the batches in agreement."""

from __future__ import annotations

import asyncio
import contextlib
import random
from datetime import timedelta

import pytest

from hive.platform.db import Database
from hive.platform.errors import HiveError
from hive.suppliers.types import MessageType
from hive.suppliers.warehouse import service, tasks
from tests.suppliers.warehouse.conftest import NOW, OPERATOR, Shop, build_shop, order

PRICES = {"MILK-1": 350, "RICE-5": 5_000}


async def _check_invariants(shop: Shop) -> None:
    # The movement ledger explains every on-hand and reserved unit.
    ledger_mismatch = await shop.rows(
        "SELECT s.warehouse_id, s.product_id FROM warehouse_stock s LEFT JOIN ("
        " SELECT warehouse_id, product_id,"
        "  sum(quantity) FILTER (WHERE kind IN ('receive', 'deduct', 'adjust', 'return')) AS h,"
        "  sum(quantity) FILTER (WHERE kind IN ('reserve', 'release', 'deduct')) AS r"
        " FROM warehouse_movements GROUP BY 1, 2) m USING (warehouse_id, product_id)"
        " WHERE s.on_hand <> coalesce(m.h, 0) OR s.reserved <> coalesce(m.r, 0)"
    )
    assert ledger_mismatch == []
    counters_mismatch = await shop.rows(
        "SELECT s.warehouse_id FROM warehouse_stock s LEFT JOIN ("
        " SELECT warehouse_id, product_id, sum(quantity_remaining) AS h,"
        "  sum(quantity_reserved) AS r FROM warehouse_batches GROUP BY 1, 2) b"
        " USING (warehouse_id, product_id)"
        " WHERE s.on_hand <> coalesce(b.h, 0) OR s.reserved <> coalesce(b.r, 0)"
    )
    assert counters_mismatch == []
    open_reservations = await shop.scalar(
        "SELECT coalesce(sum(a.quantity), 0) FROM warehouse_allocations a "
        "JOIN warehouse_orders o ON o.id = a.order_id WHERE o.status = 'reserved'"
    )
    assert open_reservations == await shop.scalar(
        "SELECT coalesce(sum(reserved), 0) FROM warehouse_stock"
    )


async def _random_step(shop: Shop, rng: random.Random, step: int, placed: list[str]) -> None:
    choice = rng.choice(["receive", "submit", "submit", "confirm", "cancel", "adjust", "expire"])
    sku = rng.choice(list(PRICES))
    if choice == "receive":
        await shop.receive("SH", sku, f"B{step}", rng.randint(1, 8), rng.randint(2, 60))
    elif choice == "submit":
        request = order(
            f"O{step}", (sku, rng.randint(1, 6), PRICES[sku]), direct=rng.random() < 0.3
        )
        placed.append((await shop.adapter.submit_order(request)).supplier_order_id)
    elif choice in ("confirm", "cancel") and placed:
        target = rng.choice(placed)
        call = shop.adapter.confirm_order if choice == "confirm" else shop.adapter.cancel_order
        await call(target)
    elif choice == "adjust":
        batch = await shop.scalar(
            "SELECT batch_no FROM warehouse_batches b JOIN warehouse_products p "
            "ON p.id = b.product_id WHERE p.sku = :s ORDER BY random() LIMIT 1",
            s=sku,
        )
        if batch is not None:
            async with shop.database.platform_transaction() as session:
                await service.adjust_stock(
                    session,
                    OPERATOR,
                    shop.supplier_id,
                    warehouse_code="SH",
                    sku=sku,
                    batch_no=str(batch),
                    delta=rng.choice([-2, -1, 1, 3]),
                    reason="盘点",
                    now=NOW,
                )
    elif choice == "expire":
        await tasks.release_expired(shop.database, NOW + timedelta(days=1))


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_stock_work_keeps_ledger_counters_and_batches_in_agreement(
    shop: Shop, seed: int
) -> None:
    rng = random.Random(seed)
    placed: list[str] = []
    for step in range(60):
        # Refusals (out of stock, below reserved, confirming a cancelled order) are part of it.
        with contextlib.suppress(HiveError):
            await _random_step(shop, rng, step, placed)
    assert len(placed) >= 5
    assert await shop.scalar("SELECT count(DISTINCT kind) FROM warehouse_movements") >= 5
    await _check_invariants(shop)
    negatives = await shop.scalar(
        "SELECT count(*) FROM warehouse_batches WHERE quantity_remaining < 0 "
        "OR quantity_reserved < 0 OR quantity_reserved > quantity_remaining"
    )
    assert negatives == 0


async def test_two_release_jobs_at_once_cancel_each_order_exactly_once(
    pooled_database: Database,
) -> None:
    shop = await build_shop(pooled_database)
    await shop.receive("SH", "MILK-1", "M1", 100)
    for n in range(30):
        await shop.adapter.submit_order(order(f"E{n}", ("MILK-1", 1, 350)))
    rules = tasks.DEFAULT_RULES.__class__(release_batch_size=4)
    later = NOW + timedelta(days=1)

    counts = await asyncio.gather(
        *(tasks.release_expired(shop.database, later, rules) for _ in range(3))
    )

    assert sum(counts) == 30
    auto_cancelled = await shop.scalar(
        "SELECT count(*) FROM warehouse_outbox WHERE type = :t",
        t=int(MessageType.ORDER_AUTO_CANCELLED),
    )
    assert auto_cancelled == 30
    assert await shop.scalar("SELECT sum(reserved) FROM warehouse_stock") == 0
    events = await shop.rows(
        "SELECT order_id, count(*) FROM warehouse_order_events WHERE status = 'cancelled' "
        "GROUP BY order_id HAVING count(*) <> 1"
    )
    assert events == []
