"""What the order lists export (hive.console.export_jobs): the staff order search and a
tenant's own order list, each with the filters and sort its page reads, every matching order.

Money is yuan with two decimals, the unit in the header (金额（元）). The receiver is what the
lists show: the masked name and mobile stored beside the encrypted receiver, never the
receiver itself (showing it whole is an audited action of the order page). The tenant's export
is read in the tenant's transaction, so row-level security keeps it to the tenant's own
orders even beside its own filter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Executable

from hive.console.callers import tenant_id_of
from hive.console.export import header, yuan_cell
from hive.console.export_filters import DIRECTION, SORT, Filter, choice, day, keyed, tenant
from hive.console.export_jobs import ExportSource, Translate, register_source
from hive.console.tables import read_table, refuse_unknown
from hive.orders import search
from hive.orders import service as orders
from hive.orders.texts import ORDER_TEXTS
from hive.platform.actor import Actor

SEARCH = "/admin/orders"
LIST = "/workbench/orders"
STAFF_COLUMNS = ("orders.order_no", "orders.tenant", "orders.status", "orders.total",
                 "orders.receiver", "orders.receiver_mobile", "orders.created_at")  # fmt: skip
OWN_COLUMNS = tuple(c for c in STAFF_COLUMNS if c != "orders.tenant")
MONEY_COLUMNS = ("orders.total",)  # yuan numbers; the header names the unit


STATUS = Filter("orders.status", choice("orders.status."))
STAFF_FILTERS = {
    "number": Filter("orders.number"),
    "tenant": Filter("orders.tenant", tenant),
    "status": STATUS,
    "from": Filter("orders.from", day),
    "to": Filter("orders.to", day),
    "product": Filter("orders.product"),
    "sort": Filter(SORT.label, keyed({"created_at": "orders.created_at", "total": "orders.total"})),
    "direction": DIRECTION,
}


def _staff_statement(actor: Actor, params: Mapping[str, str]) -> Executable:
    """Refuses what the search page refuses (an unknown parameter, a bad filter)."""
    refuse_unknown(dict(params), [*search.FILTERS, "sort", "direction"])
    table = read_table(dict(params), path=SEARCH, sorts=search.SORTS, default_sort="created_at")
    filters = search.read_filters(dict(params))
    return search.export_orders(
        actor, filters, sort=table.sort, descending=table.direction == "desc"
    )


def _own_statement(actor: Actor, params: Mapping[str, str]) -> Executable:
    refuse_unknown(dict(params), ("status",))
    status = params.get("status", "").strip() or None
    return orders.export_own_orders(actor, tenant_id_of(actor), status=status)


def _staff_cells(row: Any, t: Translate) -> Sequence[object]:
    return (
        row.order_no,
        row.tenant_name,
        t(f"orders.status.{row.status}"),
        yuan_cell(row.total_fen),
        row.receiver_name_masked,
        row.receiver_mobile_masked,
        row.created_at,
    )


def _own_cells(row: Any, t: Translate) -> Sequence[object]:
    return (
        row.order_no,
        t(f"orders.status.{row.status}"),
        yuan_cell(row.total_fen),
        row.receiver_name_masked,
        row.receiver_mobile_masked,
        row.created_at,
    )


STAFF_ORDERS = register_source(
    ExportSource(
        name="orders.search",
        title_key="orders.export.title",
        file_name="orders",
        back=SEARCH,
        tenant=False,
        statement=_staff_statement,
        header=lambda t: header(t, STAFF_COLUMNS, MONEY_COLUMNS),
        cells=_staff_cells,
        filters=STAFF_FILTERS,
        texts=(ORDER_TEXTS,),
    ),
    __name__,
)
OWN_ORDERS = register_source(
    ExportSource(
        name="orders.own",
        title_key="orders.export.title",
        file_name="my-orders",
        back=LIST,
        tenant=True,
        statement=_own_statement,
        header=lambda t: header(t, OWN_COLUMNS, MONEY_COLUMNS),
        cells=_own_cells,
        filters={"status": STATUS},
        texts=(ORDER_TEXTS,),
    ),
    __name__,
)
