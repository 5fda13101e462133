"""Tables of pricing: rules, price bands, category floors, materialised prices, special prices.

Money is integer fen; percentages are ``numeric(8, 4)`` (``12.5`` means 12.5 %). The ranges
each percentage may take are checked here, in the database, as well as in the schemas
(docs/pricing.md lists them).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base, TimestampedMixin

PERCENT = Numeric(8, 4)


class PricingRule(Base, TimestampedMixin):
    """How the base price of the products in a scope is made.

    ``scope`` is ``default`` (exactly one row), ``category`` (inherits down the category tree),
    ``brand`` or ``product``; the most specific rule of a product applies. ``base`` is
    ``cost_plus`` (purchase price × (1 + percent/100)) or ``retail_discount`` (supplier retail
    price × (1 − percent/100)). ``rounding`` is ``fen``, ``jiao`` (0.1 yuan) or ``nine``
    (a .9 yuan ending). ``allow_above_retail`` lifts the ceiling.
    """

    __tablename__ = "pricing_rules"
    __table_args__ = (
        CheckConstraint("scope IN ('default', 'category', 'brand', 'product')", name="scope"),
        CheckConstraint(
            "(scope = 'category') = (category_id IS NOT NULL) "
            "AND (scope = 'brand') = (brand IS NOT NULL) "
            "AND (scope = 'product') = (product_id IS NOT NULL)",
            name="scope_target",
        ),
        CheckConstraint("base IN ('cost_plus', 'retail_discount')", name="base"),
        CheckConstraint(
            "(base = 'cost_plus' AND percent >= 0 AND percent <= 1000) "
            "OR (base = 'retail_discount' AND percent >= 0 AND percent < 100)",
            name="percent",
        ),
        CheckConstraint("rounding IN ('fen', 'jiao', 'nine')", name="rounding"),
        Index(
            "uq_pricing_rules_default", "scope", unique=True, postgresql_where="scope = 'default'"
        ),
        Index("uq_pricing_rules_category_id", "category_id", unique=True),
        Index("uq_pricing_rules_brand", "brand", unique=True),
        Index("uq_pricing_rules_product_id", "product_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    brand: Mapped[str | None] = mapped_column(String(128))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    base: Mapped[str] = mapped_column(String(16))
    percent: Mapped[Decimal] = mapped_column(PERCENT)
    rounding: Mapped[str] = mapped_column(String(8), default="fen")
    allow_above_retail: Mapped[bool] = mapped_column(default=False)


class PricingBand(Base):
    """A price band of a rule: amounts in [min_fen, max_fen) after the grade coefficient are
    adjusted by ``adjust_percent`` (−99.9999 … 1000). Bands of one rule never overlap."""

    __tablename__ = "pricing_bands"
    __table_args__ = (
        CheckConstraint("min_fen >= 0 AND (max_fen IS NULL OR max_fen > min_fen)", name="range"),
        CheckConstraint("adjust_percent > -100 AND adjust_percent <= 1000", name="adjust"),
        ExcludeConstraint(
            ("rule_id", "="),
            (text("int8range(min_fen, max_fen)"), "&&"),
            name="ex_pricing_bands_overlap",
            using="gist",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("pricing_rules.id", ondelete="CASCADE"))
    min_fen: Mapped[int]
    max_fen: Mapped[int | None]
    adjust_percent: Mapped[Decimal] = mapped_column(PERCENT)


class CategoryFloor(Base, TimestampedMixin):
    """The minimum margin over the purchase price in a category (inherits down the tree)."""

    __tablename__ = "pricing_category_floors"
    __table_args__ = (
        CheckConstraint("min_margin_percent >= 0 AND min_margin_percent <= 1000", name="margin"),
    )

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    min_margin_percent: Mapped[Decimal] = mapped_column(PERCENT)


class ProductPrice(Base):
    """The materialised price of a product for a customer grade, and how it was bounded.

    ``floor_fen`` is the lowest price allowed (purchase price + minimum margin, rounded up);
    ``below_cost`` says the price before the floor was below the purchase price (the floor
    lifted it: operators see these); ``no_fit`` says no value with the rule's ending fitted
    between floor and ceiling, so the price was rounded to the fen.
    """

    __tablename__ = "product_prices"
    __table_args__ = (
        Index("ix_product_prices_below_cost", "product_id", postgresql_where="below_cost"),
        Index("ix_product_prices_grade_id", "grade_id"),
    )

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    grade_id: Mapped[int] = mapped_column(
        ForeignKey("customer_grades.id", ondelete="CASCADE"), primary_key=True
    )
    price_fen: Mapped[int]
    floor_fen: Mapped[int]
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("pricing_rules.id", ondelete="SET NULL"))
    floor_hit: Mapped[bool] = mapped_column(default=False)
    ceiling_hit: Mapped[bool] = mapped_column(default=False)
    below_cost: Mapped[bool] = mapped_column(default=False)
    no_fit: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SpecialPrice(Base, TimestampedMixin):
    """A tenant's own price of a product for a period ([valid_from, valid_until), open-ended
    when ``valid_until`` is NULL). Periods of one tenant and product never overlap.

    ``effective_price_fen`` is what the tenant pays: ``price_fen``, lifted to the product's
    floor when the purchase price rose (``floor_hit``); kept current by the reprice.
    """

    __tablename__ = "pricing_special_prices"
    __table_args__ = (
        CheckConstraint("price_fen > 0", name="price"),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="period"),
        ExcludeConstraint(
            ("tenant_id", "="),
            ("product_id", "="),
            (text("tstzrange(valid_from, valid_until)"), "&&"),
            name="ex_pricing_special_prices_overlap",
            using="gist",
        ),
        Index("ix_pricing_special_prices_product_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    price_fen: Mapped[int]
    effective_price_fen: Mapped[int]
    floor_hit: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(String(255), default="")
