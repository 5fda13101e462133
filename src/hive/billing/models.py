from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base, TimestampedMixin


class Account(Base, TimestampedMixin):
    """A tenant's balance account. Amounts are integer fen.

    ``available_fen`` and ``frozen_fen`` are cached sums of ledger postings; they change only
    through the ledger (billing issue), and the database refuses negative values.
    """

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind"),
        CheckConstraint("available_fen >= 0", name="available_not_negative"),
        CheckConstraint("frozen_fen >= 0", name="frozen_not_negative"),
        CheckConstraint("kind IN ('balance', 'credit')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(String(16), default="balance")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    available_fen: Mapped[int] = mapped_column(default=0)
    frozen_fen: Mapped[int] = mapped_column(default=0)
