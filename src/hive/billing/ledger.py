"""The double-entry ledger's rules, without the database: ledger accounts, entry kinds, and how
a freeze, a capture and a release divide an amount between the prepaid balance and the credit
line.

Sign convention: every posting is signed from the ledger's credit side. Accounts the platform
owes or earns (a tenant's balance and credit accounts, revenue, supplier payable) grow with
positive postings; money the platform holds or has lent (cash received, credit extended,
adjustments it granted) grows with negative ones. Every entry's postings sum to zero, so the
sum of all postings is always zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class LedgerAccount(StrEnum):
    # A tenant's own accounts (their cached sums are the ``accounts`` rows).
    BALANCE_AVAILABLE = "balance.available"
    BALANCE_FROZEN = "balance.frozen"
    CREDIT_AVAILABLE = "credit.available"
    CREDIT_FROZEN = "credit.frozen"
    # The platform's side of each movement.
    CASH = "platform.cash"
    ADJUSTMENT = "platform.adjustment"
    CREDIT_LINE = "platform.credit_line"
    REVENUE = "platform.revenue"
    SUPPLIER_PAYABLE = "supplier.payable"

    @property
    def is_tenant(self) -> bool:
        return self in TENANT_ACCOUNTS


TENANT_ACCOUNTS = frozenset(
    {
        LedgerAccount.BALANCE_AVAILABLE,
        LedgerAccount.BALANCE_FROZEN,
        LedgerAccount.CREDIT_AVAILABLE,
        LedgerAccount.CREDIT_FROZEN,
    }
)


class EntryKind(StrEnum):
    TOP_UP = "top_up"
    ADJUSTMENT = "adjustment"
    CREDIT_LIMIT = "credit_limit"
    FREEZE = "freeze"
    CAPTURE = "capture"
    RELEASE = "release"


class AccountKind(StrEnum):
    BALANCE = "balance"
    CREDIT = "credit"

    @property
    def available(self) -> LedgerAccount:
        return LedgerAccount(f"{self.value}.available")

    @property
    def frozen(self) -> LedgerAccount:
        return LedgerAccount(f"{self.value}.frozen")


@dataclass(frozen=True, slots=True)
class Posting:
    """One line of an entry; zero amounts are left out of an entry."""

    account: LedgerAccount
    amount_fen: int


class UnbalancedEntry(ValueError):
    """An entry whose postings do not sum to zero: a programming error, never written."""


def balanced(postings: Sequence[Posting]) -> list[Posting]:
    """``postings`` without zero lines; raises :class:`UnbalancedEntry` unless they sum to 0
    and at least one line moves money."""
    lines = [posting for posting in postings if posting.amount_fen != 0]
    if sum(posting.amount_fen for posting in lines) != 0 or not lines:
        raise UnbalancedEntry(f"postings must move money and sum to zero: {postings!r}")
    return lines


@dataclass(frozen=True, slots=True)
class Split:
    """An amount divided between the prepaid balance and the credit line (fen)."""

    balance_fen: int
    credit_fen: int

    @property
    def total_fen(self) -> int:
        return self.balance_fen + self.credit_fen


def plan_freeze(amount_fen: int, balance_available: int, credit_available: int) -> Split | None:
    """Hold ``amount_fen`` from the prepaid balance first, the credit line for the rest;
    ``None`` when both together do not cover it."""
    if amount_fen <= 0 or amount_fen > balance_available + credit_available:
        return None
    from_balance = min(amount_fen, balance_available)
    return Split(from_balance, amount_fen - from_balance)


def plan_capture(amount_fen: int, open_balance: int, open_credit: int) -> Split | None:
    """Capture spends the held prepaid money first (what is owed on credit grows last);
    ``None`` when the freeze does not hold ``amount_fen`` any more."""
    if amount_fen <= 0 or amount_fen > open_balance + open_credit:
        return None
    from_balance = min(amount_fen, open_balance)
    return Split(from_balance, amount_fen - from_balance)


def plan_release(amount_fen: int, open_balance: int, open_credit: int) -> Split | None:
    """Release gives back the held credit first (the tenant owes less), then prepaid money;
    ``None`` when the freeze does not hold ``amount_fen`` any more."""
    if amount_fen <= 0 or amount_fen > open_balance + open_credit:
        return None
    from_credit = min(amount_fen, open_credit)
    return Split(amount_fen - from_credit, from_credit)


def freeze_postings(split: Split) -> list[Posting]:
    return [
        Posting(LedgerAccount.BALANCE_AVAILABLE, -split.balance_fen),
        Posting(LedgerAccount.BALANCE_FROZEN, split.balance_fen),
        Posting(LedgerAccount.CREDIT_AVAILABLE, -split.credit_fen),
        Posting(LedgerAccount.CREDIT_FROZEN, split.credit_fen),
    ]


def release_postings(split: Split) -> list[Posting]:
    return [Posting(p.account, -p.amount_fen) for p in freeze_postings(split)]


def capture_postings(split: Split, supplier_payable_fen: int) -> list[Posting]:
    """Held money leaves the tenant: the supplier's purchase price becomes payable to it, the
    rest is the platform's revenue (negative when sold below the purchase price)."""
    return [
        Posting(LedgerAccount.BALANCE_FROZEN, -split.balance_fen),
        Posting(LedgerAccount.CREDIT_FROZEN, -split.credit_fen),
        Posting(LedgerAccount.SUPPLIER_PAYABLE, supplier_payable_fen),
        Posting(LedgerAccount.REVENUE, split.total_fen - supplier_payable_fen),
    ]
