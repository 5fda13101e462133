"""Freeze → capture / release on real PostgreSQL: idempotent per reference, never more than
held, balance first and credit line for the rest, and the ledger in balance after each."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import freezes
from hive.billing import repository as billing_repository
from hive.billing.errors import (
    ExceedsFreeze,
    FreezeConflict,
    FreezeNotFound,
    InsufficientFunds,
    OperationKeyReused,
)
from hive.billing.freezes import FreezeState
from hive.billing.ledger import EntryKind, LedgerAccount, Posting
from hive.billing.postings import write_entry
from hive.platform.actor import SYSTEM, Actor
from hive.platform.db import Database
from hive.platform.errors import PermissionDenied
from hive.platform.money import MAX_ABS_FEN
from hive.platform.validation import InvalidInput
from tests.support.billing import fund, ledger_report, summary, tenant_actor
from tests.support.factories import make_tenant


@pytest.fixture
async def tenant(database: Database) -> int:
    tenant_id = await make_tenant(database, "acme")
    await fund(database, tenant_id, 10_000)
    return tenant_id


async def test_freeze_holds_the_amount_and_is_idempotent_per_reference(
    database: Database, tenant: int
) -> None:
    actor = tenant_actor(tenant)
    for _ in range(3):  # the first call holds it, the retries find it: the same answer
        async with database.tenant_transaction(tenant) as session:
            state = await freezes.freeze(session, actor, tenant, "SO-1", 2_500)
        assert state == FreezeState("SO-1", 2_500, 2_500, 0, 0)
    after = await summary(database, tenant)
    assert (after.available_fen, after.frozen_fen) == (7_500, 2_500)
    assert (await ledger_report(database)).in_balance


async def test_same_reference_with_another_amount_is_refused_and_moves_nothing(
    database: Database, tenant: int
) -> None:
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 2_500)
    with pytest.raises(FreezeConflict):
        async with database.tenant_transaction(tenant) as session:
            await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 2_600)
    after = await summary(database, tenant)
    assert (after.available_fen, after.frozen_fen) == (7_500, 2_500)


async def test_a_reference_taken_by_a_freeze_this_transaction_cannot_see_is_a_conflict(
    database: Database, tenant: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The insert met the reference's unique key, yet the holder is not visible to this
    transaction (another's snapshot): the refusal names the reference and moves nothing."""
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 2_500)

    async def unseen(*_: object, **__: object) -> None:
        return None

    monkeypatch.setattr(billing_repository, "find_freeze", unseen)
    with pytest.raises(FreezeConflict) as conflict:
        async with database.tenant_transaction(tenant) as session:
            await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 2_500)
    assert conflict.value.details == {"reference": "SO-1"}
    after = await summary(database, tenant)
    assert (after.available_fen, after.frozen_fen) == (7_500, 2_500)


async def test_a_retried_freeze_after_the_money_is_gone_returns_the_first_freeze(
    database: Database, tenant: int
) -> None:
    """Nothing is left to hold, yet the reference holds its freeze already: the retry's
    answer is that freeze as it stands now, not ``insufficient_funds``; another amount is a
    conflict naming the amount held."""
    actor = tenant_actor(tenant)
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, actor, tenant, "SO-1", 10_000)
    async with database.platform_transaction() as session:
        await freezes.capture(session, SYSTEM, tenant, "SO-1", 4_000, supplier_payable_fen=3_000)
    async with database.tenant_transaction(tenant) as session:
        again = await freezes.freeze(session, actor, tenant, "SO-1", 10_000)
    assert again == FreezeState("SO-1", 10_000, 6_000, 4_000, 0)
    with pytest.raises(FreezeConflict) as conflict:
        async with database.tenant_transaction(tenant) as session:
            await freezes.freeze(session, actor, tenant, "SO-1", 9_999)
    assert conflict.value.details == {"reference": "SO-1", "amount_fen": 10_000}
    after = await summary(database, tenant)
    assert (after.available_fen, after.frozen_fen) == (0, 6_000)
    async with database.platform_transaction() as session:
        kinds = await session.scalars(
            text("SELECT kind FROM ledger_entries WHERE reference = 'SO-1' ORDER BY id")
        )
        assert list(kinds) == ["freeze", "capture"]


