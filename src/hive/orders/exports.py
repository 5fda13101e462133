"""Order CSV exports as jobs: the staff order search (POST /admin/orders/export) and a
tenant's own order list (POST /workbench/orders/export) start an export of the list's current
filters and sort (hive.console.export_pages; the rows and cells: hive.orders.export_sources)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hive.console.export_pages import request_export
from hive.orders.export_sources import LIST, OWN_ORDERS, SEARCH, STAFF_ORDERS
from hive.orders.routes import OrdersViewer
from hive.orders.workbench_routes import OwnOrders

router = APIRouter(include_in_schema=False)


@router.post(SEARCH + "/export")
async def search_export(request: Request, actor: OrdersViewer) -> Response:
    return await request_export(request, actor, STAFF_ORDERS)


@router.post(LIST + "/export")
async def own_export(request: Request, actor: OwnOrders) -> Response:
    return await request_export(request, actor, OWN_ORDERS)
