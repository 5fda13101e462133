"""A tenant's price: one read (tenant_price_fen / service.tenant_prices), its own only."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from hive.catalog.pricing import service as pricing
from tests.catalog.pricing.conftest import Shop


async def test_a_tenant_pays_its_grades_price_and_a_valid_special_price_beats_it(
    shop: Shop,
) -> None:
    gold = await shop.grade("金牌", "0.95")
    tenant = await shop.tenant("acme", gold)
    product = await shop.product(10_000, 20_000)
    other = await shop.product(10_000, 30_000)
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(session, [product, other])
    # Default rule: the retail price; × 0.95 for 金牌.
    assert await shop.price(product, gold) == 19_000
    await shop.sql(
        "INSERT INTO pricing_special_prices (tenant_id, product_id, price_fen, "
        "effective_price_fen, floor_hit, valid_from, valid_until, note) VALUES "
        "(:t, :p, 15000, 15000, false, now() - interval '1 day', NULL, ''), "
        "(:t, :o, 11000, 11000, false, now() + interval '1 day', NULL, '')",
        t=tenant,
        p=product,
        o=other,
    )
    async with shop.database.tenant_transaction(tenant) as session:
        prices = await pricing.tenant_prices(session, tenant, [product, other, 999_999])
    # The special price not yet valid does not count; an unknown product has no price.
    assert prices == {product: 15_000, other: 28_500}


async def test_a_tenant_never_reads_another_tenants_price_nor_what_we_pay(shop: Shop) -> None:
    gold, normal = await shop.grade("金牌", "0.95"), await shop.grade("普通", "1.00")
    mine, theirs = await shop.tenant("mine", gold), await shop.tenant("theirs", normal)
    product = await shop.product(10_000, 20_000)
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(session, [product])
    await shop.sql(
        "INSERT INTO pricing_special_prices (tenant_id, product_id, price_fen, "
        "effective_price_fen, floor_hit, valid_from, note) "
        "VALUES (:t, :p, 12000, 12000, false, now() - interval '1 hour', '')",
        t=theirs,
        p=product,
    )
    async with shop.database.tenant_transaction(mine) as session:
        assert await pricing.tenant_prices(session, mine, [product]) == {product: 19_000}
        # Asking for the other tenant's price as this tenant: row-level security hides it.
        assert await pricing.tenant_prices(session, theirs, [product]) == {}
        visible = await session.execute(text("SELECT grade_id, price_fen FROM product_prices"))
        assert visible.all() == [(gold, 19_000)]  # not the other grade's
        specials = await session.execute(text("SELECT count(*) FROM pricing_special_prices"))
        assert specials.scalar_one() == 0
    async with shop.database.platform_transaction() as session:
        assert await pricing.tenant_prices(session, theirs, [product]) == {product: 12_000}
    for hidden in ("floor_fen", "below_cost"):
        with pytest.raises(ProgrammingError, match="permission denied"):
            async with shop.database.tenant_transaction(mine) as session:
                await session.execute(text(f"SELECT {hidden} FROM product_prices"))
    with pytest.raises(ProgrammingError, match="permission denied"):
        async with shop.database.tenant_transaction(mine) as session:
            await session.execute(text("SELECT min_fen FROM pricing_bands"))


async def test_a_tenant_cannot_write_special_prices(shop: Shop) -> None:
    grade = await shop.grade("普通", "1.00")
    tenant = await shop.tenant("acme", grade)
    product = await shop.product(10_000, 20_000)
    with pytest.raises(ProgrammingError, match="permission denied"):
        async with shop.database.tenant_transaction(tenant) as session:
            await session.execute(
                text(
                    "INSERT INTO pricing_special_prices (tenant_id, product_id, price_fen, "
                    "effective_price_fen, floor_hit, valid_from, note) "
                    "VALUES (:t, :p, 1, 1, false, now(), '')"
                ),
                {"t": tenant, "p": product},
            )