async def test_freeze_beyond_balance_and_credit_is_refused_and_writes_nothing(
    database: Database, tenant: int
) -> None:
    with pytest.raises(InsufficientFunds) as refused:
        async with database.tenant_transaction(tenant) as session:
            await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 10_001)
    assert refused.value.details == {"amount_fen": 10_001, "available_fen": 10_000}
    after = await summary(database, tenant)
    assert (after.available_fen, after.frozen_fen) == (10_000, 0)
    async with database.platform_transaction() as session:
        held = await session.scalar(text("SELECT count(*) FROM freezes"))
    assert held == 0


async def test_a_tenant_without_accounts_has_nothing_to_freeze(database: Database) -> None:
    """No account rows (a tenant id no accounts were opened for) is nothing available on
    either account: a 1-fen freeze is ``insufficient_funds`` with 0 available."""
    async with database.platform_transaction() as session:
        unknown = int(await session.scalar(text("SELECT coalesce(max(id), 0) + 1000 FROM tenants")))
    with pytest.raises(InsufficientFunds) as refused:
        async with database.platform_transaction() as session:
            await freezes.freeze(session, SYSTEM, unknown, "SO-1", 1)
    assert refused.value.code == "insufficient_funds"
    assert refused.value.details == {"amount_fen": 1, "available_fen": 0}
    async with database.platform_transaction() as session:
        assert await session.scalar(text("SELECT count(*) FROM freezes")) == 0


async def test_freeze_uses_balance_first_then_credit_and_release_gives_credit_back_first(
    database: Database, tenant: int
) -> None:
    await fund(database, tenant, 0, credit_fen=5_000)
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 12_000)
    held = await summary(database, tenant)
    assert (held.available_fen, held.frozen_fen) == (0, 10_000)
    assert (held.credit_available_fen, held.credit_frozen_fen) == (3_000, 2_000)
    async with database.platform_transaction() as session:
        await freezes.release(session, SYSTEM, tenant, "SO-1", 3_000)
    released = await summary(database, tenant)
    assert (released.credit_available_fen, released.credit_frozen_fen) == (5_000, 0)
    assert (released.available_fen, released.frozen_fen) == (1_000, 9_000)
    async with database.platform_transaction() as session:
        state = await freezes.capture(
            session, SYSTEM, tenant, "SO-1", 9_000, supplier_payable_fen=7_000
        )
    assert (state.open_fen, state.captured_fen, state.released_fen) == (0, 9_000, 3_000)
    assert (await ledger_report(database)).in_balance


async def test_capture_from_credit_leaves_the_credit_drawn(database: Database) -> None:
    tenant = await make_tenant(database, "credit-only")
    await fund(database, tenant, 0, credit_fen=5_000)
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-9", 4_000)
    async with database.platform_transaction() as session:
        await freezes.capture(session, SYSTEM, tenant, "SO-9", 4_000, supplier_payable_fen=3_000)
    after = await summary(database, tenant)
    assert (after.credit_limit_fen, after.credit_available_fen, after.credit_used_fen) == (
        5_000,
        1_000,
        4_000,
    )
    assert (await ledger_report(database)).in_balance


async def test_capture_plus_release_never_exceed_the_freeze(
    database: Database, tenant: int
) -> None:
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 1_000)
    async with database.platform_transaction() as session:
        await freezes.capture(session, SYSTEM, tenant, "SO-1", 600)
    with pytest.raises(ExceedsFreeze) as refused:
        async with database.platform_transaction() as session:
            await freezes.release(session, SYSTEM, tenant, "SO-1", 401)
    assert refused.value.details["open_fen"] == 400
    async with database.platform_transaction() as session:
        state = await freezes.release_remaining(session, SYSTEM, tenant, "SO-1")
        again = await freezes.release_remaining(session, SYSTEM, tenant, "SO-1")
    assert (state.captured_fen, state.released_fen, state.open_fen) == (600, 400, 0)
    assert again == state
    after = await summary(database, tenant)
    assert (after.available_fen, after.frozen_fen) == (9_400, 0)
    assert (await ledger_report(database)).in_balance


async def test_a_retried_capture_with_its_operation_key_moves_money_once(
    database: Database, tenant: int
) -> None:
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 1_000)
    for _ in range(3):
        async with database.platform_transaction() as session:
            state = await freezes.capture(
                session, SYSTEM, tenant, "SO-1", 300, operation_key="capture:SO-1:1"
            )
    assert (state.captured_fen, state.open_fen) == (300, 700)
    with pytest.raises(OperationKeyReused):
        async with database.platform_transaction() as session:
            await freezes.release(
                session, SYSTEM, tenant, "SO-1", 300, operation_key="capture:SO-1:1"
            )


