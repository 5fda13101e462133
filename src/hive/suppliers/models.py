from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base, TimestampedMixin


class Supplier(Base, TimestampedMixin):
    """A configured upstream supplier. Operators add and disable them without a restart."""

    __tablename__ = "suppliers"
    __table_args__ = (CheckConstraint("kind IN ('vop', 'warehouse')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    base_url: Mapped[str] = mapped_column(String(255), default="")
    # Fernet-encrypted JSON of the kind's credentials; never stored or logged in clear.
    credentials_encrypted: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    # Calls per second per method name ("*" for the default), shared by every process.
    rate_limits: Mapped[dict[str, float]] = mapped_column(JSONB, default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)


class SupplierToken(Base):
    """The current access token of a supplier, shared by every process (one row each)."""

    __tablename__ = "supplier_tokens"

    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), primary_key=True)
    access_token: Mapped[str] = mapped_column(String(512))
    refresh_token: Mapped[str] = mapped_column(String(512), default="")
    expires_at: Mapped[datetime]
    refresh_expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class RateLimitBucket(Base):
    """A token bucket shared across processes (``key`` = supplier and method)."""

    __tablename__ = "rate_limit_buckets"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    tokens: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SupplierMessageLog(Base):
    """Every change-feed message received, kept 30 days; the unique key makes processing
    idempotent under redelivery."""

    __tablename__ = "supplier_messages"
    __table_args__ = (
        Index("uq_supplier_messages_supplier_message", "supplier_id", "message_id", unique=True),
        Index("ix_supplier_messages_received_at", "received_at"),
        CheckConstraint("status IN ('processed', 'failed', 'gave_up', 'ignored')", name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    message_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[int]
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    status: Mapped[str] = mapped_column(String(16))
    # Failed processing attempts so far (status failed: will be retried; gave_up: will not).
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    error: Mapped[str] = mapped_column(String(500), default="")
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
