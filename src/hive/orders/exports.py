"""Orders as CSV: the staff order search (/admin/orders/export.csv) and a tenant's own order
list (/workbench/orders/export.csv), each with the filters and sort its page reads, every
matching order (not one page), streamed (hive.console.export: UTF-8 with a BOM for Excel,
formula-looking cells escaped).

Money is yuan with two decimals, the unit in the header (金额（元）). The receiver is what the
lists show: the masked name and mobile stored beside the encrypted receiver, never the
receiver itself (showing it whole is an audited action of the order page). The workbench
export runs in the tenant's transaction, so row-level security keeps it to the tenant's own
orders even beside its own filter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hive.console.callers import tenant_id_of
from hive.console.export import csv_download, header, stream_rows, yuan_cell
from hive.console.i18n import translator
from hive.console.pages import language_of
from hive.console.tables import read_table, refuse_unknown
from hive.orders import search
from hive.orders import service as orders
from hive.orders.routes import SEARCH, OrdersViewer
from hive.orders.workbench_routes import LIST, OwnOrders
from hive.platform.http import database_of

router = APIRouter(include_in_schema=False)
STAFF_COLUMNS = ("orders.order_no", "orders.tenant", "orders.status", "orders.total",
                 "orders.receiver", "orders.receiver_mobile", "orders.created_at")  # fmt: skip
OWN_COLUMNS = tuple(c for c in STAFF_COLUMNS if c != "orders.tenant")
MONEY_COLUMNS = ("orders.total",)  # yuan numbers; the header names the unit


@router.get(SEARCH + "/export.csv")
async def search_export(request: Request, actor: OrdersViewer) -> Response:
    """Refuses what the search page refuses (an unknown parameter, a bad filter) before any
    row is sent."""
    params = dict(request.query_params)
    refuse_unknown(params, [*search.FILTERS, "sort", "direction"])
    table = read_table(params, path=SEARCH, sorts=search.SORTS, default_sort="created_at")
    filters = search.read_filters(params)
    statement = search.export_orders(
        actor, filters, sort=table.sort, descending=table.direction == "desc"
    )
    rows = stream_rows(database_of(request).platform_transaction, statement)
    t = translator(language_of(request))
    return csv_download("orders", header(t, STAFF_COLUMNS, MONEY_COLUMNS), _staff_cells(rows, t))


@router.get(LIST + "/export.csv")
async def own_export(request: Request, actor: OwnOrders) -> Response:
    params = dict(request.query_params)
    refuse_unknown(params, ("status",))
    status = params.get("status", "").strip() or None
    tenant_id = tenant_id_of(actor)
    statement = orders.export_own_orders(actor, tenant_id, status=status)
    database = database_of(request)
    rows = stream_rows(lambda: database.tenant_transaction(tenant_id), statement)
    t = translator(language_of(request))
    return csv_download("my-orders", header(t, OWN_COLUMNS, MONEY_COLUMNS), _own_cells(rows, t))


async def _staff_cells(
    rows: AsyncIterator[Any], t: Callable[[str], str]
) -> AsyncIterator[Sequence[object]]:
    async for row in rows:
        yield (
            row.order_no,
            row.tenant_name,
            t(f"orders.status.{row.status}"),
            yuan_cell(row.total_fen),
            row.receiver_name_masked,
            row.receiver_mobile_masked,
            row.created_at,
        )


async def _own_cells(
    rows: AsyncIterator[Any], t: Callable[[str], str]
) -> AsyncIterator[Sequence[object]]:
    async for row in rows:
        yield (
            row.order_no,
            t(f"orders.status.{row.status}"),
            yuan_cell(row.total_fen),
            row.receiver_name_masked,
            row.receiver_mobile_masked,
            row.created_at,
        )
