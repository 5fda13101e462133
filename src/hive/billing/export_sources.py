"""What the account statements export (hive.console.export_jobs): a tenant's statement for
staff (the account page /admin/billing/<id>) and a tenant user's own (/workbench/account),
every line the page pages through, newest first.

The staff export's one filter is the tenant (``tenant``, from the page's address, not from
the form); an unknown tenant is 404 as on the page. The tenant's own export has no filter at
all (a ``tenant`` posted to it is refused as an unknown parameter) and is read in the tenant's
transaction, so row-level security keeps it to its own lines even beside the service's check.
Money is yuan with two decimals, the unit in the header."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import service as billing
from hive.billing.texts import BILLING_TEXTS
from hive.console.callers import tenant_id_of
from hive.console.export import header, yuan_cell
from hive.console.export_filters import Filter, tenant
from hive.console.export_jobs import (
    ExportSource,
    Planned,
    Translate,
    id_filter,
    register_source,
)
from hive.console.tables import refuse_unknown
from hive.customers import service as customers
from hive.platform.actor import Actor
from hive.platform.permissions import View

ADMIN_PATH = "/admin/billing"
WORKBENCH_PATH = "/workbench/account"
COLUMNS = ("billing.time", "billing.kind", "billing.reference", "billing.line_account",
           "billing.change", "billing.balance_after", "billing.note")  # fmt: skip
MONEY_COLUMNS = ("billing.change", "billing.balance_after")


def _cells(line: Any, t: Translate) -> Sequence[object]:
    return (
        line.created_at,
        t(f"billing.entry.{line.kind}"),
        line.reference,
        t(f"billing.ledger.{line.account}"),
        yuan_cell(line.amount_fen),
        yuan_cell(line.balance_after_fen),
        line.note,
    )


async def _tenant_statement(
    session: AsyncSession, actor: Actor, filters: Mapping[str, str]
) -> Planned:
    refuse_unknown(dict(filters), ("tenant",))
    tenant_id = id_filter(filters, "tenant")
    await customers.get_tenant(session, tenant_id)  # 404 for an unknown tenant, as the page
    return Planned(billing.statement_export(actor, tenant_id), _cells)


async def _own_statement(
    session: AsyncSession, actor: Actor, filters: Mapping[str, str]
) -> Planned:
    refuse_unknown(dict(filters), ())
    return Planned(billing.statement_export(actor, tenant_id_of(actor)), _cells)


TENANT_STATEMENT = register_source(
    ExportSource(
        name="billing.statement",
        title_key="billing.export.title",
        file_name="statement",
        back=ADMIN_PATH + "/{tenant}",
        tenant=False,
        header=lambda t: header(t, COLUMNS, MONEY_COLUMNS),
        plan=_tenant_statement,
        view=View.BILLING_ACCOUNTS,
        filters={"tenant": Filter("billing.export.tenant", tenant)},
        fixed=("tenant",),
        texts=(BILLING_TEXTS,),
    ),
    __name__,
)
OWN_STATEMENT = register_source(
    ExportSource(
        name="billing.own_statement",
        title_key="billing.export.title",
        file_name="statement",
        back=WORKBENCH_PATH,
        tenant=True,
        header=lambda t: header(t, COLUMNS, MONEY_COLUMNS),
        plan=_own_statement,
        view=View.WORKBENCH_ACCOUNT,
        texts=(BILLING_TEXTS,),
    ),
    __name__,
)
