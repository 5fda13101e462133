"""Reading the pricing pages' forms: text in, validated inputs out, or every problem at once.

Amounts are yuan with at most 2 decimals (``hive.platform.money.parse_yuan``); percentages and
coefficients are decimals with at most 4 decimals in ASCII or full-width digits. A refusal is
:class:`InvalidPricing` listing one :class:`Problem` per field, with stable codes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from hive.catalog.pricing.engine import Base, Rounding, Scope
from hive.catalog.pricing.errors import InvalidPricing
from hive.catalog.pricing.schemas import MAX_BANDS, BandInput, RuleInput, SpecialPriceInput
from hive.platform.money import InvalidAmount, parse_yuan
from hive.platform.validation import InvalidInput, Problem, normalise_digits, parse_id

_DECIMAL = re.compile(r"-?[0-9]{1,6}(?:\.[0-9]{1,4})?", re.ASCII)
LOCAL_TIME = ZoneInfo("Asia/Shanghai")
E = TypeVar("E", bound=StrEnum)

# (minimum, maximum, maximum excluded) of each percentage, by what it is.
PERCENT_RANGES: dict[str, tuple[Decimal, Decimal, bool]] = {
    Base.COST_PLUS: (Decimal(0), Decimal(1000), False),
    Base.RETAIL_DISCOUNT: (Decimal(0), Decimal(100), True),
    "adjust": (Decimal("-99.9999"), Decimal(1000), False),
    "margin": (Decimal(0), Decimal(1000), False),
    "coefficient": (Decimal("0.0001"), Decimal("99.9999"), False),
}


class _Problems:
    """Collects the problems of one form."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def add(self, field: str, code: str, **params: object) -> None:
        self.found.append(Problem(field, code, params))

    def raise_any(self) -> None:
        if self.found:
            raise InvalidPricing(self.found)

    def decimal(self, raw: str, field: str, kind: str) -> Decimal | None:
        text = normalise_digits(raw).strip()
        if not text:
            self.add(field, "required")
            return None
        if not _DECIMAL.fullmatch(text):
            self.add(field, "not_a_number", places=4)  # as _DECIMAL takes them
            return None
        value = Decimal(text)
        low, high, high_open = PERCENT_RANGES[kind]
        if value < low:
            self.add(field, "too_small", min=str(low))
        elif value > high or (high_open and value == high):
            self.add(field, "too_large", max=f"< {high}" if high_open else str(high))
        return value

    def yuan(self, raw: str, field: str, *, required: bool = True) -> int | None:
        if not raw.strip():
            if required:
                self.add(field, "required")
            return None
        try:
            return parse_yuan(raw)
        except InvalidAmount:
            self.add(field, "invalid_amount")
            return None

    def choice(self, raw: str, kind: type[E], field: str) -> E | None:
        try:
            return kind(raw.strip())
        except ValueError:
            self.add(field, "not_a_choice", choices=", ".join(kind))
            return None

    def id(self, raw: str, field: str) -> int | None:
        try:
            found = parse_id(raw, field)
        except InvalidInput as error:
            self.found.extend(error.problems)
            return None
        if found is None:
            self.add(field, "required")
        return found

    def time(self, raw: str, field: str, *, required: bool) -> datetime | None:
        """A ``datetime-local`` value, read as Asia/Shanghai time."""
        if not raw.strip():
            if required:
                self.add(field, "required")
            return None
        try:
            return datetime.fromisoformat(raw.strip()).replace(tzinfo=LOCAL_TIME)
        except ValueError:
            self.add(field, "invalid_format")
            return None


