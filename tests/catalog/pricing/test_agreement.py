"""The set-based SQL reprice and the Python explain agree to the fen: exact ties, bounds, the
fallback, and a property test over random rules, prices, grades, bands and margins."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hive.catalog.pricing import service as pricing
from tests.catalog.pricing.conftest import Shop

MARGIN = Decimal(0)


async def _rule(shop: Shop, base: str, percent: str, rounding: str, above: bool = False) -> None:
    await shop.sql(
        "UPDATE pricing_rules SET base = :b, percent = :p, rounding = :r, "
        "allow_above_retail = :a WHERE scope = 'default'",
        b=base,
        p=Decimal(percent),
        r=rounding,
        a=above,
    )


async def _stored_and_explained(shop: Shop, product: int, grade: int) -> tuple[int | None, int]:
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(session, [product], margin=MARGIN)
        explained = await pricing.explain(session, product, grade_id=grade, margin=MARGIN)
    return await shop.price(product, grade), explained.price.price_fen


@pytest.mark.parametrize(
    ("purchase", "percent", "rounding", "expected"),
    [
        # 103 × 1.5 = 154.5 fen: half-up 155 (round-half-even would give 154).
        (103, "50", "fen", 155),
        # 1000 × 1.025 = 1025 fen: to 0.1 yuan half-up 1030 (half-even: 1020).
        (1000, "2.5", "jiao", 1030),
        # 1000 × 1.14 = 1140 fen, halfway between 10.90 and 11.90 yuan: up to 11.90.
        (1000, "14", "nine", 1190),
        # 1000 × 1.034 = 1034: the nearest 0.1 yuan is below it, 1030, still above the floor.
        (1000, "3.4", "jiao", 1030),
    ],
)
async def test_sql_and_explain_round_exact_ties_half_up(
    shop: Shop, purchase: int, percent: str, rounding: str, expected: int
) -> None:
    grade = await shop.grade("普通", "1.00")
    product = await shop.product(purchase, 100_000)
    await _rule(shop, "cost_plus", percent, rounding)
    assert await _stored_and_explained(shop, product, grade) == (expected, expected)


async def test_a_rounded_value_below_the_floor_rounds_up_and_above_the_ceiling_down(
    shop: Shop,
) -> None:
    grade = await shop.grade("普通", "1.00")
    # Retail 1000 × 0.97 = 970 → .9 ending nearest 990 > ceiling 1000? no: 990 fits.
    # Purchase 985: floor 985 → 970 is lifted to 985, nearest .9 is 990 (within 985..1000).
    lifted = await shop.product(985, 1000)
    # Retail 1085: ceiling 1085; 1085 × 1.0 = 1085 → nearest .9 1090 > 1085 → down to 990.
    lowered = await shop.product(900, 1085)
    await _rule(shop, "retail_discount", "3", "nine")
    assert await _stored_and_explained(shop, lifted, grade) == (990, 990)
    await _rule(shop, "retail_discount", "0", "nine")
    assert await _stored_and_explained(shop, lowered, grade) == (990, 990)


async def test_no_value_with_the_ending_between_the_bounds_rounds_to_the_fen(shop: Shop) -> None:
    grade = await shop.grade("普通", "1.00")
    # Floor 1000, ceiling 1050: no x.90 yuan value between them; 1000 × 1.0237 = 1023.7 → 1024.
    product = await shop.product(1000, 1050)
    await _rule(shop, "cost_plus", "2.37", "nine")
    assert await _stored_and_explained(shop, product, grade) == (1024, 1024)
    async with shop.database.platform_transaction() as session:
        explained = await pricing.explain(session, product, grade_id=grade, margin=MARGIN)
    assert explained.price.no_fit
    assert explained.price.steps[-1].code == "rounding_no_fit"


async def test_a_floor_above_the_ceiling_wins_and_flags_the_loss(shop: Shop) -> None:
    grade = await shop.grade("普通", "1.00")
    product = await shop.product(1200, 1000)  # we pay more than the supplier's retail price
    await _rule(shop, "retail_discount", "0", "fen")
    assert await _stored_and_explained(shop, product, grade) == (1200, 1200)
    flags = await shop.sql(
        "SELECT floor_hit, ceiling_hit, below_cost FROM product_prices WHERE product_id = :p",
        p=product,
    )
    assert [tuple(f) for f in flags] == [(True, False, True)]


percent_4dp = st.decimals(min_value=0, max_value=Decimal("99.9999"), places=4)
coefficient = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("2"), places=4)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    purchase=st.integers(min_value=0, max_value=10**8),
    retail=st.integers(min_value=0, max_value=10**8),
    base=st.sampled_from(["cost_plus", "retail_discount"]),
    percent=percent_4dp,
    rounding=st.sampled_from(["fen", "jiao", "nine"]),
    above=st.booleans(),
    coef=coefficient,
    band=st.one_of(st.none(), st.tuples(st.integers(0, 10**6), percent_4dp.map(lambda p: -p / 2))),
    margin=st.decimals(min_value=0, max_value=Decimal("50"), places=4),
)
async def test_explain_reproduces_the_stored_price(
    shop: Shop,
    purchase: int,
    retail: int,
    base: str,
    percent: Decimal,
    rounding: str,
    above: bool,
    coef: Decimal,
    band: tuple[int, Decimal] | None,
    margin: Decimal,
) -> None:
    grades = await shop.sql("SELECT id FROM customer_grades WHERE name = 'prop'")
    grade = grades[0][0] if grades else await shop.grade("prop", "1")
    await shop.sql(
        "UPDATE customer_grades SET price_coefficient = :c WHERE id = :g", c=coef, g=grade
    )
    await _rule(shop, base, str(percent), rounding, above)
    await shop.sql("DELETE FROM pricing_bands")
    if band is not None:
        await shop.sql(
            "INSERT INTO pricing_bands (rule_id, min_fen, max_fen, adjust_percent) "
            "SELECT id, :lo, NULL, :adj FROM pricing_rules WHERE scope = 'default'",
            lo=band[0],
            adj=band[1],
        )
    await shop.sql("DELETE FROM pricing_category_floors")
    await shop.sql("INSERT INTO pricing_category_floors VALUES (2, :m)", m=margin)
    product = await shop.product(purchase, retail)
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(session, [product])
        explained = await pricing.explain(session, product, grade_id=grade)
    stored = await shop.price(product, grade)
    assert stored == explained.price.price_fen == explained.stored_fen
    assert stored >= explained.price.floor_fen
