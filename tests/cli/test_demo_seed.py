"""Demo data: seeding twice adds nothing the second time, each pool rule runs once, and the
demo tenant is funded once through the ledger."""

from __future__ import annotations

from sqlalchemy import text

from hive.billing import service as billing
from hive.billing.reconciliation import check_ledger
from hive.billing.schemas import CreditLimit
from hive.customers.service import find_tenant_by_code
from hive.demo import (
    DEMO_CREDIT_LIMIT_FEN,
    DEMO_RULES,
    DEMO_TOP_UP_FEN,
    SEED_ACTOR,
    seed_demo_data,
)
from hive.platform.actor import SYSTEM
from hive.platform.config import Settings
from hive.platform.db import Database

COUNTS = """
SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM users),
       (SELECT count(*) FROM suppliers), (SELECT count(*) FROM selection_rules)
"""
RULE_JOBS = """
SELECT j.args ->> 'rule_id', r.name, r.scheduled FROM procrastinate_jobs j
JOIN selection_rules r ON r.id = CAST(j.args ->> 'rule_id' AS bigint)
WHERE j.task_name = 'hive.catalog.run_rule'
"""


async def test_seeding_twice_adds_nothing_and_defers_one_run_of_the_demo_rule(
    database: Database, settings: Settings
) -> None:
    await seed_demo_data(database, settings)
    async with database.platform_transaction() as session:
        first = (await session.execute(text(COUNTS))).one()
    await seed_demo_data(database, settings)
    async with database.platform_transaction() as session:
        second = (await session.execute(text(COUNTS))).one()
        jobs = (await session.execute(text(RULE_JOBS))).all()
    assert first == second == (2, 5, 2, len(DEMO_RULES))
    assert sorted((name, scheduled) for _, name, scheduled in jobs) == sorted(
        (name, True) for name, _ in DEMO_RULES
    )


FUNDING_AUDIT = """
SELECT a.action, a.actor_name, a.details ->> 'amount_fen', a.details ->> 'note'
FROM audit_log a JOIN tenants t ON t.id = a.tenant_id
WHERE t.code = 'acme' AND a.action LIKE 'billing.%' ORDER BY a.id
"""
FUNDING_ENTRIES = """
SELECT e.kind, e.note, e.actor_name FROM ledger_entries e JOIN tenants t ON t.id = e.tenant_id
WHERE t.code = 'acme' ORDER BY e.id
"""


async def test_seeding_twice_funds_the_demo_tenant_once_through_the_ledger(
    database: Database, settings: Settings
) -> None:
    await seed_demo_data(database, settings)
    await seed_demo_data(database, settings)
    async with database.platform_transaction() as session:
        acme = await find_tenant_by_code(session, "acme")
        account = await billing.account_summary(session, SEED_ACTOR, acme.id)
        entries = (await session.execute(text(FUNDING_ENTRIES))).all()
        audit = (await session.execute(text(FUNDING_AUDIT))).all()
        report = await check_ledger(session, SYSTEM)
    assert (account.available_fen, account.credit_limit_fen, account.credit_available_fen) == (
        DEMO_TOP_UP_FEN,
        DEMO_CREDIT_LIMIT_FEN,
        DEMO_CREDIT_LIMIT_FEN,
    )
    assert account.spendable_fen == 70_000_00
    assert entries == [
        ("top_up", "演示充值", "seed"),
        ("credit_limit", "演示授信", "seed"),
    ]
    assert audit == [
        ("billing.top_up", "seed", str(DEMO_TOP_UP_FEN), "演示充值"),
        ("billing.credit_limit", "seed", str(DEMO_CREDIT_LIMIT_FEN), "演示授信"),
    ]
    assert report.in_balance


async def test_seeding_again_leaves_a_credit_line_finance_changed_alone(
    database: Database, settings: Settings
) -> None:
    await seed_demo_data(database, settings)
    async with database.platform_transaction() as session:
        acme = (await find_tenant_by_code(session, "acme")).id
        lowered = CreditLimit(tenant_id=acme, limit_fen=5_000_00, note="下调")
        await billing.set_credit_limit(session, SEED_ACTOR, lowered)
    await seed_demo_data(database, settings)
    async with database.platform_transaction() as session:
        account = await billing.account_summary(session, SEED_ACTOR, acme)
    assert (account.available_fen, account.credit_limit_fen) == (DEMO_TOP_UP_FEN, 5_000_00)
