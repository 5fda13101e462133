"""The audit log: one row for every state-changing service call, who did what to which object."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.actor import Actor
from hive.platform.context import current_request_id
from hive.platform.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_tenant_id_occurred_at", "tenant_id", "occurred_at"),
        Index("ix_audit_log_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    request_id: Mapped[str] = mapped_column(String(32), default="")


async def record_audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    target_type: str,
    target_id: object,
    tenant_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append an audit row in the caller's transaction (so it commits or rolls back with it).

    ``tenant_id`` is the tenant the change concerns; it defaults to the actor's own tenant.
    """
    session.add(
        AuditEntry(
            tenant_id=tenant_id if tenant_id is not None else actor.tenant_id,
            actor_user_id=actor.user_id,
            actor_name=actor.username,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            details=details or {},
            request_id=current_request_id(),
        )
    )
