"""The worked example of docs/pricing.md: every number there comes from this test."""

from __future__ import annotations

from decimal import Decimal

from hive.catalog.pricing import rules
from hive.catalog.pricing import service as pricing
from hive.catalog.pricing.engine import Base, Rounding, Scope
from hive.catalog.pricing.schemas import BandInput, RuleInput
from tests.catalog.pricing.conftest import Shop
from tests.support.factories import ADMIN


async def test_the_documented_worked_example(shop: Shop) -> None:
    gold = await shop.grade("金牌", "0.95")
    # An electric rice cooker (电饭煲, category 3 under 厨房电器 2 under 家电 1): we pay 200.00
    # yuan, the supplier's retail price is 299.00 yuan.
    product = await shop.product(20_000, 29_900, category_id=3, brand="美的")
    async with shop.database.platform_transaction() as session:
        # 家电 (1): cost plus 30 %, .9 ending, bands: from 100 yuan −2 %. 美的 has no rule.
        await rules.save_rule(
            session,
            ADMIN,
            RuleInput(
                scope=Scope.CATEGORY,
                base=Base.COST_PLUS,
                percent=Decimal(30),
                rounding=Rounding.NINE,
                allow_above_retail=False,
                category_id=1,
                bands=(BandInput(10_000, None, Decimal(-2)),),
            ),
        )
        await rules.set_floor(session, ADMIN, 2, Decimal(5))  # 厨房电器: minimum margin 5 %
        explained = await pricing.explain(session, product, grade_id=gold)
    steps = [(s.code, s.amount) for s in explained.price.steps]
    assert steps == [
        ("rule", Decimal(0)),  # rule of 家电, inherited by 电饭煲
        ("base_cost_plus", Decimal("26000.00")),  # 20000 × 1.30
        ("grade", Decimal("24700.0000")),  # × 0.95
        ("band", Decimal("24206.000000")),  # ≥ 10000 fen: × 0.98
        ("rounding_nine", Decimal(24190)),  # nearest x.90 yuan: 241.90
    ]
    assert explained.price.floor_fen == 21_000  # 20000 × 1.05
    assert explained.stored_fen == explained.price.price_fen == 24_190
