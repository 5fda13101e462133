"""The pricing engine: one product's price for one customer grade, with its explanation.

Pure arithmetic, no database. The set-based reprice (:mod:`hive.catalog.pricing.reprice_sql`)
does the same arithmetic in SQL; the two must agree to the fen, ties included.

Precedence (docs/pricing.md writes it out once):

1. which rule: special price > product > brand > category (nearest up the tree) > default;
2. base: cost-plus on the purchase price or a discount off the supplier's retail price;
3. grade: × the customer grade's coefficient;
4. band: × (1 + adjust %) of the rule's band holding the amount after the grade;
5. floor and ceiling: floor = purchase price × (1 + minimum margin %), rounded up to the fen;
   ceiling = the supplier's retail price (none when the rule allows above it, or the supplier
   gives no retail price). When the floor is above the ceiling, the floor wins;
6. rounding, once, half-up (ties away from zero): to the fen, to 0.1 yuan, or to a .9 yuan
   ending. A rounded value below the floor rounds up to the next allowed value, above the
   ceiling down; when no allowed value lies between them, the amount is rounded to the fen.

A special price is final except for the floor: it never sells below it.

Amounts are ``Decimal`` fen; every multiplication is exact (a context of 60 digits), so the
only rounding is the last step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal
from enum import StrEnum

EXACT = Context(prec=60)
PERCENT = Decimal("0.01")


class Base(StrEnum):
    COST_PLUS = "cost_plus"
    RETAIL_DISCOUNT = "retail_discount"


class Rounding(StrEnum):
    FEN = "fen"
    JIAO = "jiao"
    NINE = "nine"


class Scope(StrEnum):
    DEFAULT = "default"
    CATEGORY = "category"
    BRAND = "brand"
    PRODUCT = "product"


# Rounding mode -> (step in fen, ending in fen): allowed values are step × k + ending.
GRID: dict[Rounding, tuple[Decimal, Decimal]] = {
    Rounding.FEN: (Decimal(1), Decimal(0)),
    Rounding.JIAO: (Decimal(10), Decimal(0)),
    Rounding.NINE: (Decimal(100), Decimal(90)),
}


@dataclass(frozen=True)
class Band:
    """Amounts in [min_fen, max_fen) (no upper end when ``max_fen`` is None)."""

    min_fen: int
    max_fen: int | None
    adjust_percent: Decimal

    def holds(self, amount: Decimal) -> bool:
        return amount >= self.min_fen and (self.max_fen is None or amount < self.max_fen)


@dataclass(frozen=True)
class Rule:
    id: int | None
    scope: Scope
    base: Base
    percent: Decimal
    rounding: Rounding = Rounding.FEN
    allow_above_retail: bool = False
    bands: tuple[Band, ...] = ()
    # What the scope names: a category id (the one the rule belongs to), a brand, a product id.
    target: str = ""


@dataclass(frozen=True)
class Step:
    """One step of an explanation: ``code`` names it (texts.py says it in words),
    ``params`` its inputs, ``amount`` the amount in fen after it."""

    code: str
    amount: Decimal
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Price:
    """A computed price (fen) and how it came about."""

    price_fen: int
    floor_fen: int
    floor_hit: bool = False
    ceiling_hit: bool = False
    below_cost: bool = False
    no_fit: bool = False
    steps: tuple[Step, ...] = ()


def floor_fen(purchase_fen: int, min_margin_percent: Decimal) -> int:
    """Purchase price plus the minimum margin, rounded up to the fen."""
    amount = EXACT.multiply(Decimal(purchase_fen), 1 + EXACT.multiply(min_margin_percent, PERCENT))
    return int(amount.to_integral_value(rounding=ROUND_CEILING))


def ceiling_fen(retail_fen: int, rule: Rule) -> int | None:
    """The supplier's retail price, or no ceiling (rule allows above it, or no retail price)."""
    return None if rule.allow_above_retail or retail_fen <= 0 else retail_fen


def base_amount(purchase_fen: int, retail_fen: int, rule: Rule) -> Decimal:
    if rule.base is Base.COST_PLUS:
        factor = 1 + EXACT.multiply(rule.percent, PERCENT)
        return EXACT.multiply(Decimal(purchase_fen), factor)
    return EXACT.multiply(Decimal(retail_fen), 1 - EXACT.multiply(rule.percent, PERCENT))


