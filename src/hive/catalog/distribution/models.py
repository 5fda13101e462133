"""Tables of distribution pools.

A pool is one of three kinds: the **default** pool holds every product of the product pool, a
**category** pool the products under its categories (each with its whole subtree), an
**exclusive** pool the products listed for it — and a product listed in any exclusive pool is
reserved: no default or category pool shows it. Pools are assigned to customer grades and to
individual tenants; a tenant sees the union of the active pools assigned to it or to its grade.
The rule itself is one SQL function, ``tenant_visible_products`` (migrations 0017, 0020).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base, TimestampedMixin


class PoolKind(StrEnum):
    DEFAULT = "default"
    CATEGORY = "category"
    EXCLUSIVE = "exclusive"


class DistributionPool(Base, TimestampedMixin):
    __tablename__ = "distribution_pools"
    __table_args__ = (
        CheckConstraint("kind IN ('default', 'category', 'exclusive')", name="kind"),
        # One default pool: "every product" needs saying once.
        Index(
            "ix_distribution_pools_one_default",
            "kind",
            unique=True,
            postgresql_where=text("kind = 'default'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)


class PoolCategory(Base):
    """A category (with its subtree) in a category pool."""

    __tablename__ = "distribution_pool_categories"

    pool_id: Mapped[int] = mapped_column(
        ForeignKey("distribution_pools.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)


class PoolProduct(Base):
    """A product listed in an exclusive pool."""

    __tablename__ = "distribution_pool_products"
    __table_args__ = (Index("ix_distribution_pool_products_product_id", "product_id"),)

    pool_id: Mapped[int] = mapped_column(
        ForeignKey("distribution_pools.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(server_default=func.now())


class WithheldProduct(Base):
    """A product listed in some exclusive pool: seen only through exclusive pools, never
    through the default or a category pool (migration 0020). Kept by the service."""

    __tablename__ = "distribution_withheld_products"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id"), primary_key=True, autoincrement=False
    )


class PoolAssignment(Base):
    """A pool given to every tenant of a customer grade, or to one tenant (exactly one of
    ``grade_id`` and ``tenant_id``)."""

    __tablename__ = "distribution_assignments"
    __table_args__ = (
        CheckConstraint("(grade_id IS NULL) <> (tenant_id IS NULL)", name="one_target"),
        UniqueConstraint("pool_id", "grade_id"),
        UniqueConstraint("pool_id", "tenant_id"),
        Index("ix_distribution_assignments_grade_id", "grade_id"),
        Index("ix_distribution_assignments_tenant_id", "tenant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("distribution_pools.id", ondelete="CASCADE"))
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("customer_grades.id"))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