def read_rule(form: Mapping[str, str], bands: Sequence[tuple[str, str, str]]) -> RuleInput:
    """A rule from its form fields and its band rows ``(min yuan, max yuan, adjust %)``."""
    problems = _Problems()
    scope = problems.choice(form.get("scope", ""), Scope, "scope")
    base = problems.choice(form.get("base", ""), Base, "base")
    rounding = problems.choice(form.get("rounding", "fen"), Rounding, "rounding")
    percent = problems.decimal(form.get("percent", ""), "percent", base or Base.COST_PLUS)
    target = _target(problems, scope, form)
    parsed = _bands(problems, bands)
    problems.raise_any()
    assert scope is not None
    assert base is not None
    assert rounding is not None
    assert percent is not None
    category_id, brand, product_id = target
    return RuleInput(
        scope=scope,
        base=base,
        percent=percent,
        rounding=rounding,
        allow_above_retail=form.get("allow_above_retail", "") in ("1", "true", "on"),
        bands=parsed,
        category_id=category_id,
        brand=brand,
        product_id=product_id,
    )


def _target(
    problems: _Problems, scope: Scope | None, form: Mapping[str, str]
) -> tuple[int | None, str | None, int | None]:
    """(category id, brand, product id) named by the form for ``scope``."""
    if scope is Scope.CATEGORY:
        return problems.id(form.get("category_id", ""), "category_id"), None, None
    if scope is Scope.PRODUCT:
        return None, None, problems.id(form.get("product_id", ""), "product_id")
    if scope is Scope.BRAND:
        brand = form.get("brand", "").strip()
        if not brand:
            problems.add("brand", "required")
        elif len(brand) > 128:
            problems.add("brand", "too_long", max=128)
        elif not brand.isprintable():
            problems.add("brand", "control_character")
        return None, brand, None
    return None, None, None


def _bands(problems: _Problems, rows: Sequence[tuple[str, str, str]]) -> tuple[BandInput, ...]:
    filled = [row for row in rows if any(cell.strip() for cell in row)]
    if len(filled) > MAX_BANDS:
        problems.add("bands", "too_large", max=MAX_BANDS)
        return ()
    bands = []
    for low_raw, high_raw, adjust_raw in filled:
        low = problems.yuan(low_raw, "band_min")
        high = problems.yuan(high_raw, "band_max", required=False)
        adjust = problems.decimal(adjust_raw, "band_adjust", "adjust")
        if low is not None and high is not None and high <= low:
            problems.add("band_max", "below_minimum")
        elif low is not None and adjust is not None:
            bands.append(BandInput(low, high, adjust))
    bands.sort(key=lambda b: b.min_fen)
    for before, after in itertools.pairwise(bands):
        if before.max_fen is None or before.max_fen > after.min_fen:
            problems.add("bands", "overlaps")
            break
    return tuple(bands)


def read_margin(raw: str) -> Decimal:
    problems = _Problems()
    margin = problems.decimal(raw, "min_margin_percent", "margin")
    problems.raise_any()
    assert margin is not None
    return margin


def read_coefficient(raw: str) -> Decimal:
    problems = _Problems()
    coefficient = problems.decimal(raw, "price_coefficient", "coefficient")
    problems.raise_any()
    assert coefficient is not None
    return coefficient


def read_id(raw: str, field: str) -> int:
    problems = _Problems()
    found = problems.id(raw, field)
    problems.raise_any()
    assert found is not None
    return found


def read_special_price(form: Mapping[str, str]) -> SpecialPriceInput:
    problems = _Problems()
    tenant_id = problems.id(form.get("tenant_id", ""), "tenant_id")
    product_id = problems.id(form.get("product_id", ""), "product_id")
    price = problems.yuan(form.get("price", ""), "price")
    if price == 0:
        problems.add("price", "too_small", min="0.01")
    start = problems.time(form.get("valid_from", ""), "valid_from", required=True)
    end = problems.time(form.get("valid_until", ""), "valid_until", required=False)
    if start is not None and end is not None and end <= start:
        problems.add("valid_until", "below_minimum")
    note = form.get("note", "").strip()
    if len(note) > 255 or not note.isprintable():
        problems.add("note", "too_long" if len(note) > 255 else "control_character", max=255)
    problems.raise_any()
    assert tenant_id is not None
    assert product_id is not None
    assert price is not None
    assert start is not None
    return SpecialPriceInput(tenant_id, product_id, price, start, end, note)
