"""Breaker transitions are recorded for the dashboard: opening stores the failure that opened
it, the probe's half-open and the close follow, the last failure stays; a late write of an
earlier transition does not overwrite a later one; a failed write never fails the call."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from structlog.testing import capture_logs

from hive.platform.db import Database
from hive.suppliers import repository
from hive.suppliers.errors import SupplierUnavailable
from hive.suppliers.models import Supplier, SupplierBreakerState
from hive.suppliers.resilience.breaker import BreakerState
from hive.suppliers.resilience.breaker_log import BreakerLog
from hive.suppliers.resilience.guard import CallGuard
from tests.suppliers.resilience.test_guard import METHOD, SETTINGS, PlentyOfTokens, answer
from tests.support.vop import FakeClock


async def _supplier(database: Database) -> int:
    async with database.platform_transaction() as session:
        supplier = Supplier(name="熔断测试", kind="warehouse")
        session.add(supplier)
        await session.flush()
        return supplier.id


async def _row(database: Database, supplier_id: int) -> SupplierBreakerState:
    async with database.platform_transaction() as session:
        row = await session.scalar(
            select(SupplierBreakerState).where(SupplierBreakerState.supplier_id == supplier_id)
        )
        assert row is not None
        return row


async def test_each_transition_is_recorded_with_the_failure_that_opened_it(
    database: Database,
) -> None:
    supplier_id = await _supplier(database)
    clock, log = FakeClock(), BreakerLog(database)
    guard = CallGuard(
        supplier_id=supplier_id,
        supplier_name="熔断测试",
        rate_limits={"*": 1000.0},
        limiter=PlentyOfTokens(),
        settings=SETTINGS,
        clock=clock,
        breaker_log=log,
    )

    async def fail() -> str:
        raise SupplierUnavailable("供应商超时 / Supplier timed out")

    for _ in range(SETTINGS.supplier_breaker_failures):
        with pytest.raises(SupplierUnavailable):
            await guard.call(METHOD, fail, retry=False)
    await log.drain()
    opened = await _row(database, supplier_id)
    assert (opened.method, opened.state) == (METHOD, "open")
    assert opened.last_failure_code == "supplier_unavailable"
    assert "Supplier timed out" in opened.last_failure_message
    assert opened.last_failure_at is not None
    clock.now += SETTINGS.supplier_breaker_reset_s
    assert await guard.call(METHOD, answer, retry=False) == "ok"  # the probe closes it
    await log.drain()
    closed = await _row(database, supplier_id)
    assert closed.state == "closed" and closed.changed_at > opened.changed_at
    assert (closed.last_failure_code, closed.last_failure_at) == (
        "supplier_unavailable",
        opened.last_failure_at,
    )


async def test_a_late_write_of_an_earlier_transition_keeps_the_later_state(
    database: Database,
) -> None:
    supplier_id = await _supplier(database)
    later = datetime.now(UTC)
    async with database.platform_transaction() as session:
        await repository.record_breaker_state(
            session, supplier_id, METHOD, "closed", later, failure_code=None, failure_message=None
        )
        await repository.record_breaker_state(
            session,
            supplier_id,
            METHOD,
            "open",
            later - timedelta(seconds=1),
            failure_code="supplier_unavailable",
            failure_message="x",
        )
    assert (await _row(database, supplier_id)).state == "closed"


async def test_a_failed_write_is_logged_and_the_call_goes_on(database: Database) -> None:
    log = BreakerLog(database)
    with capture_logs() as logs:
        log.changed(10**9, METHOD, BreakerState.OPEN, SupplierUnavailable())  # no such supplier
        await log.drain()
    async with database.platform_transaction() as session:
        assert await session.scalar(select(SupplierBreakerState)) is None
    assert [{key: value for key, value in entry.items() if key != "error"} for entry in logs] == [
        {
            "event": "breaker state not recorded",
            "log_level": "warning",
            "supplier_id": 10**9,
            "method": METHOD,
        }
    ]
    assert (
        'violates foreign key constraint "fk_supplier_breaker_states_supplier_id_suppliers"'
        in logs[0]["error"]
    )


async def test_a_long_method_and_failure_are_cut_to_their_columns_and_stamped_in_utc(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A method name longer than its column (128) and a failure message longer than the 1,000
    characters kept are still recorded, cut; the transition's moment is an aware UTC time."""
    supplier_id = await _supplier(database)
    moments: list[datetime] = []
    record = repository.record_breaker_state

    async def stamped(
        session: AsyncSession,
        supplier_id: int,
        method: str,
        state: str,
        at: datetime,
        **failure: str | None,
    ) -> None:
        moments.append(at)
        await record(session, supplier_id, method, state, at, **failure)

    monkeypatch.setattr(repository, "record_breaker_state", stamped)
    method = "".join(f"{k % 10}" for k in range(200))
    message = "".join(f"{k % 7}" for k in range(2000))
    log = BreakerLog(database)
    before = datetime.now(UTC)
    log.changed(supplier_id, method, BreakerState.OPEN, SupplierUnavailable(message))
    await log.drain()
    after = datetime.now(UTC)
    row = await _row(database, supplier_id)
    assert (row.method, row.state, row.last_failure_code, row.last_failure_message) == (
        method[:128],
        "open",
        "supplier_unavailable",
        message[:1000],
    )
    [at] = moments
    assert at.tzinfo is UTC
    assert before <= at <= after
    assert row.changed_at == at and row.last_failure_at == at


async def test_drain_returns_when_a_write_was_cancelled(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write cancelled on its way (a shutdown) ends like a failed one: drain, which waits
    for the writes, does not raise the write's cancellation into its own caller."""
    writing: list[asyncio.Task[object]] = []
    started = asyncio.Event()

    async def stuck(*_args: object, **_kwargs: object) -> None:
        task = asyncio.current_task()
        assert task is not None
        writing.append(task)
        started.set()
        await asyncio.Event().wait()  # until cancelled

    monkeypatch.setattr(repository, "record_breaker_state", stuck)
    log = BreakerLog(database)
    log.changed(1, METHOD, BreakerState.CLOSED, None)
    await started.wait()
    writing[0].cancel()
    await log.drain()
    assert writing[0].cancelled()
