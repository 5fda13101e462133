from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base, TimestampedMixin


class TenantStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class UserStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class CustomerGrade(Base, TimestampedMixin):
    """A grade of customer; pricing multiplies the base price by ``price_coefficient``.
    ``code``: a short unique code (grades made before codes existed have none)."""

    __tablename__ = "customer_grades"
    __table_args__ = (
        CheckConstraint("price_coefficient > 0 AND price_coefficient < 100", name="coefficient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    price_coefficient: Mapped[Decimal] = mapped_column(Numeric(8, 4))
    description: Mapped[str] = mapped_column(String(255), default="")


class Tenant(Base, TimestampedMixin):
    """A business customer. Its ``id`` is the ``tenant_id`` that every tenant-owned row carries."""

    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'suspended', 'closed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default=TenantStatus.ACTIVE.value)
    grade_id: Mapped[int] = mapped_column(ForeignKey("customer_grades.id"))
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")


class User(Base, TimestampedMixin):
    """A person who logs in: platform staff (``tenant_id`` NULL) or a tenant's user."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('platform_admin', 'operator', 'finance', 'tenant_admin', 'tenant_user')",
            name="role",
        ),
        CheckConstraint(
            "(tenant_id IS NULL) = (role IN ('platform_admin', 'operator', 'finance'))",
            name="role_matches_tenant",
        ),
        CheckConstraint("status IN ('active', 'disabled')", name="status"),
        Index("ix_users_tenant_id", "tenant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=UserStatus.ACTIVE.value)
    last_login_at: Mapped[datetime | None]


class UserSession(Base):
    """A signed-in browser. ``id`` is the SHA-256 of the cookie's random token: the token itself
    is never stored, so a copy of this table opens no session. Platform staff's sessions have
    ``tenant_id`` NULL (invisible to the tenant role, like their ``users`` rows)."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        Index("ix_user_sessions_user_id", "user_id"),
        Index("ix_user_sessions_tenant_id", "tenant_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")


class LoginThrottle(Base):
    """Sign-in attempts of one account (``account:<username>``) or one address
    (``address:<ip>``) in the current window, and until when further attempts are refused."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
