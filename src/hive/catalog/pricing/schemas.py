"""What operators submit: a pricing rule with its bands, a category floor, a special price,
a grade coefficient. Parsed from form text by :mod:`hive.catalog.pricing.forms`.

Documented ranges (docs/pricing.md):

* cost-plus markup: 0 … 1000 %; retail discount: 0 … < 100 % (100 % or more is refused);
* band adjustment: > −100 … 1000 %; bands of one rule must not overlap; min < max;
* minimum margin (floor): 0 … 1000 %;
* grade coefficient: 0.0001 … 99.9999 (at most 4 decimals);
* special price: 0.01 yuan … 10^12 yuan, a period whose end is after its start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hive.catalog.pricing.engine import Base, Rounding, Scope

MAX_BANDS = 10


@dataclass(frozen=True)
class BandInput:
    min_fen: int
    max_fen: int | None
    adjust_percent: Decimal


@dataclass(frozen=True)
class RuleInput:
    """A rule's terms. ``scope`` and its target (``category_id`` / ``brand`` / ``product_id``)
    are fixed when a rule is created; an edit changes the rest."""

    scope: Scope
    base: Base
    percent: Decimal
    rounding: Rounding
    allow_above_retail: bool
    bands: tuple[BandInput, ...] = ()
    category_id: int | None = None
    brand: str | None = None
    product_id: int | None = None


@dataclass(frozen=True)
class SpecialPriceInput:
    tenant_id: int
    product_id: int
    price_fen: int
    valid_from: datetime
    valid_until: datetime | None
    note: str = ""
