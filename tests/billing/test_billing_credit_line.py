"""The credit line: editing it in the console (finance) — lowering it below what is drawn or
held is refused naming that amount next to the field, nothing written; down to exactly that
amount is allowed and audited — and what a capture draws on it."""

from __future__ import annotations

from sqlalchemy import text

from hive.billing import freezes
from hive.billing.freezes import FreezeState
from hive.platform.actor import SYSTEM, Actor
from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.billing.test_billing_pages import _count, _post, signed_in
from tests.support.billing import fund, ledger_report, summary, tenant_actor
from tests.support.factories import make_tenant

ERROR = '<small class="field-error" id="f-credit-limit-amount-error">'


async def test_a_credit_line_is_lowered_only_down_to_what_is_in_use(
    hcm_url: str, database: Database, people: dict[str, int]
) -> None:
    acme = people["acme"]
    page = f"/admin/billing/{acme}"
    await fund(database, acme, 0, credit_fen=500_00)
    buyer = Actor(user_id=None, username="buyer", role=Role.TENANT_USER.value, tenant_id=acme)
    async with database.tenant_transaction(acme) as session:
        await freezes.freeze(session, buyer, acme, "PO-CREDIT", 300_00)  # held on credit
    entries = "SELECT count(*) FROM ledger_entries WHERE kind = 'credit_limit'"
    before = await _count(database, entries)
    with signed_in(hcm_url, "finance") as client:
        shown = client.get(page).text
        assert "当前额度 ¥500.00，已用（含冻结）¥300.00" in shown
        refused = _post(client, f"{page}/credit-limit", page, amount="200", note="下调授信")
        assert refused.status_code == 409
        assert ERROR + "不能低于已用的 ¥300.00<" in refused.text
        assert 'value="200"' in refused.text  # what was typed stays
        assert (await summary(database, acme)).credit_limit_fen == 500_00
        assert await _count(database, entries) == before
        lowered = _post(client, f"{page}/credit-limit", page, amount="300", note="下调授信")
        assert lowered.status_code == 303
    after = await summary(database, acme)
    assert (after.credit_limit_fen, after.credit_available_fen) == (300_00, 0)
    async with database.platform_transaction() as session:
        details = await session.scalar(
            text(
                "SELECT details FROM audit_log WHERE action = 'billing.credit_limit' "
                "AND actor_name = 'finance' ORDER BY id DESC LIMIT 1"
            )
        )
    assert details["amount_fen"] == -200_00 and details["note"] == "下调授信"
    assert (await ledger_report(database)).in_balance


async def test_a_partial_capture_takes_the_held_balance_before_the_held_credit(
    database: Database,
) -> None:
    """A capture spends the held prepaid money first (a release gives credit back first): of
    a freeze holding 10,000 balance and 2,000 credit, capturing 3,000 leaves the credit held
    and none of it drawn."""
    tenant = await make_tenant(database, "acme")
    await fund(database, tenant, 10_000, credit_fen=5_000)
    async with database.tenant_transaction(tenant) as session:
        await freezes.freeze(session, tenant_actor(tenant), tenant, "SO-1", 12_000)
    async with database.platform_transaction() as session:
        state = await freezes.capture(
            session, SYSTEM, tenant, "SO-1", 3_000, supplier_payable_fen=2_000
        )
        rows = await session.execute(
            text(
                "SELECT p.account, p.amount_fen, p.balance_after_fen "
                "FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id "
                "WHERE e.kind = 'capture' ORDER BY p.id"
            )
        )
        postings = [tuple(row) for row in rows]
    assert state == FreezeState("SO-1", 12_000, 9_000, 3_000, 0)
    assert postings == [
        ("balance.frozen", -3_000, 7_000),
        ("supplier.payable", 2_000, None),
        ("platform.revenue", 1_000, None),
    ]
    after = await summary(database, tenant)
    assert (after.available_fen, after.frozen_fen) == (0, 7_000)
    assert (after.credit_available_fen, after.credit_frozen_fen) == (3_000, 2_000)
    assert after.credit_used_fen == 0
    assert (await ledger_report(database)).in_balance
