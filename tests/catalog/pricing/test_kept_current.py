"""Stored prices follow purchase-price changes in the same transaction (feed, refresh and
calibration all apply through apply_bulk; operators' and selection's through the pool)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hive.catalog.freshness.apply import apply_bulk
from tests.catalog.pricing.conftest import Shop


async def test_a_purchase_price_change_reprices_the_product_when_it_commits(shop: Shop) -> None:
    grade = await shop.grade("普通", "1.00")
    await shop.sql("UPDATE pricing_rules SET base = 'cost_plus', percent = 20")
    product, untouched = await shop.product(1000, 5000), await shop.product(1000, 5000)
    await shop.supplier_changes(product, "feed", purchase_price_fen=2000)
    assert await shop.price(product, grade) == 2400  # 2000 × 1.2
    assert await shop.price(untouched, grade) is None  # only what changed is repriced


async def test_a_rolled_back_change_leaves_the_price_alone(shop: Shop) -> None:
    grade = await shop.grade("普通", "1.00")
    product = await shop.product(1000, 5000)
    sku = await shop.supplier_sku(product)
    with pytest.raises(RuntimeError):
        async with shop.database.platform_transaction() as session:
            await apply_bulk(
                session,
                shop.supplier_id,
                {sku: {"retail_price_fen": 4000}},
                source="refresh",
                as_of=datetime.now(UTC),
            )
            raise RuntimeError("the batch failed")
    assert await shop.price(product, grade) is None


async def test_a_purchase_price_rising_above_the_price_is_lifted_by_the_floor_and_listed(
    shop: Shop,
) -> None:
    grade = await shop.grade("普通", "1.00")
    product = await shop.product(1000, 1500)
    await shop.supplier_changes(product, "calibration", purchase_price_fen=1600)
    # Floor = 1600 × 1.01 (the default minimum margin of 1 %) = 1616 > retail 1500: floor wins.
    assert await shop.price(product, grade) == 1616
    flagged = await shop.sql("SELECT product_id FROM product_prices WHERE below_cost")
    assert flagged == [(product,)]
