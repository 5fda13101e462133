"""Account statements as CSV: staff download a tenant's (/admin/billing/<id>/statement.csv),
a tenant user its own (/workbench/account/statement.csv, in the tenant's transaction, so
row-level security keeps it to its own lines). Streamed (hive.console.export)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hive.billing import service as billing
from hive.billing.routes import ADMIN_PATH, WORKBENCH_PATH, AccountsViewer, OwnAccountViewer
from hive.console.callers import tenant_id_of
from hive.console.export import csv_download, header, stream_rows, yuan_cell
from hive.console.i18n import translator
from hive.console.pages import language_of
from hive.console.tables import refuse_unknown
from hive.customers import service as customers
from hive.platform.http import database_of
from hive.platform.validation import Id

router = APIRouter(include_in_schema=False)
COLUMNS = ("billing.time", "billing.kind", "billing.reference", "billing.line_account",
           "billing.change", "billing.balance_after", "billing.note")  # fmt: skip
MONEY_COLUMNS = ("billing.change", "billing.balance_after")


@router.get(ADMIN_PATH + "/{tenant_id}/statement.csv")
async def tenant_statement_export(
    request: Request, actor: AccountsViewer, tenant_id: Id
) -> Response:
    refuse_unknown(dict(request.query_params), ())
    database = database_of(request)
    async with database.platform_transaction() as session:
        await customers.get_tenant(session, tenant_id)  # 404 for an unknown tenant
    statement = billing.statement_export(actor, tenant_id)
    rows = stream_rows(database.platform_transaction, statement)
    return _download(request, f"statement-{tenant_id}", rows)


@router.get(WORKBENCH_PATH + "/statement.csv")
async def own_statement_export(request: Request, actor: OwnAccountViewer) -> Response:
    refuse_unknown(dict(request.query_params), ())
    tenant_id = tenant_id_of(actor)
    statement = billing.statement_export(actor, tenant_id)
    database = database_of(request)
    rows = stream_rows(lambda: database.tenant_transaction(tenant_id), statement)
    return _download(request, "statement", rows)


def _download(request: Request, name: str, rows: AsyncIterator[Any]) -> Response:
    t = translator(language_of(request))
    return csv_download(name, header(t, COLUMNS, MONEY_COLUMNS), _cells(rows, t))


async def _cells(
    rows: AsyncIterator[Any], t: Callable[[str], str]
) -> AsyncIterator[Sequence[object]]:
    async for line in rows:
        yield (
            line.created_at,
            t(f"billing.entry.{line.kind}"),
            line.reference,
            t(f"billing.ledger.{line.account}"),
            yuan_cell(line.amount_fen),
            yuan_cell(line.balance_after_fen),
            line.note,
        )
