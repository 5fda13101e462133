"""Tables of the self-run warehouse. Quantities are whole units; money is integer fen.

The database itself refuses impossible stock: CHECK constraints keep every on-hand, reserved
and remaining quantity non-negative and never let reservations exceed what is on hand.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base, TimestampedMixin

ORDER_STATUSES = (
    "reserved",
    "confirmed",
    "shipped",
    "delivered",
    "completed",
    "cancelled",
)
MOVEMENT_KINDS = ("receive", "reserve", "release", "deduct", "adjust", "return")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Warehouse(Base, TimestampedMixin):
    """A stock location of one warehouse supplier, serving the listed provinces."""

    __tablename__ = "warehouses"
    __table_args__ = (UniqueConstraint("supplier_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    # Province-level area ids this warehouse delivers to.
    province_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))


class WarehouseProduct(Base, TimestampedMixin):
    __tablename__ = "warehouse_products"
    __table_args__ = (
        UniqueConstraint("supplier_id", "sku"),
        CheckConstraint("unit_price_fen >= 0 AND retail_fen >= 0", name="prices_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(64))
    category_id: Mapped[int]
    # What the platform pays (the purchase price quoted to Hive) and the suggested retail price.
    unit_price_fen: Mapped[int]
    retail_fen: Mapped[int]
    on_shelf: Mapped[bool] = mapped_column(default=True)
    image_url: Mapped[str] = mapped_column(String(500), default="")


class WarehouseStock(Base):
    """On-hand and reserved units of one product in one warehouse (sums of its batches).

    The row is also the lock: every change to this product's batches in this warehouse first
    locks it, always in (warehouse_id, product_id) order, so concurrent orders never deadlock.
    """

    __tablename__ = "warehouse_stock"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
        CheckConstraint("low_stock_threshold >= 0", name="threshold_not_negative"),
    )

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("warehouse_products.id"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    low_stock_threshold: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class WarehouseBatch(Base):
    __tablename__ = "warehouse_batches"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "product_id", "batch_no"),
        Index("ix_warehouse_batches_fefo", "warehouse_id", "product_id", "expires_on"),
        CheckConstraint("quantity_received > 0", name="received_positive"),
        CheckConstraint("quantity_remaining >= 0", name="remaining_not_negative"),
        CheckConstraint(
            "quantity_reserved >= 0 AND quantity_reserved <= quantity_remaining",
            name="reserved_within_remaining",
        ),
        CheckConstraint("cost_fen >= 0", name="cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("warehouse_products.id"))
    batch_no: Mapped[str] = mapped_column(String(64))
    cost_fen: Mapped[int]
    # The batch is sold up to the day before this date, never on or after it.
    expires_on: Mapped[date] = mapped_column(Date)
    quantity_received: Mapped[int]
    quantity_remaining: Mapped[int]
    quantity_reserved: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())


class WarehouseOrder(Base, TimestampedMixin):
    __tablename__ = "warehouse_orders"
    __table_args__ = (
        UniqueConstraint("supplier_id", "order_no"),
        Index("ix_warehouse_orders_status_reserved_until", "status", "reserved_until"),
        CheckConstraint(_in("status", ORDER_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    order_no: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    province_id: Mapped[int]
    recipient: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    total_fen: Mapped[int]
    freight_fen: Mapped[int]
    # Unconfirmed reservations are released after this moment.
    reserved_until: Mapped[datetime | None]
    carrier: Mapped[str] = mapped_column(String(32), default="")
    waybill_no: Mapped[str] = mapped_column(String(64), default="")


class WarehouseOrderLine(Base):
    __tablename__ = "warehouse_order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    order_id: Mapped[int] = mapped_column(ForeignKey("warehouse_orders.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("warehouse_products.id"), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int]
    unit_price_fen: Mapped[int]


class WarehouseAllocation(Base):
    """Which batch serves how many units of an order line (reserved, then deducted)."""

    __tablename__ = "warehouse_allocations"
    __table_args__ = (
        Index("ix_warehouse_allocations_order_id", "order_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "quantity_returned >= 0 AND quantity_returned <= quantity", name="returned_within"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("warehouse_orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("warehouse_products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("warehouse_batches.id"))
    quantity: Mapped[int]
    quantity_returned: Mapped[int] = mapped_column(default=0)


class WarehouseOrderEvent(Base):
    __tablename__ = "warehouse_order_events"
    __table_args__ = (Index("ix_warehouse_order_events_order_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("warehouse_orders.id"))
    status: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(String(200))
    operator: Mapped[str] = mapped_column(String(64), default="")
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())


class WarehouseMovement(Base):
    """The stock ledger: every change of on-hand or reserved units, with its cause."""

    __tablename__ = "warehouse_movements"
    __table_args__ = (
        Index("ix_warehouse_movements_stock", "warehouse_id", "product_id", "occurred_at"),
        Index("ix_warehouse_movements_order_no", "order_no"),
        CheckConstraint(_in("kind", MOVEMENT_KINDS), name="kind"),
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("warehouse_products.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("warehouse_batches.id"))
    kind: Mapped[str] = mapped_column(String(16))
    # Signed change of the units the kind concerns (reserved units for reserve/release).
    quantity: Mapped[int]
    order_no: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())


class WarehouseLowStockAlert(Base):
    """Raised once when sellable stock falls below the threshold; cleared when restocked."""

    __tablename__ = "warehouse_low_stock_alerts"
    __table_args__ = (
        Index(
            "uq_warehouse_low_stock_alerts_open",
            "warehouse_id",
            "product_id",
            unique=True,
            postgresql_where=text("cleared_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("warehouse_products.id"))
    threshold: Mapped[int]
    available: Mapped[int]
    raised_at: Mapped[datetime] = mapped_column(server_default=func.now())
    cleared_at: Mapped[datetime | None]


class WarehouseReturn(Base, TimestampedMixin):
    __tablename__ = "warehouse_returns"
    __table_args__ = (
        UniqueConstraint("supplier_id", "request_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    request_no: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(ForeignKey("warehouse_orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("warehouse_products.id"))
    quantity: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200))
    pickup: Mapped[str] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(24))


class WarehouseMessage(Base):
    """The warehouse's change feed (an outbox): fetched by the message consumer, then acked."""

    __tablename__ = "warehouse_outbox"
    __table_args__ = (Index("ix_warehouse_outbox_supplier_id_id", "supplier_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    type: Mapped[int]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
