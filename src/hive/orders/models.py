"""Order tables: an order, its items, its sub-orders (one per supplier; a split adds children)
and its events (the timeline). Every row belongs to one tenant, under row-level security.
Money is integer fen. The receiver is stored only encrypted, beside masked copies for lists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

# The tables our foreign keys name must be on the metadata when a session flushes orders.
import hive.catalog.models
import hive.suppliers.models  # noqa: F401
from hive.orders.status import (
    SOURCES,
    OrderStatus,
    Outcome,
    SubOrderEvent,
    SubOrderStatus,
    check_sql,
)
from hive.platform.db import Base, TimestampedMixin

ORDER_NO_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class Order(Base, TimestampedMixin):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "order_no"),
        CheckConstraint(check_sql("status", OrderStatus), name="status"),
        CheckConstraint(
            "items_fen >= 0 AND freight_fen >= 0 AND total_fen = items_fen + freight_fen",
            name="totals",
        ),
        Index("ix_orders_tenant_id_created_at", "tenant_id", "created_at"),
        Index("ix_orders_status_created_at", "status", "created_at"),
        # The operators' search finds an order by its number across tenants.
        Index("ix_orders_order_no", "order_no"),
        # The dashboards: every tenant's orders of a day, a tenant's unfinished orders.
        Index("ix_orders_created_at", "created_at", postgresql_include=["total_fen"]),
        Index("ix_orders_tenant_id_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    order_no: Mapped[str] = mapped_column(String(64))  # the tenant's own number
    status: Mapped[str] = mapped_column(String(24))
    items_fen: Mapped[int]
    freight_fen: Mapped[int]
    total_fen: Mapped[int]
    province_id: Mapped[int]
    city_id: Mapped[int]
    county_id: Mapped[int]
    town_id: Mapped[int | None]
    receiver_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    receiver_name_masked: Mapped[str] = mapped_column(String(64))
    receiver_mobile_masked: Mapped[str] = mapped_column(String(32))
    remark: Mapped[str] = mapped_column(String(200), default="")
    invoice: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # SHA-256 of the canonical request: a retry with the same body gets the first order.
    request_hash: Mapped[str] = mapped_column(String(64))


class SubOrder(Base, TimestampedMixin):
    """What one supplier delivers; ``sub_order_no`` is sent upstream as ``thirdOrder``."""

    __tablename__ = "sub_orders"
    __table_args__ = (
        UniqueConstraint("sub_order_no"),
        CheckConstraint(check_sql("status", SubOrderStatus), name="status"),
        CheckConstraint(
            "items_fen >= 0 AND freight_fen >= 0 AND total_fen = items_fen + freight_fen",
            name="totals",
        ),
        Index("ix_sub_orders_order_id", "order_id"),
        Index("ix_sub_orders_status_updated_at", "status", "updated_at"),
        # The operators' search finds a sub-order by the supplier's order id alone.
        Index("ix_sub_orders_upstream_order_id", "upstream_order_id"),
        # A supplier's order names one sub-order: a split recorded twice adds no children.
        Index(
            "uq_sub_orders_supplier_id_upstream_order_id",
            "supplier_id",
            "upstream_order_id",
            unique=True,
            postgresql_where=text("upstream_order_id IS NOT NULL"),
        ),
        Index("ix_sub_orders_held", "id", postgresql_where=text("held_reason IS NOT NULL")),
        # A tenant's cancelled and failed sub-orders (the workbench's spend leaves them out).
        Index(
            "ix_sub_orders_tenant_released",
            "tenant_id",
            postgresql_where=text("status IN ('failed', 'cancelled')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sub_orders.id"))
    sub_order_no: Mapped[str] = mapped_column(String(32))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    status: Mapped[str] = mapped_column(String(16))
    items_fen: Mapped[int]
    freight_fen: Mapped[int]
    total_fen: Mapped[int]
    upstream_order_id: Mapped[str | None] = mapped_column(String(64))
    # When reconciliation last read it from the supplier (None: never; checked first).
    checked_at: Mapped[datetime | None]
    # Times the submission saga started to place it upstream (an attempt after the first
    # looks the order up by thirdOrder before submitting again).
    submit_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set when the saga raised an alarm: the sub-order waits for an operator.
    held_reason: Mapped[str | None] = mapped_column(String(64))


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "unit_price_fen >= 0 AND amount_fen = quantity * unit_price_fen", name="amount"
        ),
        CheckConstraint("purchase_price_fen >= 0", name="purchase_price"),
        Index("ix_order_items_sub_order_id", "sub_order_id"),
        Index("ix_order_items_product_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    sub_order_id: Mapped[int] = mapped_column(ForeignKey("sub_orders.id"))
    line_no: Mapped[int]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
    unit_price_fen: Mapped[int]
    amount_fen: Mapped[int]
    # What the supplier charges per unit, as at acceptance (payable to it on completion).
    purchase_price_fen: Mapped[int] = mapped_column(default=0, server_default="0")


class OrderEvent(Base):
    """One line of an order's timeline: what happened (an event of a sub-order, or of the
    order), where it came from, and what it did (moved, ignored as stale, refused)."""

    __tablename__ = "order_events"
    __table_args__ = (
        CheckConstraint(check_sql("outcome", Outcome), name="outcome"),
        CheckConstraint(f"source IN ({', '.join(repr(s) for s in SOURCES)})", name="source"),
        Index("ix_order_events_order_id_id", "order_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    sub_order_id: Mapped[int | None] = mapped_column(ForeignKey("sub_orders.id"))
    event: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(24), default="")
    to_status: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str] = mapped_column(String(16), default=Outcome.MOVED.value)
    source: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    @classmethod
    def note(
        cls,
        sub: SubOrder,
        event: str,
        *,
        outcome: Outcome,
        source: str,
        details: dict[str, Any],
    ) -> OrderEvent:
        """A line on ``sub``'s timeline that leaves its status as it is (a hold, a request,
        a refusal)."""
        return cls(
            tenant_id=sub.tenant_id,
            order_id=sub.order_id,
            sub_order_id=sub.id,
            event=event,
            from_status=sub.status,
            to_status=sub.status,
            outcome=outcome.value,
            source=source,
            details=details,
        )


class OrderWaybill(Base):
    """A waybill of a shipped sub-order, as the supplier's tracking names it."""

    __tablename__ = "order_waybills"
    __table_args__ = (UniqueConstraint("sub_order_id", "carrier", "waybill_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    sub_order_id: Mapped[int] = mapped_column(ForeignKey("sub_orders.id"))
    carrier: Mapped[str] = mapped_column(String(64))
    waybill_no: Mapped[str] = mapped_column(String(64))
    # The first tracking event after which it shipped (None when the supplier gave no time).
    shipped_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


# Events an order records besides its sub-orders' (the order was accepted, cancel asked …).
ORDER_EVENTS = frozenset(
    {"accepted", "cancel_requested", "held", "hold_released"} | {e.value for e in SubOrderEvent}
)


class OrderDayTotal(Base):
    """Every tenant's orders and GMV of one closed Beijing day (the dashboard's chart reads past
    days here; a past day's orders and totals never change). Platform-only."""

    __tablename__ = "order_day_totals"

    day: Mapped[date] = mapped_column(primary_key=True)
    orders: Mapped[int] = mapped_column(BigInteger)
    gmv_fen: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class TenantOrderDayTotal(Base):
    """One tenant's orders and their totals of one closed Beijing day (the workbench's month
    reads closed days here; a past day's orders and their totals never change). Row-level
    security: a tenant's own rows only."""

    __tablename__ = "tenant_order_day_totals"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    orders: Mapped[int] = mapped_column(BigInteger)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())
