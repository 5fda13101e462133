"""The workbench cart: what a tenant's user means to order, one line per product. A tenant row
under row-level security (not a browser session: it survives signing out and another device,
and another tenant can neither read nor change it)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The tables our foreign keys name must be on the metadata when a session flushes cart lines.
import hive.catalog.models
import hive.customers.models  # noqa: F401
from hive.platform.db import Base, TimestampedMixin

MAX_CART_QUANTITY = 9_999  # the order request's limit per line
MAX_CART_LINES = 100  # the order request's limit of lines


class CartItem(Base, TimestampedMixin):
    __tablename__ = "cart_items"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "product_id"),
        CheckConstraint(f"quantity BETWEEN 1 AND {MAX_CART_QUANTITY}", name="quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
