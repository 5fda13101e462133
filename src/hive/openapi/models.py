"""Tables of the Open API gateway: apps, their secrets, nonces seen, idempotency records and
rate-limit buckets. Every row carries the ``tenant_id`` of the app's tenant (row-level
security); the gateway reads apps by key as the platform role, before it knows the tenant."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base, TimestampedMixin


class AppStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class OpenApp(Base, TimestampedMixin):
    """A tenant's integration: its public ``app_key``, scopes and optional address allow-list
    (CIDR networks; empty allows any address). ``rate_per_s`` / ``burst`` override the grade's
    limits when set."""

    __tablename__ = "open_apps"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'revoked')", name="status"),
        CheckConstraint("rate_per_s IS NULL OR rate_per_s > 0", name="rate"),
        CheckConstraint("burst IS NULL OR burst >= 1", name="burst"),
        Index("ix_open_apps_tenant_id", "tenant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    app_key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    ip_allow: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    status: Mapped[str] = mapped_column(String(16), default=AppStatus.ACTIVE.value)
    rate_per_s: Mapped[float | None] = mapped_column(Double)
    burst: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None]


class OpenAppSecret(Base):
    """One AppSecret of an app, encrypted at rest (``hive.platform.crypto``). A rotation adds a
    secret and gives the older ones an ``expires_at``: until then both sign."""

    __tablename__ = "open_app_secrets"
    __table_args__ = (Index("ix_open_app_secrets_app_id", "app_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("open_apps.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime | None]


class OpenNonce(Base):
    """A nonce an app has used, kept until its request's timestamp has left the window."""

    __tablename__ = "open_nonces"
    __table_args__ = (Index("ix_open_nonces_expires_at", "expires_at"),)

    app_id: Mapped[int] = mapped_column(
        ForeignKey("open_apps.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    expires_at: Mapped[datetime]


class IdempotencyRecord(Base):
    """The first answer to a POST with an ``Idempotency-Key``, per app, route and key. Written
    in the transaction of the POST's effect; ``fingerprint`` is the SHA-256 of method, path and
    body, so the same key with another body is told apart."""

    __tablename__ = "open_idempotency_records"
    __table_args__ = (Index("ix_open_idempotency_records_created_at", "created_at"),)

    app_id: Mapped[int] = mapped_column(
        ForeignKey("open_apps.id", ondelete="CASCADE"), primary_key=True
    )
    route: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class RateBucket(Base):
    """A token bucket of the gateway (key: app and route group), shared by every gateway
    process when PostgreSQL holds the limits. ``taken`` says whether the last take got a token."""

    __tablename__ = "open_rate_buckets"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    tokens: Mapped[float] = mapped_column(Double)
    taken: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class GradeRateLimit(Base):
    """The Open API rate limit of a customer grade (requests per second and burst, per app and
    route group); grades without a row use the settings' defaults."""

    __tablename__ = "open_grade_rate_limits"
    __table_args__ = (
        CheckConstraint("rate_per_s > 0", name="rate"),
        CheckConstraint("burst >= 1", name="burst"),
    )

    grade_id: Mapped[int] = mapped_column(
        ForeignKey("customer_grades.id", ondelete="CASCADE"), primary_key=True
    )
    rate_per_s: Mapped[float] = mapped_column(Double)
    burst: Mapped[int] = mapped_column(Integer)
