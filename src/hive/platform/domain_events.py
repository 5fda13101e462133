"""Domain events: facts other domains react to later (repricing, webhooks to tenants).

They are rows written in the same transaction as the change they describe (a transactional
outbox), so an event exists exactly when its change committed. Consumers read them in id order
and remember how far they got.

This module is the table's only writer: one event at a time with :func:`raise_event`, or many
inside one set-based statement with :func:`insert_events_sql` (the pool's bulk apply), so the
row's shape is defined here once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base


class DomainEvent(Base):
    __tablename__ = "domain_events"
    __table_args__ = (Index("ix_domain_events_type_id", "type", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    type: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


def raise_event(
    session: AsyncSession, type_: str, *, subject_type: str, subject_id: int, **payload: Any
) -> None:
    """Record an event in the caller's transaction."""
    session.add(
        DomainEvent(type=type_, subject_type=subject_type, subject_id=subject_id, payload=payload)
    )


def insert_events_sql(rows: str) -> str:
    """The statement (for a ``WITH`` clause) inserting events from the SQL query ``rows``,
    whose columns are ``type, subject_type, subject_id, payload`` in that order."""
    return (
        f"INSERT INTO {DomainEvent.__tablename__} (type, subject_type, subject_id, payload)\n{rows}"
    )
