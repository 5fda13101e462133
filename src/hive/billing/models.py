"""Billing tables: accounts (cached balances), the double-entry ledger and freezes.

Every row belongs to one tenant and sits under row-level security. Amounts are integer fen.
The ledger is append-only (the roles may insert and read it, never change or delete it), and
the database refuses an entry whose postings do not sum to zero (a deferred constraint
trigger, checked at commit; migration 0015).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base, TimestampedMixin


class Account(Base, TimestampedMixin):
    """A tenant's money account: ``balance`` (prepaid) or ``credit`` (a credit line).

    ``available_fen`` and ``frozen_fen`` are cached sums of the ledger postings to
    ``<kind>.available`` and ``<kind>.frozen``; they change only together with a ledger entry,
    and the database refuses negative values. On a credit account ``credit_limit_fen`` is the
    line; what is drawn and not repaid is ``credit_limit_fen - available_fen - frozen_fen``,
    never negative.
    """

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind"),
        CheckConstraint("available_fen >= 0", name="available_not_negative"),
        CheckConstraint("frozen_fen >= 0", name="frozen_not_negative"),
        CheckConstraint("kind IN ('balance', 'credit')", name="kind"),
        CheckConstraint(
            "credit_limit_fen >= 0 AND (kind = 'credit' OR credit_limit_fen = 0)",
            name="credit_limit",
        ),
        CheckConstraint(
            "kind <> 'credit' OR available_fen + frozen_fen <= credit_limit_fen",
            name="credit_within_limit",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(String(16), default="balance")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    available_fen: Mapped[int] = mapped_column(default=0)
    frozen_fen: Mapped[int] = mapped_column(default=0)
    credit_limit_fen: Mapped[int] = mapped_column(default=0, server_default="0")


class LedgerEntry(Base):
    """One business event that moves money (a top-up, a freeze, a capture …).

    ``operation_key`` makes a retried call find the entry it already wrote (unique per tenant).
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "operation_key"),
        Index("ix_ledger_entries_tenant_id_id", "tenant_id", "id"),
        Index("ix_ledger_entries_reference", "tenant_id", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    operation_key: Mapped[str | None] = mapped_column(String(128))
    actor_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class LedgerPosting(Base):
    """One line of an entry: ``amount_fen`` (signed, never zero) to one ledger account.

    Tenant accounts (``balance.available`` …) carry ``balance_after_fen``, the account's cached
    balance right after the posting, for the statement.
    """

    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint("amount_fen <> 0", name="amount_not_zero"),
        Index("ix_ledger_postings_entry_id", "entry_id"),
        Index("ix_ledger_postings_tenant_id_account_id", "tenant_id", "account", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    account: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int]
    balance_after_fen: Mapped[int | None]


class Freeze(Base, TimestampedMixin):
    """Money held for an order or sub-order (``reference``), until captured or released.

    ``open_balance_fen`` / ``open_credit_fen`` are what is still held from each account; the
    database keeps ``captured + released + open = amount``, so capture and release together can
    never exceed the freeze.
    """

    __tablename__ = "freezes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint(
            "open_balance_fen >= 0 AND open_credit_fen >= 0 AND captured_fen >= 0 "
            "AND released_fen >= 0",
            name="parts_not_negative",
        ),
        CheckConstraint(
            "captured_fen + released_fen + open_balance_fen + open_credit_fen = amount_fen",
            name="parts_add_up",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    reference: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int]
    open_balance_fen: Mapped[int]
    open_credit_fen: Mapped[int]
    captured_fen: Mapped[int] = mapped_column(default=0)
    released_fen: Mapped[int] = mapped_column(default=0)

    @property
    def open_fen(self) -> int:
        return self.open_balance_fen + self.open_credit_fen
