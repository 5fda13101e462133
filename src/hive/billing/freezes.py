"""Freeze → capture / release: the money side of the order chain.

* :func:`freeze` holds an amount for a reference (an order or sub-order number), from the
  prepaid balance first and the credit line for the rest. It is idempotent per reference: the
  same reference and amount again return the first freeze; another amount is refused.
* :func:`capture` moves held money to the platform (revenue, and the supplier's purchase price
  as payable); :func:`release` gives held money back. Together they never exceed the freeze:
  the freeze row's conditional update and its CHECK constraint refuse it.
* An ``operation_key`` makes a capture or release safe to retry: the second call with the same
  key finds the first entry and moves nothing.

The available balance can never go negative, however many freezes run at once: the balance
moves by a conditional ``UPDATE`` (:func:`hive.billing.repository.shift_account`) under the
account's row lock, and the table refuses negative values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import repository
from hive.billing.errors import (
    ExceedsFreeze,
    FreezeConflict,
    FreezeNotFound,
    InsufficientFunds,
    OperationKeyReused,
)
from hive.billing.ledger import (
    AccountKind,
    EntryKind,
    LedgerAccount,
    Split,
    capture_postings,
    freeze_postings,
    plan_capture,
    plan_freeze,
    plan_release,
    release_postings,
)
from hive.billing.models import Freeze
from hive.billing.postings import write_entry
from hive.billing.repository import Balances
from hive.billing.schemas import REFERENCE_PATTERN
from hive.platform.actor import Actor
from hive.platform.errors import PermissionDenied
from hive.platform.money import MAX_ABS_FEN
from hive.platform.permissions import Action, require
from hive.platform.validation import InvalidInput, Problem, check_int, clean_text

_BALANCE, _CREDIT = AccountKind.BALANCE, AccountKind.CREDIT
_REFERENCE = re.compile(REFERENCE_PATTERN, re.ASCII)


@dataclass(frozen=True, slots=True)
class FreezeState:
    """A freeze after a call (fen): how much is still held, captured and released."""

    reference: str
    amount_fen: int
    open_fen: int
    captured_fen: int
    released_fen: int

    @classmethod
    def of(cls, row: Freeze) -> FreezeState:
        return cls(row.reference, row.amount_fen, row.open_fen, row.captured_fen, row.released_fen)


async def freeze(
    session: AsyncSession, actor: Actor, tenant_id: int, reference: str, amount_fen: int
) -> FreezeState:
    """Hold ``amount_fen`` (> 0) of the tenant's money for ``reference``.

    Raises ``insufficient_funds`` (balance and credit line do not cover it; nothing held),
    ``freeze_reference_conflict`` (the reference holds another amount), ``invalid_input``.
    """
    require(actor, Action.FREEZE_FUNDS)
    _check_tenant(actor, tenant_id)
    _check_reference(reference)
    check_int(amount_fen, "amount_fen", minimum=1, maximum=MAX_ABS_FEN)
    available = await repository.lock_available(session, tenant_id)
    split = plan_freeze(
        amount_fen, available.get(_BALANCE.value, 0), available.get(_CREDIT.value, 0)
    )
    if split is None:
        existing = await repository.find_freeze(session, tenant_id, reference)
        if existing is not None:  # held before, when the money was there
            return _same_freeze(existing, amount_fen)
        raise InsufficientFunds(
            details={"amount_fen": amount_fen, "available_fen": sum(available.values())}
        )
    if not await repository.insert_freeze(
        session, tenant_id, reference, split.balance_fen, split.credit_fen
    ):  # the reference holds a freeze already (the same amount: that one is the answer)
        existing = await repository.find_freeze(session, tenant_id, reference)
        if existing is None:
            raise FreezeConflict(details={"reference": reference})
        return _same_freeze(existing, amount_fen)
    after = await _move(session, tenant_id, split, held=+1)
    await write_entry(
        session,
        actor,
        tenant_id=tenant_id,
        kind=EntryKind.FREEZE,
        postings=freeze_postings(split),
        balances_after=after,
        reference=reference,
    )
    return FreezeState(reference, amount_fen, amount_fen, 0, 0)


def _same_freeze(existing: Freeze, amount_fen: int) -> FreezeState:
    if existing.amount_fen != amount_fen:
        raise FreezeConflict(
            details={"reference": existing.reference, "amount_fen": existing.amount_fen}
        )
    return FreezeState.of(existing)


async def capture(
    session: AsyncSession,
    actor: Actor,
    tenant_id: int,
    reference: str,
    amount_fen: int,
    *,
    supplier_payable_fen: int = 0,
    operation_key: str | None = None,
) -> FreezeState:
    """Take ``amount_fen`` of the held money: ``supplier_payable_fen`` (the purchase price)
    becomes payable to the supplier, the rest revenue. Raises ``freeze_not_found``,
    ``exceeds_freeze`` (more than is still held), ``operation_key_reused``."""
    require(actor, Action.CAPTURE_FUNDS)
    check_int(supplier_payable_fen, "supplier_payable_fen", minimum=0, maximum=MAX_ABS_FEN)
    return await _settle(
        session, actor, tenant_id, reference, amount_fen, operation_key, supplier_payable_fen
    )


async def release(
    session: AsyncSession,
    actor: Actor,
    tenant_id: int,
    reference: str,
    amount_fen: int,
    *,
    operation_key: str | None = None,
) -> FreezeState:
    """Give ``amount_fen`` of the held money back to the tenant (credit line first). Raises
    ``freeze_not_found``, ``exceeds_freeze``, ``operation_key_reused``."""
    require(actor, Action.RELEASE_FUNDS)
    return await _settle(session, actor, tenant_id, reference, amount_fen, operation_key, None)


async def release_remaining(
    session: AsyncSession, actor: Actor, tenant_id: int, reference: str
) -> FreezeState:
    """Give back everything still held for ``reference`` (a cancelled or failed order); a
    freeze with nothing left is returned unchanged."""
    require(actor, Action.RELEASE_FUNDS)
    _check_tenant(actor, tenant_id)
    held = await repository.find_freeze(session, tenant_id, reference, lock=True)
    if held is None:
        raise FreezeNotFound(details={"reference": reference})
    if held.open_fen == 0:
        return FreezeState.of(held)
    return await _settle(session, actor, tenant_id, reference, held.open_fen, None, None)


async def held_for(session: AsyncSession, tenant_id: int, reference: str) -> int:
    """What the freeze of ``reference`` still holds (fen); 0 when there is none."""
    held = await repository.find_freeze(session, tenant_id, reference)
    return held.open_fen if held else 0


async def _settle(
    session: AsyncSession,
    actor: Actor,
    tenant_id: int,
    reference: str,
    amount_fen: int,
    operation_key: str | None,
    supplier_payable_fen: int | None,
) -> FreezeState:
    """Capture (with a payable) or release (``supplier_payable_fen`` None) from a freeze."""
    _check_tenant(actor, tenant_id)
    check_int(amount_fen, "amount_fen", minimum=1, maximum=MAX_ABS_FEN)
    if operation_key is not None:
        clean_text(operation_key, "operation_key", max_length=128, required=True)
    held = await repository.find_freeze(session, tenant_id, reference, lock=True)
    if held is None:
        raise FreezeNotFound(details={"reference": reference})
    kind = EntryKind.RELEASE if supplier_payable_fen is None else EntryKind.CAPTURE
    if operation_key is not None and await _already_done(
        session, tenant_id, operation_key, kind, reference, amount_fen
    ):
        return FreezeState.of(held)
    plan = plan_release if supplier_payable_fen is None else plan_capture
    split = plan(amount_fen, held.open_balance_fen, held.open_credit_fen)
    if split is None or not await _take_from_freeze(session, held, split, kind):
        raise ExceedsFreeze(details={"reference": reference, "open_fen": held.open_fen})
    after = await _move(session, tenant_id, split, held=0 if kind is EntryKind.CAPTURE else -1)
    postings = (
        release_postings(split)
        if supplier_payable_fen is None
        else capture_postings(split, supplier_payable_fen)
    )
    await write_entry(
        session,
        actor,
        tenant_id=tenant_id,
        kind=kind,
        postings=postings,
        balances_after=after,
        reference=reference,
        operation_key=operation_key,
    )
    refreshed = await repository.find_freeze(session, tenant_id, reference)
    assert refreshed is not None
    return FreezeState.of(refreshed)


async def _already_done(
    session: AsyncSession,
    tenant_id: int,
    operation_key: str,
    kind: EntryKind,
    reference: str,
    amount_fen: int,
) -> bool:
    """Whether ``operation_key`` names this very operation, already written (a retry); an
    entry of another kind, reference or amount under the key is refused."""
    entry = await repository.find_entry_by_key(session, tenant_id, operation_key)
    if entry is None:
        return False
    moved = -await repository.entry_amount(
        session, entry.id, [LedgerAccount.BALANCE_FROZEN.value, LedgerAccount.CREDIT_FROZEN.value]
    )
    if (entry.kind, entry.reference, moved) != (kind.value, reference, amount_fen):
        raise OperationKeyReused(details={"operation_key": operation_key})
    return True


async def _take_from_freeze(
    session: AsyncSession, held: Freeze, split: Split, kind: EntryKind
) -> bool:
    captured = split.total_fen if kind is EntryKind.CAPTURE else 0
    return await repository.shift_freeze(
        session,
        held.id,
        balance_fen=split.balance_fen,
        credit_fen=split.credit_fen,
        captured_fen=captured,
        released_fen=split.total_fen - captured,
    )


async def _move(
    session: AsyncSession, tenant_id: int, split: Split, *, held: int
) -> dict[LedgerAccount, int]:
    """Move ``split`` between available and frozen on both accounts: ``held`` +1 freezes,
    -1 releases, 0 only takes it out of frozen (capture). The accounts' balances after."""
    after: dict[LedgerAccount, int] = {}
    for kind, amount in ((_BALANCE, split.balance_fen), (_CREDIT, split.credit_fen)):
        if amount == 0:
            continue
        available = -amount * held
        frozen = amount if held > 0 else -amount
        moved = await repository.shift_account(
            session, tenant_id, kind.value, available_fen=available, frozen_fen=frozen
        )
        if moved is None:  # the lock and the plan make this unreachable; the SQL has the say
            raise InsufficientFunds(details={"amount_fen": split.total_fen})
        _record(after, kind, moved)
    return after


def _record(after: dict[LedgerAccount, int], kind: AccountKind, moved: Balances) -> None:
    after[kind.available] = moved.available_fen
    after[kind.frozen] = moved.frozen_fen


def _check_tenant(actor: Actor, tenant_id: int) -> None:
    if isinstance(tenant_id, bool) or not isinstance(tenant_id, int) or tenant_id <= 0:
        raise InvalidInput([Problem("tenant_id", "not_an_integer")])
    if actor.tenant_id is not None and actor.tenant_id != tenant_id:
        raise PermissionDenied(details={"tenant_id": tenant_id})


def _check_reference(reference: str) -> None:
    if not isinstance(reference, str) or not _REFERENCE.fullmatch(reference):
        raise InvalidInput([Problem("reference", "invalid_format")])
