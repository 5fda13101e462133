"""Tables of webhooks: subscriptions, deliveries, attempts and notices. Every row carries the
subscription's ``tenant_id`` (row-level security: a tenant sees only its own); the worker that
dispatches and sends runs as the platform role.

A **delivery** is one event for one subscription; its ``uid`` is the ``X-Hive-Delivery`` header,
the same for every retry and replay, and ``body`` the exact bytes every attempt sends. An
**attempt** is one POST. A **notice** tells the tenant something about an endpoint (paused).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base, TimestampedMixin


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # failed persistently: nothing is sent until the tenant resumes it
    DELETED = "deleted"  # kept for its delivery log; never shown or sent again


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"  # a final answer, or every retry failed (the dead letter)
    CANCELLED = "cancelled"  # its subscription was deleted first


class DeadReason(StrEnum):
    FINAL_ANSWER = "final_answer"  # a 4xx other than 408 and 429
    RETRIES_EXHAUSTED = "retries_exhausted"


class AttemptOutcome(StrEnum):
    SUCCESS = "success"
    RETRY = "retry"  # failed; another attempt is scheduled
    FINAL = "final"  # failed and the delivery is dead


class WebhookSubscription(Base, TimestampedMixin):
    """An app's subscription: the events it wants (``event_types``), where (``url``) and the
    secret that signs them (encrypted). ``cursor_txid``/``cursor_event_id`` is how far the
    dispatcher has read the tenant's events for it (``hive.events`` reading rule). The breaker
    fields describe its endpoint's recent failures."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'paused', 'deleted')", name="status"),
        Index("ix_webhook_subscriptions_tenant_id", "tenant_id"),
        Index("ix_webhook_subscriptions_app_id", "app_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    app_id: Mapped[int] = mapped_column(ForeignKey("open_apps.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=SubscriptionStatus.ACTIVE.value)
    cursor_txid: Mapped[int] = mapped_column(BigInteger, default=0)
    cursor_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None]
    breaker_open_until: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class WebhookDelivery(Base, TimestampedMixin):
    """One event for one subscription, until it is delivered or dead."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'dead', 'cancelled')", name="status"),
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_webhook_deliveries_subscription_id_id", "subscription_id", "id"),
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        # The dashboards' failing endpoints: deliveries dead in the last 24 hours.
        Index(
            "ix_webhook_deliveries_dead_at",
            "dead_at",
            postgresql_where=text("status = 'dead'"),
        ),
        Index(
            "ix_webhook_deliveries_entity_pending",
            "subscription_id",
            "entity_type",
            "entity_id",
            "sequence",
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True, default=uuid.uuid4)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_id: Mapped[int] = mapped_column(BigInteger)
    event_type: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(BigInteger)
    sequence: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING.value)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    # Failed attempts since it was created or last replayed (the retry schedule's step).
    round_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    leased_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    delivered_at: Mapped[datetime | None]
    dead_at: Mapped[datetime | None]
    dead_reason: Mapped[str | None] = mapped_column(String(32))


class WebhookAttempt(Base):
    """One POST of a delivery: when, how long, what the receiver answered (truncated)."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery_id", "delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime]
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))


class WebhookNotice(Base):
    """Something the tenant must know about an endpoint (``endpoint_paused``), shown in the
    workbench until resolved (the endpoint resumed or deleted)."""

    __tablename__ = "webhook_notices"
    __table_args__ = (Index("ix_webhook_notices_tenant_id", "tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    resolved_at: Mapped[datetime | None]
