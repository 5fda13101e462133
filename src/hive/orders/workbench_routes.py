"""The tenant's own orders in the workbench: the list (status filter and page in the URL) and
an order's page (lines, sub-orders, timeline; receiver masked, the tenant admin may show it
whole, audited). Everything runs in the tenant's transaction: row-level security hides other
tenants' orders, whose numbers answer the 404 page."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from hive.console import i18n
from hive.console.callers import TenantSession, tenant_id_of, viewing
from hive.console.forms import CsrfToken
from hive.console.pages import render
from hive.console.tables import read_table, refuse_unknown
from hive.orders import detail
from hive.orders import service as orders
from hive.orders.cancellation import cancel_order
from hive.orders.errors import OrderNotFound
from hive.orders.models import ORDER_NO_PATTERN
from hive.orders.order_page import OrderPages, revealed_receiver
from hive.orders.personal import Receiver
from hive.orders.status import OrderStatus
from hive.orders.texts import ORDER_TEXTS
from hive.platform.actor import Actor
from hive.platform.csrf import verify_csrf
from hive.platform.http import database_of
from hive.platform.permissions import View
from hive.platform.validation import InvalidInput, Problem

i18n.extend(ORDER_TEXTS)
router = APIRouter(include_in_schema=False)

LIST = "/workbench/orders"
PAGE_SIZE = 20
OwnOrders = Annotated[Actor, viewing(View.WORKBENCH_ORDERS)]
PAGES = OrderPages(LIST, staff=False)


def _order_no(order_no: str) -> str:
    """A number that cannot be an order number names no order (answered before any query)."""
    if not re.fullmatch(ORDER_NO_PATTERN, order_no):
        raise OrderNotFound(details={"order_no": order_no[:64]})
    return order_no


@router.get(LIST)
async def orders_page(request: Request, actor: OwnOrders, session: TenantSession) -> Response:
    params = dict(request.query_params)
    refuse_unknown(params, ("page", "status"))
    table = read_table(params, path=LIST, page_size=PAGE_SIZE)
    status = params.get("status", "").strip() or None
    if status is not None and status not in {s.value for s in OrderStatus}:
        choices = ", ".join(s.value for s in OrderStatus)
        raise InvalidInput([Problem("status", "not_a_choice", {"choices": choices})])
    page = await orders.list_orders(
        session, actor, tenant_id_of(actor), status=status, page=table.page, page_size=PAGE_SIZE
    )
    return render(
        request,
        "workbench_orders.html",
        actor=actor,
        table=table.with_total(page.total),
        rows=page.orders,
        params=params,
        statuses=[(s.value, s.value) for s in OrderStatus],
    )


@router.get(LIST + "/{order_no}")
async def order_page(
    request: Request, actor: OwnOrders, session: TenantSession, order_no: str
) -> Response:
    return await _order_page(request, actor, session, _order_no(order_no), receiver=None)


@router.post(LIST + "/{order_no}/receiver")
async def show_receiver(
    request: Request,
    actor: OwnOrders,
    session: TenantSession,
    order_no: str,
    csrf_token: CsrfToken = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    order_no = _order_no(order_no)
    page = await detail.tenant_order(session, actor, tenant_id_of(actor), order_no)
    receiver = await revealed_receiver(session, actor, page, request)
    return await _order_page(request, actor, session, order_no, receiver=receiver)


async def _order_page(
    request: Request,
    actor: Actor,
    session: TenantSession,
    order_no: str,
    *,
    receiver: Receiver | str | None,
) -> Response:
    page = await detail.tenant_order(session, actor, tenant_id_of(actor), order_no)
    return PAGES.page(request, actor, order_no, page, receiver=receiver)


@router.post(LIST + "/{order_no}/cancel")
async def cancel(
    request: Request,
    actor: OwnOrders,
    order_no: str,
    csrf_token: CsrfToken = "",
    reason: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Cancel the tenant's own order (before shipment; the supplier is asked where it was
    placed). Another tenant's number is the 404 page."""
    verify_csrf(request.session, csrf_token)
    order_no = _order_no(order_no)

    async def cancel_it() -> None:
        async with database_of(request).platform_transaction() as session:
            await cancel_order(session, actor, tenant_id_of(actor), order_no, reason)

    return await PAGES.cancel(request, order_no, cancel_it)
