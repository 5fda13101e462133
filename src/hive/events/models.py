"""Tables of tenant events.

``tenant_events`` holds one row per fact a tenant is told about (a price of a product in its
library changed, a library item became unavailable, later an order's status changed). Rows are
written in the transaction of the change they describe, so an event exists exactly when its
change committed. ``id`` is assigned at insert and is the reader's cursor; ``txid`` is the
writing transaction's id, which lets a reader skip nothing (see :mod:`hive.events.repository`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base

# The writing transaction's id as a BIGINT (xid8 is a 64-bit epoch-extended counter that never
# wraps; it stays below 2**63 for longer than any deployment lives).
CURRENT_TXID = "CAST(CAST(pg_current_xact_id() AS text) AS bigint)"


class TenantEvent(Base):
    """One event of one tenant. ``sequence`` counts 1, 2, 3 … per (tenant, entity): a receiver
    that gets two events of one entity out of order keeps the higher one."""

    __tablename__ = "tenant_events"
    __table_args__ = (
        Index("ix_tenant_events_tenant_id_txid_id", "tenant_id", "txid", "id"),
        Index("ix_tenant_events_occurred_at", "occurred_at"),
        # Webhooks hold a delivery while an earlier event of its entity is undispatched.
        Index(
            "ix_tenant_events_tenant_id_entity_type_entity_id_sequence",
            "tenant_id",
            "entity_type",
            "entity_id",
            "sequence",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    type: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int]
    sequence: Mapped[int]
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    txid: Mapped[int] = mapped_column(server_default=text(CURRENT_TXID))


class TenantEntitySequence(Base):
    """The last ``sequence`` given to an event of one entity of one tenant. Bumped with
    ``INSERT … ON CONFLICT DO UPDATE``, whose row lock orders concurrent writers."""

    __tablename__ = "tenant_event_sequences"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    entity_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_sequence: Mapped[int]
