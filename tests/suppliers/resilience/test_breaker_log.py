"""Breaker transitions are recorded for the dashboard: opening stores the failure that opened
it, the probe's half-open and the close follow, the last failure stays; a late write of an
earlier transition does not overwrite a later one; a failed write never fails the call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

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
    log.changed(10**9, METHOD, BreakerState.OPEN, SupplierUnavailable())  # no such supplier
    await log.drain()
    async with database.platform_transaction() as session:
        assert await session.scalar(select(SupplierBreakerState)) is None
