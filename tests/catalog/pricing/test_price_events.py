"""A price change of a product in a tenant's library raises one tenant event per tenant that
pays that price, in the reprice's own statement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hive.catalog.pricing import rules
from hive.catalog.pricing import service as pricing
from hive.catalog.pricing.schemas import SpecialPriceInput
from tests.catalog.pricing.conftest import Shop
from tests.support.factories import ADMIN


async def _library(shop: Shop, tenant: int, product: int) -> None:
    await shop.sql(
        "INSERT INTO library_items (tenant_id, product_id, retail_price_fen, status) "
        "VALUES (:t, :p, 99999, 'available')",
        t=tenant,
        p=product,
    )


async def _events(shop: Shop) -> list[tuple[int, str, int, dict[str, int]]]:
    rows = await shop.sql(
        "SELECT tenant_id, type, entity_id, payload FROM tenant_events ORDER BY tenant_id, id"
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_tenants_holding_the_product_are_told_its_new_price_once_each(shop: Shop) -> None:
    normal, gold = await shop.grade("普通", "1.00"), await shop.grade("金牌", "0.95")
    holder, gold_holder = await shop.tenant("holder", normal), await shop.tenant("gold", gold)
    bystander, special = await shop.tenant("bystander", normal), await shop.tenant("vip", normal)
    await shop.sql("UPDATE pricing_rules SET base = 'cost_plus', percent = 50")
    product = await shop.product(1000, 10_000)
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(session, [product])
    for tenant in (holder, gold_holder, special):
        await _library(shop, tenant, product)
    await shop.sql(
        "INSERT INTO pricing_special_prices (tenant_id, product_id, price_fen, "
        "effective_price_fen, floor_hit, valid_from, note) "
        "VALUES (:t, :p, 5000, 5000, false, now() - interval '1 day', '')",
        t=special,
        p=product,
    )
    await shop.supplier_changes(product, "feed", purchase_price_fen=2000)
    # 1500 → 3000 for 普通, 1425 → 2850 for 金牌; the special price (5000) is above the new
    # floor (2020), so the VIP tenant pays what it paid; the bystander holds nothing.
    assert await _events(shop) == [
        (
            holder,
            "product.price_changed",
            product,
            {"product_id": product, "old_price_fen": 1500, "price_fen": 3000},
        ),
        (
            gold_holder,
            "product.price_changed",
            product,
            {"product_id": product, "old_price_fen": 1425, "price_fen": 2850},
        ),
    ]
    assert bystander not in {event[0] for event in await _events(shop)}


async def test_a_special_price_lifted_by_the_floor_tells_its_tenant(shop: Shop) -> None:
    normal = await shop.grade("普通", "1.00")
    vip = await shop.tenant("vip", normal)
    product = await shop.product(1000, 10_000)
    await _library(shop, vip, product)
    await shop.sql(
        "INSERT INTO pricing_special_prices (tenant_id, product_id, price_fen, "
        "effective_price_fen, floor_hit, valid_from, note) "
        "VALUES (:t, :p, 1500, 1500, false, now() - interval '1 day', '')",
        t=vip,
        p=product,
    )
    await shop.supplier_changes(product, "feed", purchase_price_fen=2000)
    # The floor 2000 × 1.01 = 2020 lifts the special price 1500.
    assert await _events(shop) == [
        (
            vip,
            "product.price_changed",
            product,
            {"product_id": product, "old_price_fen": 1500, "price_fen": 2020},
        )
    ]
    flags = await shop.sql("SELECT effective_price_fen, floor_hit FROM pricing_special_prices")
    assert [tuple(f) for f in flags] == [(2020, True)]


async def test_a_new_special_price_valid_now_tells_its_tenant_and_no_one_else(shop: Shop) -> None:
    normal = await shop.grade("普通", "1.00")
    vip, other = await shop.tenant("vip", normal), await shop.tenant("other", normal)
    product = await shop.product(1000, 10_000)
    await _library(shop, vip, product)
    await _library(shop, other, product)
    now = datetime.now(UTC)
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(session, [product])
        await rules.add_special_price(
            session, ADMIN, SpecialPriceInput(vip, product, 8000, now - timedelta(hours=1), None)
        )
        # Not valid yet: nothing to tell today.
        await rules.add_special_price(
            session, ADMIN, SpecialPriceInput(other, product, 9000, now + timedelta(days=1), None)
        )
    assert await _events(shop) == [
        (vip, "product.price_changed", product, {"product_id": product, "price_fen": 8000})
    ]


async def test_special_prices_starting_or_ending_later_are_announced_in_their_minute(
    shop: Shop,
) -> None:
    normal = await shop.grade("普通", "1.00")
    vip = await shop.tenant("vip", normal)
    starting, ending = await shop.product(1000, 10_000), await shop.product(1000, 20_000)
    for product in (starting, ending):
        await _library(shop, vip, product)
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(session, [starting, ending])
    now = datetime.now(UTC)
    # Added earlier: one starts 10 s ago, one ended 10 s ago (neither told when added).
    await shop.sql(
        "INSERT INTO pricing_special_prices (tenant_id, product_id, price_fen, "
        "effective_price_fen, floor_hit, valid_from, valid_until, note, created_at) VALUES "
        "(:t, :s, 7000, 7000, false, :ago, NULL, '', :ago - interval '1 day'), "
        "(:t, :e, 6000, 6000, false, :ago - interval '2 days', :ago, '', "
        ":ago - interval '3 days')",
        t=vip,
        s=starting,
        e=ending,
        ago=now - timedelta(seconds=10),
    )
    async with shop.database.platform_transaction() as session:
        told = await pricing.announce_special_periods(session, now - timedelta(minutes=1), now)
        # The next minute tells nothing again.
        again = await pricing.announce_special_periods(session, now, now + timedelta(minutes=1))
    assert (told, again) == (2, 0)
    assert sorted(await _events(shop)) == sorted(
        [
            (vip, "product.price_changed", starting, {"product_id": starting, "price_fen": 7000}),
            (vip, "product.price_changed", ending, {"product_id": ending, "price_fen": 20_000}),
        ]
    )
