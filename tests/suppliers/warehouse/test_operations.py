"""Operators' stock work: validated, audited, and nothing written when refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hive.platform.errors import HiveError
from hive.suppliers.warehouse import service
from hive.suppliers.warehouse.service import BatchReceipt
from tests.suppliers.warehouse.conftest import NOW, OPERATOR, TODAY, Shop, order

TABLES = ("warehouse_batches", "warehouse_movements", "warehouse_low_stock_alerts")


async def _counts(shop: Shop) -> dict[str, object]:
    counts = {t: await shop.scalar(f"SELECT count(*) FROM {t}") for t in TABLES}
    counts["audit"] = await shop.scalar("SELECT count(*) FROM audit_log")
    counts["stock"] = await shop.rows(
        "SELECT warehouse_id, product_id, on_hand, reserved, low_stock_threshold "
        "FROM warehouse_stock ORDER BY 1, 2"
    )
    return counts


async def _threshold(shop: Shop, sku: str, threshold: int, warehouse: str = "SH") -> None:
    async with shop.database.platform_transaction() as session:
        await service.set_threshold(
            session,
            OPERATOR,
            shop.supplier_id,
            warehouse_code=warehouse,
            sku=sku,
            threshold=threshold,
            now=NOW,
        )


async def _adjust(shop: Shop, **overrides: Any) -> None:
    arguments: dict[str, Any] = {
        "warehouse_code": "SH",
        "sku": "RICE-5",
        "batch_no": "R1",
        "delta": -2,
        "reason": "盘点 / stocktake",
    } | overrides
    async with shop.database.platform_transaction() as session:
        await service.adjust_stock(session, OPERATOR, shop.supplier_id, now=NOW, **arguments)


async def test_receiving_a_batch_adds_stock_a_movement_and_an_audit_row(shop: Shop) -> None:
    batch_id = await shop.receive("SH", "RICE-5", "R1", 12)

    assert await shop.rows("SELECT on_hand, reserved FROM warehouse_stock") == [(12, 0)]
    assert await shop.rows("SELECT kind, quantity, batch_id FROM warehouse_movements") == [
        ("receive", 12, batch_id)
    ]
    audit = await shop.rows(
        "SELECT actor_name, target_id, details->>'batch_no' FROM audit_log "
        "WHERE action = 'warehouse.receive'"
    )
    assert audit == [("stock-keeper", str(batch_id), "R1")]


GOOD = BatchReceipt("SH", "RICE-5", "R9", 5, 100, TODAY + timedelta(days=30))


@pytest.mark.parametrize(
    ("receipt", "code"),
    [
        (BatchReceipt("SH", "RICE-5", "R9", 0, 100, GOOD.expires_on), "warehouse_invalid_quantity"),
        (
            BatchReceipt("SH", "RICE-5", "R9", -3, 100, GOOD.expires_on),
            "warehouse_invalid_quantity",
        ),
        (
            BatchReceipt("SH", "RICE-5", "R9", True, 100, GOOD.expires_on),
            "warehouse_invalid_quantity",
        ),  # type: ignore[arg-type]
        (BatchReceipt("SH", "RICE-5", "R9", 5, -1, GOOD.expires_on), "warehouse_invalid_batch"),
        (BatchReceipt("SH", "RICE-5", " ", 5, 100, GOOD.expires_on), "warehouse_invalid_batch"),
        (BatchReceipt("SH", "RICE-5", "R9", 5, 100, TODAY), "warehouse_invalid_batch"),
        (BatchReceipt("XX", "RICE-5", "R9", 5, 100, GOOD.expires_on), "warehouse_not_found"),
        (BatchReceipt("SH", "NOPE", "R9", 5, 100, GOOD.expires_on), "warehouse_sku_not_found"),
        (BatchReceipt("SH", "RICE-5", "R1", 5, 100, GOOD.expires_on), "warehouse_batch_exists"),
    ],
)
async def test_bad_receipts_are_refused_with_stable_codes_and_nothing_written(
    shop: Shop, receipt: BatchReceipt, code: str
) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    before = await _counts(shop)

    with pytest.raises(HiveError) as refused:
        async with shop.database.platform_transaction() as session:
            await service.receive_batch(session, OPERATOR, shop.supplier_id, receipt, NOW)

    assert refused.value.code == code
    assert 400 <= refused.value.http_status < 500
    assert await _counts(shop) == before


async def test_adjusting_a_batch_changes_stock_with_its_reason(shop: Shop) -> None:
    batch_id = await shop.receive("SH", "RICE-5", "R1", 10)
    await _adjust(shop, delta=-3, reason="破损 / damaged")
    await _adjust(shop, delta=1, reason="盘盈 / found")

    assert await shop.rows("SELECT on_hand FROM warehouse_stock") == [(8,)]
    assert await shop.rows(
        "SELECT quantity, reason, batch_id FROM warehouse_movements WHERE kind = 'adjust' "
        "ORDER BY id"
    ) == [(-3, "破损 / damaged", batch_id), (1, "盘盈 / found", batch_id)]
    assert (
        await shop.scalar("SELECT count(*) FROM audit_log WHERE action = 'warehouse.adjust'") == 2
    )


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"delta": 0}, "warehouse_invalid_quantity"),
        ({"reason": "  "}, "warehouse_reason_required"),
        ({"batch_no": "NONE"}, "warehouse_batch_not_found"),
        ({"sku": "NOPE"}, "warehouse_sku_not_found"),
        ({"warehouse_code": "XX"}, "warehouse_not_found"),
        ({"delta": -9}, "warehouse_adjustment_below_reserved"),  # 4 of 10 are reserved
        ({"delta": -11}, "warehouse_adjustment_below_reserved"),
    ],
)
async def test_bad_adjustments_are_refused_and_nothing_written(
    shop: Shop, overrides: dict[str, Any], code: str
) -> None:
    await shop.receive("SH", "RICE-5", "R1", 10)
    await shop.adapter.submit_order(order("ADJ", ("RICE-5", 4, 5_000)))
    before = await _counts(shop)

    with pytest.raises(HiveError) as refused:
        await _adjust(shop, **overrides)

    assert refused.value.code == code
    assert await _counts(shop) == before


async def test_low_stock_alert_is_raised_once_and_cleared_when_restocked(shop: Shop) -> None:
    await shop.receive("SH", "MILK-1", "M1", 20)
    await _threshold(shop, "MILK-1", 10)
    assert await service_alerts(shop) == []

    await shop.adapter.submit_order(order("A1", ("MILK-1", 12, 350)))  # 8 left: below 10
    await shop.adapter.submit_order(order("A2", ("MILK-1", 3, 350)))  # 5 left: still below
    alerts = await service_alerts(shop)
    assert [(a.warehouse_code, a.sku, a.threshold, a.available) for a in alerts] == [
        ("SH", "MILK-1", 10, 8)
    ]

    await shop.receive("SH", "MILK-1", "M2", 10)  # 15 sellable: restocked
    assert await service_alerts(shop) == []
    history = await service_alerts(shop, open_only=False)
    assert len(history) == 1
    assert history[0].cleared_at is not None

    await shop.adapter.submit_order(order("A3", ("MILK-1", 7, 350)))  # 8 left: a new alert
    assert len(await service_alerts(shop)) == 1
    assert len(await service_alerts(shop, open_only=False)) == 2


async def test_setting_a_threshold_above_stock_alerts_and_zero_clears(shop: Shop) -> None:
    await shop.receive("SH", "TEA-1", "T1", 3)
    await _threshold(shop, "TEA-1", 5)
    assert [a.available for a in await service_alerts(shop)] == [3]
    await _threshold(shop, "TEA-1", 0)
    assert await service_alerts(shop) == []
    assert (
        await shop.scalar("SELECT count(*) FROM audit_log WHERE action = 'warehouse.set_threshold'")
        == 2
    )


async def test_threshold_for_a_product_never_received_alerts_at_zero(shop: Shop) -> None:
    await _threshold(shop, "RICE-5", 1, warehouse="BJ")
    assert [(a.warehouse_code, a.available) for a in await service_alerts(shop)] == [("BJ", 0)]


@pytest.mark.parametrize(
    ("warehouse", "sku", "threshold", "code"),
    [
        ("SH", "MILK-1", -1, "warehouse_invalid_quantity"),
        ("XX", "MILK-1", 5, "warehouse_not_found"),
        ("SH", "NOPE", 5, "warehouse_sku_not_found"),
    ],
)
async def test_bad_thresholds_are_refused(
    shop: Shop, warehouse: str, sku: str, threshold: int, code: str
) -> None:
    before = await _counts(shop)
    with pytest.raises(HiveError) as refused:
        await _threshold(shop, sku, threshold, warehouse=warehouse)
    assert refused.value.code == code
    assert await _counts(shop) == before


async def test_duplicate_warehouse_codes_and_skus_are_refused(shop: Shop) -> None:
    with pytest.raises(HiveError) as refused:
        async with shop.database.platform_transaction() as session:
            await service.create_warehouse(
                session, OPERATOR, shop.supplier_id, code="SH", name="又一个", province_ids=[3]
            )
    assert refused.value.code == "warehouse_code_taken"
    with pytest.raises(HiveError) as refused:
        async with shop.database.platform_transaction() as session:
            await service.create_product(
                session,
                OPERATOR,
                shop.supplier_id,
                service.ProductInput("MILK-1", "x", "y", 1, 1, 1),
            )
    assert refused.value.code == "warehouse_sku_taken"
    with pytest.raises(HiveError) as refused:
        async with shop.database.platform_transaction() as session:
            await service.create_warehouse(
                session, OPERATOR, shop.supplier_id, code="GZ", name="广州仓", province_ids=[]
            )
    assert refused.value.code == "warehouse_invalid_warehouse"


async def service_alerts(shop: Shop, *, open_only: bool = True) -> list[service.AlertRow]:
    async with shop.database.platform_transaction() as session:
        return await service.list_alerts(session, shop.supplier_id, open_only=open_only)