async def test_unknown_reference_bad_input_and_other_tenants_are_refused(
    database: Database, tenant: int
) -> None:
    other = await make_tenant(database, "globex")
    async with database.platform_transaction() as session:
        with pytest.raises(FreezeNotFound):
            await freezes.release(session, SYSTEM, tenant, "NOPE", 1)
        for reference in ("", "a b", "x" * 65, "单号"):
            with pytest.raises(InvalidInput):
                await freezes.freeze(session, SYSTEM, tenant, reference, 1)
        for amount in (0, -5, 10**15):
            with pytest.raises(InvalidInput):
                await freezes.freeze(session, SYSTEM, tenant, "SO-2", amount)
    with pytest.raises(PermissionDenied):
        async with database.tenant_transaction(tenant) as session:
            await freezes.freeze(session, tenant_actor(tenant), other, "SO-3", 1)
    with pytest.raises(PermissionDenied):
        async with database.tenant_transaction(tenant) as session:
            await freezes.capture(session, tenant_actor(tenant), tenant, "SO-3", 1)


async def test_the_database_refuses_a_negative_balance_and_an_unbalanced_entry(
    database: Database, tenant: int
) -> None:
    async with database.platform_transaction() as session:
        refused = await billing_repository.shift_account(
            session, tenant, "balance", available_fen=-10_001
        )
    assert refused is None
    with pytest.raises(IntegrityError, match="available_not_negative"):
        async with database.platform_transaction() as session:
            await session.execute(
                text("UPDATE accounts SET available_fen = -1 WHERE tenant_id = :t"), {"t": tenant}
            )
    with pytest.raises(IntegrityError, match="does not balance"):
        async with database.platform_transaction() as session:
            entry = await session.scalar(
                text(
                    "INSERT INTO ledger_entries (tenant_id, kind, reference, note, actor_name) "
                    "VALUES (:t, 'top_up', '', 'forged', 'x') RETURNING id"
                ),
                {"t": tenant},
            )
            await session.execute(
                text(
                    "INSERT INTO ledger_postings (entry_id, tenant_id, account, amount_fen) "
                    "VALUES (:e, :t, 'balance.available', 100)"
                ),
                {"e": entry, "t": tenant},
            )
    with pytest.raises(ProgrammingError, match="permission denied for table"):
        async with database.platform_transaction() as session:
            await session.execute(text("UPDATE ledger_postings SET amount_fen = amount_fen * 2"))


async def test_an_entry_is_written_with_exactly_its_fields_and_moving_lines(
    database: Database, tenant: int
) -> None:
    actor = Actor(user_id=None, username="u" * 64 + "-cut", role=SYSTEM.role)
    lines = [
        Posting(LedgerAccount.CASH, -300),
        Posting(LedgerAccount.REVENUE, 0),  # left out
        Posting(LedgerAccount.BALANCE_AVAILABLE, 300),
    ]
    async with database.platform_transaction() as session:
        entry_id = await write_entry(
            session,
            actor,
            tenant_id=tenant,
            kind=EntryKind.ADJUSTMENT,
            postings=lines,
            balances_after={LedgerAccount.BALANCE_AVAILABLE: 10_300},
            reference="R-1",
            note="a note",
            operation_key="op-1",
        )
        entry = (
            await session.execute(
                text(
                    "SELECT tenant_id, kind, reference, note, operation_key, actor_name "
                    "FROM ledger_entries WHERE id = :id"
                ),
                {"id": entry_id},
            )
        ).one()
        postings = (
            await session.execute(
                text(
                    "SELECT tenant_id, account, amount_fen, balance_after_fen "
                    "FROM ledger_postings WHERE entry_id = :id ORDER BY id"
                ),
                {"id": entry_id},
            )
        ).all()
    assert tuple(entry) == (tenant, "adjustment", "R-1", "a note", "op-1", "u" * 64)
    assert [tuple(p) for p in postings] == [
        (tenant, "platform.cash", -300, None),
        (tenant, "balance.available", 300, 10_300),
    ]
    async with database.platform_transaction() as session:
        bare = await write_entry(
            session,
            SYSTEM,
            tenant_id=tenant,
            kind=EntryKind.TOP_UP,
            postings=[Posting(LedgerAccount.CASH, -1), Posting(LedgerAccount.BALANCE_AVAILABLE, 1)],
            balances_after={},
        )
        defaults = (
            await session.execute(
                text("SELECT reference, note, operation_key FROM ledger_entries WHERE id = :id"),
                {"id": bare},
            )
        ).one()
    assert tuple(defaults) == ("", "", None)


