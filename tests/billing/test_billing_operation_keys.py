"""Finance calls made safe to repeat by an operation key (the demo data's funding): the same
top-up or credit line again moves nothing; a key naming another operation is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hive.billing import service as billing
from hive.billing.errors import OperationKeyReused
from hive.billing.schemas import CreditLimit, TopUp
from hive.platform.db import Database
from tests.support.billing import FINANCE, ledger_report, summary
from tests.support.factories import make_tenant

ENTRIES = "SELECT kind, operation_key FROM ledger_entries WHERE tenant_id = :tenant ORDER BY id"


async def test_a_top_up_under_a_key_is_written_once(database: Database) -> None:
    tenant = await make_tenant(database, "acme")
    data = TopUp(tenant_id=tenant, amount_fen=1_000_00, note="首次充值")
    async with database.platform_transaction() as session:
        first = await billing.top_up(session, FINANCE, data, operation_key="k:top-up")
    async with database.platform_transaction() as session:
        again = await billing.top_up(session, FINANCE, data, operation_key="k:top-up")
        entries = (await session.execute(text(ENTRIES), {"tenant": tenant})).all()
    assert again == first
    assert entries == [("top_up", "k:top-up")]
    assert (await summary(database, tenant)).available_fen == 1_000_00
    assert (await ledger_report(database)).in_balance


async def test_a_key_naming_another_operation_is_refused_and_nothing_moves(
    database: Database,
) -> None:
    tenant = await make_tenant(database, "acme")
    async with database.platform_transaction() as session:
        data = TopUp(tenant_id=tenant, amount_fen=1_000_00, note="充值")
        await billing.top_up(session, FINANCE, data, operation_key="k:top-up")
    other_amount = TopUp(tenant_id=tenant, amount_fen=2_000_00, note="充值")
    line = CreditLimit(tenant_id=tenant, limit_fen=500_00, note="授信")
    with pytest.raises(OperationKeyReused):
        async with database.platform_transaction() as session:
            await billing.top_up(session, FINANCE, other_amount, operation_key="k:top-up")
    with pytest.raises(OperationKeyReused):
        async with database.platform_transaction() as session:
            await billing.set_credit_limit(session, FINANCE, line, operation_key="k:top-up")
    account = await summary(database, tenant)
    assert (account.available_fen, account.credit_limit_fen) == (1_000_00, 0)


async def test_a_credit_line_under_a_key_is_set_once(database: Database) -> None:
    tenant = await make_tenant(database, "acme")
    line = CreditLimit(tenant_id=tenant, limit_fen=500_00, note="授信")
    async with database.platform_transaction() as session:
        first = await billing.set_credit_limit(session, FINANCE, line, operation_key="k:credit")
        changed = CreditLimit(tenant_id=tenant, limit_fen=300_00, note="下调")
        await billing.set_credit_limit(session, FINANCE, changed)
    async with database.platform_transaction() as session:
        again = await billing.set_credit_limit(session, FINANCE, line, operation_key="k:credit")
    assert again == first
    assert (await summary(database, tenant)).credit_limit_fen == 300_00
    assert (await ledger_report(database)).in_balance
