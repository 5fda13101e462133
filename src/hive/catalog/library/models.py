"""The library table: one row per product a tenant took into its own library."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base


class ItemStatus(StrEnum):
    AVAILABLE = "available"
    UNAVAILABLE = "unavailable"


class UnavailableReason(StrEnum):
    """Why a library item cannot be sold, most fundamental first (an item has one reason:
    the first that holds)."""

    WITHDRAWN = "withdrawn"  # paused or removed from our product pool by an operator
    NOT_IN_POOLS = "not_in_pools"  # no longer in any distribution pool of the tenant
    OFF_SHELF = "off_shelf"  # off shelf upstream, or out of the supplier's own pool
    OUT_OF_STOCK = "out_of_stock"  # no area where it can be ordered


def _choices(kind: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in kind)


class LibraryItem(Base):
    """A product in a tenant's library. ``retail_price_fen`` is the tenant's own price to its
    shoppers (integer fen); ``unavailable_reason`` is set exactly when the item is
    unavailable."""

    __tablename__ = "library_items"
    __table_args__ = (
        UniqueConstraint("tenant_id", "product_id"),
        Index("ix_library_items_product_id", "product_id"),
        Index("ix_library_items_tenant_id_added_at", "tenant_id", "added_at"),
        CheckConstraint("retail_price_fen >= 0", name="retail_price"),
        CheckConstraint(f"status IN ({_choices(ItemStatus)})", name="status"),
        CheckConstraint(
            f"unavailable_reason IS NULL OR unavailable_reason IN ({_choices(UnavailableReason)})",
            name="unavailable_reason",
        ),
        CheckConstraint(
            "(status = 'available') = (unavailable_reason IS NULL)", name="reason_matches_status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    retail_price_fen: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.AVAILABLE.value)
    unavailable_reason: Mapped[str | None] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(server_default=func.now())
    status_changed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