async def test_each_refusal_names_what_was_wrong(database: Database, tenant: int) -> None:
    other = await make_tenant(database, "initech")
    actor = tenant_actor(tenant)
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, actor, tenant, "SO-1", 1_000)

    def problems(refused: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
        return [(p.field, p.code) for p in refused.value.problems]

    async with database.platform_transaction() as session:
        with pytest.raises(FreezeConflict) as conflict:
            await freezes.freeze(session, SYSTEM, tenant, "SO-1", 999)
        assert conflict.value.details == {"reference": "SO-1", "amount_fen": 1_000}
        with pytest.raises(FreezeNotFound) as missing:
            await freezes.capture(session, SYSTEM, tenant, "SO-404", 1)
        assert missing.value.details == {"reference": "SO-404"}
        with pytest.raises(FreezeNotFound) as missing:
            await freezes.release_remaining(session, SYSTEM, tenant, "SO-405")
        assert missing.value.details == {"reference": "SO-405"}
        with pytest.raises(ExceedsFreeze) as exceeds:
            await freezes.capture(session, SYSTEM, tenant, "SO-1", 1_001)
        assert exceeds.value.details == {"reference": "SO-1", "open_fen": 1_000}
        for tenant_id in (0, -1, True):
            with pytest.raises(InvalidInput) as bad:
                await freezes.freeze(session, SYSTEM, tenant_id, "SO-2", 1)
            assert problems(bad) == [("tenant_id", "not_an_integer")]
        with pytest.raises(InvalidInput) as bad:
            await freezes.release(session, SYSTEM, 0, "SO-1", 1)
        assert problems(bad) == [("tenant_id", "not_an_integer")]
        with pytest.raises(InvalidInput) as bad:
            await freezes.release_remaining(session, SYSTEM, 0, "SO-1")
        assert problems(bad) == [("tenant_id", "not_an_integer")]
        with pytest.raises(InvalidInput) as bad:
            await freezes.freeze(session, SYSTEM, tenant, "SO 2", 1)
        assert problems(bad) == [("reference", "invalid_format")]
        with pytest.raises(InvalidInput) as bad:
            await freezes.freeze(session, SYSTEM, tenant, "SO-2", 0)
        assert problems(bad) == [("amount_fen", "too_small")]
        with pytest.raises(InvalidInput) as bad:
            await freezes.release(session, SYSTEM, tenant, "SO-1", 0)
        assert problems(bad) == [("amount_fen", "too_small")]
        with pytest.raises(InvalidInput) as bad:
            await freezes.capture(session, SYSTEM, tenant, "SO-1", 1, supplier_payable_fen=-1)
        assert problems(bad) == [("supplier_payable_fen", "too_small")]
        with pytest.raises(InvalidInput) as bad:
            await freezes.capture(
                session, SYSTEM, tenant, "SO-1", 1, supplier_payable_fen=MAX_ABS_FEN + 1
            )
        assert problems(bad) == [("supplier_payable_fen", "too_large")]
        for settle in (freezes.capture, freezes.release):
            with pytest.raises(InvalidInput) as bad:
                await settle(session, SYSTEM, tenant, "SO-1", MAX_ABS_FEN + 1)
            assert problems(bad) == [("amount_fen", "too_large")]
            with pytest.raises(ExceedsFreeze):  # the limit itself is a valid amount
                await settle(session, SYSTEM, tenant, "SO-1", MAX_ABS_FEN)
        for key, code in (("", "required"), ("k" * 129, "too_long")):
            with pytest.raises(InvalidInput) as bad:
                await freezes.release(session, SYSTEM, tenant, "SO-1", 1, operation_key=key)
            assert problems(bad) == [("operation_key", code)]
        done = await freezes.release(session, SYSTEM, tenant, "SO-1", 1, operation_key="k" * 128)
        assert (done.open_fen, done.released_fen) == (999, 1)
        with pytest.raises(OperationKeyReused) as reused:
            await freezes.release(session, SYSTEM, tenant, "SO-1", 2, operation_key="k" * 128)
        assert reused.value.details == {"operation_key": "k" * 128}
    for kind in ("freeze", "release", "release_remaining"):
        with pytest.raises(PermissionDenied) as denied:
            async with database.tenant_transaction(tenant) as session:
                if kind == "freeze":
                    await freezes.freeze(session, actor, other, "SO-3", 1)
                elif kind == "release":
                    await freezes.release(session, actor, other, "SO-3", 1)
                else:
                    await freezes.release_remaining(session, actor, other, "SO-3")
        assert denied.value.details == {"tenant_id": other}


async def test_each_tenant_posting_records_the_balance_it_left(
    database: Database, tenant: int
) -> None:
    await fund(database, tenant, 0, credit_fen=5_000)
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 12_000)
    async with database.platform_transaction() as session:
        await freezes.release(session, SYSTEM, tenant, "SO-1", 3_000)
        await freezes.capture(session, SYSTEM, tenant, "SO-1", 8_000, supplier_payable_fen=6_000)
        assert await freezes.held_for(session, tenant, "SO-1") == 1_000
        assert await freezes.held_for(session, tenant, "SO-2") == 0
        rows = (
            await session.execute(
                text(
                    "SELECT e.kind, p.account, p.amount_fen, p.balance_after_fen "
                    "FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id "
                    "WHERE e.reference = 'SO-1' ORDER BY p.id"
                )
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("freeze", "balance.available", -10_000, 0),
        ("freeze", "balance.frozen", 10_000, 10_000),
        ("freeze", "credit.available", -2_000, 3_000),
        ("freeze", "credit.frozen", 2_000, 2_000),
        ("release", "balance.available", 1_000, 1_000),
        ("release", "balance.frozen", -1_000, 9_000),
        ("release", "credit.available", 2_000, 5_000),
        ("release", "credit.frozen", -2_000, 0),
        ("capture", "balance.frozen", -8_000, 1_000),
        ("capture", "supplier.payable", 6_000, None),
        ("capture", "platform.revenue", 2_000, None),
    ]


async def test_a_capture_without_a_purchase_price_is_all_revenue(
    database: Database, tenant: int
) -> None:
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 1_000)
    async with database.platform_transaction() as session:
        state = await freezes.capture(session, SYSTEM, tenant, "SO-1", 600)
        rows = (
            await session.execute(
                text(
                    "SELECT p.account, p.amount_fen, p.balance_after_fen "
                    "FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id "
                    "WHERE e.kind = 'capture' ORDER BY p.id"
                )
            )
        ).all()
    assert state == FreezeState("SO-1", 1_000, 400, 600, 0)
    assert [tuple(row) for row in rows] == [
        ("balance.frozen", -600, 400),
        ("platform.revenue", 600, None),
    ]


