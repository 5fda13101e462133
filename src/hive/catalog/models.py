"""Tables of the catalog: reference data, the product pool, its history, selection."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from hive.catalog.status import ProductStatus
from hive.catalog.status import check_constraint as status_check
from hive.platform.db import Base, TimestampedMixin


class Category(Base, TimestampedMixin):
    """Hive's own category tree (3 levels); supplier categories map onto it."""

    __tablename__ = "categories"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 3", name="level"),
        UniqueConstraint("parent_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[int]
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class SupplierCategory(Base):
    """A supplier's category as last synced, and the category of ours it maps to."""

    __tablename__ = "supplier_categories"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 3", name="level"),)

    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[int]
    mapped_category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    synced_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Area(Base):
    """A delivery area (4 levels: province, city, county, town), JD's ids."""

    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 4", name="level"),
        Index("ix_areas_parent_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    parent_id: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[int]
    synced_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Product(Base, TimestampedMixin):
    """A product in the pool: one supplier SKU that operators selected.

    Prices are integer fen; ``value_times`` says as of when each supplier value holds;
    ``stock`` maps a province id to ``{"state", "remaining"}``;
    ``search_vector`` holds the jieba-segmented words of name, brand and category;
    ``orderable_province_ids`` is computed by PostgreSQL from ``stock`` (the provinces where
    the product can be ordered), so no writer has to maintain it.
    """

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("supplier_id", "supplier_sku"),
        CheckConstraint(status_check(), name="status"),
        CheckConstraint("purchase_price_fen >= 0 AND retail_price_fen >= 0", name="prices"),
        Index("ix_products_search_vector", "search_vector", postgresql_using="gin"),
        Index(
            "ix_products_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
        Index("ix_products_retail_price_fen", "retail_price_fen"),
        Index("ix_products_status", "status"),
        Index("ix_products_last_viewed_at", "last_viewed_at"),
        Index("ix_products_calibrated_at", "calibrated_at"),
        Index("ix_products_last_ordered_at", "last_ordered_at"),
        # Covering indexes of pool search: filters, samples and sorted pages of large match
        # sets are read by index-only scans (docs/pool-search.md). The first also serves
        # lookups by category, the second by brand, the third by sales.
        Index(
            "ix_products_category_price",
            "category_id",
            "retail_price_fen",
            postgresql_include=[
                "id",
                "sales",
                "status",
                "brand",
                "on_shelf",
                "orderable_province_ids",
            ],
        ),
        Index(
            "ix_products_brand_sales",
            "brand",
            "sales",
            "id",
            postgresql_include=[
                "category_id",
                "retail_price_fen",
                "status",
                "on_shelf",
                "orderable_province_ids",
            ],
        ),
        Index(
            "ix_products_sales_browse",
            "sales",
            "id",
            postgresql_include=[
                "category_id",
                "retail_price_fen",
                "status",
                "brand",
                "on_shelf",
                "orderable_province_ids",
            ],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    supplier_sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    brand: Mapped[str] = mapped_column(String(128), default="")
    supplier_category_id: Mapped[int | None]
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    image_url: Mapped[str] = mapped_column(String(512), default="")
    images: Mapped[list[str]] = mapped_column(JSONB, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    purchase_price_fen: Mapped[int]
    retail_price_fen: Mapped[int]
    tax_rate_percent: Mapped[int | None]
    good_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    sales: Mapped[int] = mapped_column(default=0)
    on_shelf: Mapped[bool] = mapped_column(default=True)
    in_supplier_pool: Mapped[bool] = mapped_column(default=True)
    stock: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=ProductStatus.ACTIVE.value)
    search_vector: Mapped[str] = mapped_column(TSVECTOR, server_default=text("''::tsvector"))
    orderable_province_ids: Mapped[list[int] | None] = mapped_column(
        ARRAY(Integer), Computed("products_orderable_province_ids(stock)", persisted=True)
    )
    last_viewed_at: Mapped[datetime | None]
    last_ordered_at: Mapped[datetime | None]
    refreshed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    calibrated_at: Mapped[datetime | None]
    # Field name → the time (ISO 8601) the supplier's value held: a message's supplier time,
    # or when a refresh, calibration or selection started reading. An older value never
    # overwrites a newer one (hive.catalog.freshness.apply).
    value_times: Mapped[dict[str, str]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )


class ProductChange(Base):
    """One applied change of a pool product: what changed, from what, to what, and why."""

    __tablename__ = "product_changes"
    __table_args__ = (
        Index("ix_product_changes_product_id_occurred_at", "product_id", "occurred_at"),
        CheckConstraint(
            "source IN ('selection', 'feed', 'refresh', 'calibration', 'operator')", name="source"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    source: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB)


class SelectionRule(Base, TimestampedMixin):
    """Saved conditions that select products into (and out of) the pool."""

    __tablename__ = "selection_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONB)
    scheduled: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    last_run_at: Mapped[datetime | None]


class SelectionRecord(Base):
    """Every selection attempt: who or which rule, which SKU, and what came of it."""

    __tablename__ = "selection_records"
    __table_args__ = (
        Index("ix_selection_records_occurred_at", "occurred_at"),
        Index("ix_selection_records_supplier_sku", "supplier_id", "supplier_sku"),
        CheckConstraint("action IN ('add', 'remove')", name="action"),
        CheckConstraint("outcome IN ('added', 'removed', 'unchanged', 'failed')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    supplier_sku: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(255), default="")
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("selection_rules.id", ondelete="SET NULL")
    )
    # The rule run that wrote the record (a resumed run skips the SKUs it already recorded).
    rule_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("rule_runs.id", ondelete="SET NULL"), index=True
    )
    # The bulk action ("select every hit", hive.platform.progress) whose job wrote the record.
    progress_id: Mapped[int | None] = mapped_column(
        ForeignKey("job_progress.id", ondelete="SET NULL"), index=True
    )


class RuleRun(Base):
    """One run of a selection rule: what it set out to do, and once finished, what it did.

    A run started by a job is keyed by (job, rule): when the job runs again because its worker
    died mid-run, it resumes this run — same plan, SKUs already recorded skipped — instead of
    selecting anew, so nothing is counted or recorded twice.
    """

    __tablename__ = "rule_runs"
    __table_args__ = (
        UniqueConstraint("job_id", "rule_id"),
        CheckConstraint("status IN ('running', 'finished')", name="status"),
        Index("ix_rule_runs_rule_id_started_at", "rule_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("selection_rules.id", ondelete="CASCADE"))
    # The procrastinate job running it; NULL for a run started in the console.
    job_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), server_default="running")
    # {"add": [sku, …], "remove": [product id, …]}, fixed when the run starts.
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    added: Mapped[int] = mapped_column(Integer, server_default="0")
    restored: Mapped[int] = mapped_column(Integer, server_default="0")
    removed: Mapped[int] = mapped_column(Integer, server_default="0")
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None]
