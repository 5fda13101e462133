from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Double,
    ForeignKey,
    LargeBinary,
    String,
    Text,
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
    """The current access token of a supplier, shared by every process (one row each).

    Both tokens let anyone call the supplier as us, so they are stored like the credentials:
    encrypted under the platform secret with its key id (``hive.platform.crypto``), rewritten
    by ``hive reencrypt-secrets``. An empty refresh token is stored as ``b""``.
    """

    __tablename__ = "supplier_tokens"

    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), primary_key=True)
    access_token_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    refresh_token_encrypted: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    expires_at: Mapped[datetime]
    refresh_expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SupplierAccessState(Base):
    """How the platform's work with a supplier last went, per kind of work (``activity``:
    ``refresh``, ``calibration``): ``ok`` or the error code that stopped it, with the reason.

    Written by every worker process and changed only when the code changes, so the change is
    logged once across the fleet and the suppliers page shows it with the time it began.
    """

    __tablename__ = "supplier_access_states"

    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), primary_key=True)
    activity: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SupplierBreakerState(Base):
    """The circuit breaker of one supplier method as a process last reported it: ``closed``,
    ``open`` or ``half_open``, since when, and the failure that last opened it.

    Breakers live in each process's memory; every process writes its transitions here (the
    latest by time wins), so the dashboard shows the fleet's most recent view. An ``open``
    row older than the cool-down is half-open in effect: the next call is the probe."""

    __tablename__ = "supplier_breaker_states"

    supplier_id: Mapped[int] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True
    )
    method: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime]
    last_failure_at: Mapped[datetime | None]
    last_failure_code: Mapped[str] = mapped_column(String(64), default="")
    last_failure_message: Mapped[str] = mapped_column(Text, default="")


class RateLimitBucket(Base):
    """A token bucket shared across processes (``key`` = supplier and method)."""

    __tablename__ = "rate_limit_buckets"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    tokens: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
