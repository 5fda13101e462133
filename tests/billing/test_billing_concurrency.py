"""The available balance never goes negative under concurrency: 200 orders freeze at once
against a balance that covers exactly 100 of them, on real PostgreSQL with real concurrent
connections; exactly 100 succeed and the books stay in balance."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from hive.billing import freezes
from hive.billing.errors import InsufficientFunds
from hive.platform.db import Database
from tests.support.billing import fund, ledger_report, pooled, summary, tenant_actor
from tests.support.factories import make_tenant

__all__ = ["pooled"]
ORDERS = 200
COVERED = 100
PRICE_FEN = 1_234


async def _order(database: Database, tenant: int, number: int, gate: asyncio.Event) -> int | str:
    await gate.wait()
    try:
        async with database.tenant_transaction(tenant) as session:
            await freezes.freeze(session, tenant_actor(tenant), tenant, f"SO-{number}", PRICE_FEN)
            return int(await session.scalar(text("SELECT pg_backend_pid()")) or 0)
    except InsufficientFunds:
        return "refused"


async def test_two_hundred_parallel_freezes_against_a_balance_for_one_hundred(
    pooled: Database,
) -> None:
    tenant = await make_tenant(pooled, "rush")
    await fund(pooled, tenant, COVERED * PRICE_FEN)
    gate = asyncio.Event()
    calls = [asyncio.create_task(_order(pooled, tenant, n, gate)) for n in range(ORDERS)]
    gate.set()
    outcomes = await asyncio.gather(*calls)
    backends = {outcome for outcome in outcomes if isinstance(outcome, int)}
    assert sum(1 for outcome in outcomes if outcome != "refused") == COVERED
    assert outcomes.count("refused") == ORDERS - COVERED
    assert len(backends) > 1  # the freezes really ran on several connections at once
    after = await summary(pooled, tenant)
    assert (after.available_fen, after.frozen_fen) == (0, COVERED * PRICE_FEN)
    async with pooled.platform_transaction() as session:
        held = await session.scalar(
            text("SELECT count(*) FROM freezes WHERE tenant_id = :t"), {"t": tenant}
        )
    assert held == COVERED
    assert (await ledger_report(pooled)).in_balance


async def test_parallel_freezes_of_one_reference_hold_it_once(pooled: Database) -> None:
    tenant = await make_tenant(pooled, "twice")
    await fund(pooled, tenant, 10 * PRICE_FEN)
    gate = asyncio.Event()
    calls = [asyncio.create_task(_same(pooled, tenant, gate)) for _ in range(20)]
    gate.set()
    await asyncio.gather(*calls)
    after = await summary(pooled, tenant)
    assert (after.available_fen, after.frozen_fen) == (9 * PRICE_FEN, PRICE_FEN)
    assert (await ledger_report(pooled)).in_balance


async def _same(database: Database, tenant: int, gate: asyncio.Event) -> None:
    await gate.wait()
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-SAME", PRICE_FEN)
