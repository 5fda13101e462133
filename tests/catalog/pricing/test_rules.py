"""Operators' pricing changes: precedence, what a change reprices, the preview, refusals that
write nothing, special prices and their periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from hive.catalog.pricing import forms, rules
from hive.catalog.pricing import service as pricing
from hive.catalog.pricing.engine import Base, Rounding, Scope
from hive.catalog.pricing.errors import (
    CategoryNotFound,
    InvalidPricing,
    RuleExists,
    SpecialPriceBelowFloor,
    SpecialPricesOverlap,
)
from hive.catalog.pricing.schemas import BandInput, RuleInput, SpecialPriceInput
from hive.catalog.pricing.tasks import run_full_reprice
from tests.catalog.pricing.conftest import Shop
from tests.support.factories import ADMIN


def rule(scope: Scope, percent: str, **target: object) -> RuleInput:
    return RuleInput(
        scope=scope,
        base=Base.COST_PLUS,
        percent=Decimal(percent),
        rounding=Rounding.FEN,
        allow_above_retail=True,
        **target,  # type: ignore[arg-type]
    )


async def _save(shop: Shop, data: RuleInput, rule_id: int | None = None) -> int:
    async with shop.database.platform_transaction() as session:
        return (await rules.save_rule(session, ADMIN, data, rule_id=rule_id)).id


async def test_precedence_product_over_brand_over_nearest_category_over_default(
    shop: Shop,
) -> None:
    grade = await shop.grade("普通", "1.00")
    by_product = await shop.product(1000, 0, category_id=3, brand="美的")
    by_brand = await shop.product(1000, 0, category_id=3, brand="美的")
    by_leaf = await shop.product(1000, 0, category_id=3, brand="苏泊尔")
    by_root = await shop.product(1000, 0, category_id=2, brand="苏泊尔")
    by_default = await shop.product(1000, 0, category_id=6)
    await _save(shop, rule(Scope.CATEGORY, "10", category_id=1))  # 家电, inherited down
    await _save(shop, rule(Scope.CATEGORY, "20", category_id=3))  # 电饭煲
    await _save(shop, rule(Scope.BRAND, "30", brand="美的"))
    await _save(shop, rule(Scope.PRODUCT, "40", product_id=by_product))
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(
            session, [by_product, by_brand, by_leaf, by_root, by_default]
        )
    prices = [await shop.price(p, grade) for p in (by_product, by_brand, by_leaf, by_root)]
    assert prices == [1400, 1300, 1200, 1100]
    # Default rule: retail discount 0 % of a retail price of 0 → the floor (1000 × 1.01).
    assert await shop.price(by_default, grade) == 1010


async def test_saving_a_rule_reprices_only_the_products_it_touches(shop: Shop) -> None:
    grade = await shop.grade("普通", "1.00")
    inside, outside = (
        await shop.product(1000, 0, category_id=3),
        await shop.product(1000, 0, category_id=6),
    )
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(session, [inside, outside])
    await _save(shop, rule(Scope.CATEGORY, "50", category_id=2))
    assert await shop.price(inside, grade) == 1500
    assert await shop.price(outside, grade) == 1010  # untouched: still the old price


async def test_the_preview_counts_moves_and_writes_nothing(shop: Shop) -> None:
    grade = await shop.grade("普通", "1.00")
    products = [await shop.product(1000, 1200, category_id=3) for _ in range(3)]
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(session, products)
    data = RuleInput(
        scope=Scope.CATEGORY,
        base=Base.COST_PLUS,
        percent=Decimal(50),
        rounding=Rounding.FEN,
        allow_above_retail=False,
        category_id=3,
    )
    async with shop.database.platform_transaction() as session:
        preview = await rules.preview_rule(session, ADMIN, data)
    # 1200 (retail) → 1500 capped by the ceiling 1200: nothing moves, three ceiling hits.
    assert (preview.products_moved, preview.ceiling_hits) == (0, 3)
    async with shop.database.platform_transaction() as session:
        preview = await rules.preview_rule(
            session, ADMIN, data.__class__(**{**vars(data), "allow_above_retail": True})
        )
    assert (preview.products_moved, preview.prices_moved) == (3, 3)
    assert preview.buckets == {"up_10": 3}  # 1200 → 1500 is +25 %
    assert preview.examples[0]["old_price_fen"] == 1200
    assert preview.examples[0]["price_fen"] == 1500
    assert await shop.sql("SELECT count(*) FROM pricing_rules") == [(1,)]  # nothing written
    assert await shop.price(products[0], grade) == 1200


async def test_bad_rules_are_refused_with_codes_and_nothing_is_written(shop: Shop) -> None:
    cases: list[tuple[dict[str, str], list[tuple[str, str, str]], set[tuple[str, str]]]] = [
        (
            {"scope": "category", "base": "retail_discount", "percent": "100"},
            [],
            {("percent", "too_large"), ("category_id", "required")},
        ),
        (
            {"scope": "brand", "base": "cost_plus", "percent": "abc", "brand": "x"},
            [],
            {("percent", "not_a_number")},
        ),
        (
            {"scope": "galaxy", "base": "cost_plus", "percent": "-1"},
            [],
            {("scope", "not_a_choice"), ("percent", "too_small")},
        ),
        (
            {"scope": "default", "base": "cost_plus", "percent": "5"},
            [("0", "100", "1"), ("50", "", "2")],
            {("bands", "overlaps")},
        ),
        (
            {"scope": "default", "base": "cost_plus", "percent": "5"},
            [("100", "50", "1"), ("x", "", "-100")],
            {
                ("band_max", "below_minimum"),
                ("band_min", "invalid_amount"),
                ("band_adjust", "too_small"),
            },
        ),
    ]
    for form, bands, expected in cases:
        with pytest.raises(InvalidPricing) as refused:
            forms.read_rule(form, bands)
        assert {(p.field, p.code) for p in refused.value.problems} == expected, form
    with pytest.raises(CategoryNotFound):
        await _save(shop, rule(Scope.CATEGORY, "5", category_id=999))
    with pytest.raises(RuleExists):
        await _save(shop, rule(Scope.DEFAULT, "5"))
    await _save(shop, rule(Scope.BRAND, "5", brand="美的"))
    with pytest.raises(RuleExists):
        await _save(shop, rule(Scope.BRAND, "6", brand="美的"))
    assert await shop.sql("SELECT count(*) FROM pricing_rules") == [(2,)]
    assert await shop.sql("SELECT count(*) FROM audit_log WHERE action LIKE 'pricing.%'") == [(1,)]


async def test_bands_adjust_the_amount_after_the_grade(shop: Shop) -> None:
    grade = await shop.grade("金牌", "0.95")
    cheap, dear = await shop.product(1000, 0), await shop.product(100_000, 0)
    data = RuleInput(
        scope=Scope.CATEGORY,
        base=Base.COST_PLUS,
        percent=Decimal(20),
        rounding=Rounding.FEN,
        allow_above_retail=True,
        category_id=3,
        bands=(BandInput(0, 5000, Decimal(10)), BandInput(50_000, None, Decimal(-5))),
    )
    await _save(shop, data)
    # cheap: 1000 × 1.2 × 0.95 = 1140 (in [0, 50 yuan)) × 1.10 = 1254;
    # dear: 100000 × 1.2 × 0.95 = 114000 (≥ 500 yuan) × 0.95 = 108300.
    assert (await shop.price(cheap, grade), await shop.price(dear, grade)) == (1254, 108_300)


async def test_special_prices_refuse_overlaps_and_prices_below_the_floor(shop: Shop) -> None:
    grade = await shop.grade("普通", "1.00")
    tenant = await shop.tenant("acme", grade)
    product = await shop.product(1000, 2000)
    now = datetime.now(UTC)

    async def add(price: int, start: datetime, end: datetime | None) -> None:
        async with shop.database.platform_transaction() as session:
            await rules.add_special_price(
                session, ADMIN, SpecialPriceInput(tenant, product, price, start, end)
            )

    await add(1500, now - timedelta(days=1), now + timedelta(days=10))
    with pytest.raises(SpecialPricesOverlap):
        await add(1600, now + timedelta(days=5), None)
    with pytest.raises(SpecialPriceBelowFloor):
        await add(1009, now + timedelta(days=20), None)  # floor 1000 × 1.01 = 1010
    await add(1010, now + timedelta(days=10), None)  # right after the first: no overlap
    assert await shop.sql("SELECT count(*) FROM pricing_special_prices") == [(2,)]
    async with shop.database.tenant_transaction(tenant) as session:
        assert await pricing.tenant_prices(session, tenant, [product]) == {product: 1500}
    async with shop.database.platform_transaction() as session:
        explained = await pricing.explain(session, product, tenant_id=tenant)
    assert explained.special and explained.stored_fen == explained.price.price_fen == 1500
    assert [step.code for step in explained.price.steps] == ["special"]


async def test_a_coefficient_change_reprices_every_product_in_a_job_with_progress(
    shop: Shop,
) -> None:
    grade = await shop.grade("银牌", "1.00")
    products = [await shop.product(1000, 2000) for _ in range(5)]
    async with shop.database.platform_transaction() as session:
        started = await rules.set_grade_coefficient(session, ADMIN, grade, Decimal("0.98"))
    jobs = await shop.sql(
        "SELECT task_name, args FROM procrastinate_jobs WHERE task_name LIKE '%reprice%'"
    )
    [(progress_id, actor)] = await shop.sql("SELECT id, actor_name FROM job_progress")
    assert actor == "system"  # a grade change asks for it: the system reprices
    assert started == progress_id
    args = {"progress_id": progress_id}
    assert [tuple(j) for j in jobs] == [("hive.catalog.pricing.reprice_all", args)]
    totals = await run_full_reprice(shop.database, progress_id, chunk=2, margin=Decimal(1))
    assert totals.products == 5
    assert {await shop.price(p, grade) for p in products} == {1960}
    row = await shop.sql("SELECT status, done, planned, counts FROM job_progress")
    assert [tuple(r) for r in row] == [("finished", 5, 5, {"changed": 5, "kept": 0})]