async def _second_call_waiting_on_the_first(
    database: Database, call: Callable[[AsyncSession], Awaitable[FreezeState]]
) -> asyncio.Task[FreezeState]:
    """Start ``call`` in its own transaction and return once PostgreSQL shows it waiting for
    another transaction's lock (or it has finished without waiting)."""
    backend: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def run() -> FreezeState:
        async with database.platform_transaction() as session:
            backend.set_result(int(await session.scalar(text("SELECT pg_backend_pid()")) or 0))
            return await call(session)

    task = asyncio.create_task(run())
    pid = await backend
    async with asyncio.timeout(30):
        while not task.done():
            async with database.platform_transaction() as session:
                blockers = await session.scalar(
                    text("SELECT cardinality(pg_blocking_pids(:pid))"), {"pid": pid}
                )
            if blockers:
                break
            await asyncio.sleep(0.02)
    return task


async def test_a_settle_waits_for_a_concurrent_one_and_sees_what_it_left(
    database: Database, tenant: int
) -> None:
    """A capture or release reads the freeze under its row lock: one that started while
    another was still open sees the freeze as that one left it, not as it was before."""
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 1_000)
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-2", 1_000)
    async with database.platform_transaction() as first:
        await freezes.capture(first, SYSTEM, tenant, "SO-1", 600)
        second = await _second_call_waiting_on_the_first(
            database, lambda session: freezes.capture(session, SYSTEM, tenant, "SO-1", 600)
        )
    with pytest.raises(ExceedsFreeze) as refused:
        await second
    assert refused.value.details == {"reference": "SO-1", "open_fen": 400}
    async with database.platform_transaction() as first:
        await freezes.capture(first, SYSTEM, tenant, "SO-2", 600)
        rest = await _second_call_waiting_on_the_first(
            database, lambda session: freezes.release_remaining(session, SYSTEM, tenant, "SO-2")
        )
    assert await rest == FreezeState("SO-2", 1_000, 0, 600, 400)
    after = await summary(database, tenant)
    assert (after.available_fen, after.frozen_fen) == (8_400, 400)
    assert (await ledger_report(database)).in_balance
