"""Tables of the supplier change feed: the message log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base


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