def grade_price(
    purchase_fen: int,
    retail_fen: int,
    rule: Rule,
    coefficient: Decimal,
    min_margin_percent: Decimal,
) -> Price:
    """The price of a product (purchase and retail price in fen) for a grade's coefficient."""
    steps = [
        Step("rule", Decimal(0), {"rule": str(rule.id), "scope": rule.scope, "target": rule.target})
    ]
    a0 = base_amount(purchase_fen, retail_fen, rule)
    steps.append(Step(f"base_{rule.base}", a0, {"percent": str(rule.percent)}))
    a1 = EXACT.multiply(a0, coefficient)
    steps.append(Step("grade", a1, {"coefficient": str(coefficient)}))
    a2 = a1
    band = next((b for b in rule.bands if b.holds(a1)), None)
    if band is not None:
        a2 = EXACT.multiply(a1, 1 + EXACT.multiply(band.adjust_percent, PERCENT))
        steps.append(Step("band", a2, _band_params(band)))
    low = floor_fen(purchase_fen, min_margin_percent)
    high = ceiling_fen(retail_fen, rule)
    bounds = {"floor": str(low), "ceiling": "" if high is None else str(high)}
    bounded, floor_hit, ceiling_hit, conflict = _bound(a2, low, high)
    if conflict:
        steps.append(Step("floor_above_ceiling", bounded, bounds))
    elif floor_hit or ceiling_hit:
        steps.append(Step("floor" if floor_hit else "ceiling", bounded, bounds))
    price, no_fit = (
        (int(bounded), False) if conflict else round_within(bounded, rule.rounding, low, high)
    )
    code = "rounding_no_fit" if no_fit else f"rounding_{rule.rounding}"
    steps.append(Step(code, Decimal(price), bounds))
    return Price(
        price_fen=price,
        floor_fen=low,
        floor_hit=floor_hit,
        ceiling_hit=ceiling_hit,
        below_cost=a2 < purchase_fen,
        no_fit=no_fit,
        steps=tuple(steps),
    )


def special_price(special_fen: int, purchase_fen: int, min_margin_percent: Decimal) -> Price:
    """A tenant's special price: final, except that the floor lifts it."""
    low = floor_fen(purchase_fen, min_margin_percent)
    steps = [Step("special", Decimal(special_fen), {"special": str(special_fen)})]
    price = max(special_fen, low)
    if price != special_fen:
        steps.append(Step("floor", Decimal(price), {"floor": str(low), "ceiling": ""}))
    return Price(
        price_fen=price,
        floor_fen=low,
        floor_hit=price != special_fen,
        below_cost=special_fen < purchase_fen,
        steps=tuple(steps),
    )


def _bound(amount: Decimal, low: int, high: int | None) -> tuple[Decimal, bool, bool, bool]:
    """(amount within [low, high], floor hit, ceiling hit, floor above ceiling)."""
    if high is not None and low > high:
        return Decimal(low), True, False, True
    if amount < low:
        return Decimal(low), True, False, False
    if high is not None and amount > high:
        return Decimal(high), False, True, False
    return amount, False, False, False


def half_up(amount: Decimal) -> Decimal:
    """To the integer, ties away from zero (as PostgreSQL's ``round(numeric)``)."""
    return amount.to_integral_value(rounding=ROUND_HALF_UP)


def round_within(
    amount: Decimal, rounding: Rounding, low: int, high: int | None
) -> tuple[int, bool]:
    """Round ``amount`` (within [low, high]) to the mode's grid without leaving the bounds:
    below ``low`` to the next grid value up, above ``high`` to the next one down; when none
    fits, to the fen (then the second value is True)."""
    step, ending = GRID[rounding]
    nearest = step * half_up(EXACT.multiply(amount - ending, 1 / step)) + ending
    if nearest < low:
        nearest = step * ((low - ending) / step).to_integral_value(rounding=ROUND_CEILING) + ending
    elif high is not None and nearest > high:
        nearest = step * ((high - ending) / step).to_integral_value(rounding=ROUND_FLOOR) + ending
    if nearest < low or (high is not None and nearest > high):
        return int(half_up(amount)), True
    return int(nearest), False


def _band_params(band: Band) -> dict[str, str]:
    return {
        "min": str(band.min_fen),
        "max": "" if band.max_fen is None else str(band.max_fen),
        "adjust": str(band.adjust_percent),
    }
