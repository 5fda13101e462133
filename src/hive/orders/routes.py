"""Operators' order pages: the search over every tenant's orders (filters, sort and page in the
URL) and an order's page (lines, sub-orders with supplier and supplier order id, timeline,
money movements), with the audited "show the whole receiver"."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from hive.console import i18n
from hive.console.callers import viewing
from hive.console.forms import CsrfToken
from hive.console.pages import redirect_with_flash, render
from hive.console.tables import read_table, refuse_unknown
from hive.customers import service as customers
from hive.orders import detail, holds, search
from hive.orders.cancellation import cancel_order
from hive.orders.errors import OrderNotCancellable, OrderNotFound, SubOrderNotHeld
from hive.orders.order_page import OrderPages, revealed_receiver
from hive.orders.personal import Receiver
from hive.orders.status import OrderStatus
from hive.orders.texts import ORDER_TEXTS
from hive.platform.actor import Actor
from hive.platform.csrf import verify_csrf
from hive.platform.http import database_of
from hive.platform.permissions import View
from hive.platform.validation import Id, InvalidInput

i18n.extend(ORDER_TEXTS)
router = APIRouter(include_in_schema=False)

SEARCH = "/admin/orders"
PAGE_SIZE = 20
TENANT_CHOICES = 500
OrdersViewer = Annotated[Actor, viewing(View.ORDERS)]
PAGES = OrderPages(SEARCH, staff=True)


@router.get(SEARCH)
async def search_page(request: Request, actor: OrdersViewer) -> Response:
    params = dict(request.query_params)
    refuse_unknown(params, [*search.FILTERS, "page", "sort", "direction"])
    table = read_table(
        params, path=SEARCH, sorts=search.SORTS, default_sort="created_at", page_size=PAGE_SIZE
    )
    filters = search.read_filters(params)
    async with database_of(request).platform_transaction() as session:
        found = await search.search_orders(
            session,
            actor,
            filters,
            sort=table.sort,
            descending=table.direction == "desc",
            limit=table.page_size,
            offset=table.offset,
        )
        tenants, _ = await customers.list_tenants(session, limit=TENANT_CHOICES)
    return render(
        request,
        "orders_search.html",
        actor=actor,
        table=table.with_total(found.total),
        rows=found.rows,
        params=params,
        tenants=[(str(t.id), t.name) for t in tenants],
        statuses=[(s.value, s.value) for s in OrderStatus],
    )


@router.get(SEARCH + "/held")
async def held_page(request: Request, actor: OrdersViewer) -> Response:
    """异常订单: every tenant's sub-orders held on an alarm, the most recently held first."""
    refuse_unknown(dict(request.query_params), [])
    async with database_of(request).platform_transaction() as session:
        rows = await holds.list_held(session, actor)
    return render(
        request,
        "orders_held.html",
        actor=actor,
        rows=rows,
    )


@router.get(SEARCH + "/{order_id}")
async def order_page(request: Request, actor: OrdersViewer, order_id: Id) -> Response:
    return await _order_page(request, actor, order_id, receiver=None)


@router.post(SEARCH + "/{order_id}/receiver")
async def show_receiver(
    request: Request, actor: OrdersViewer, order_id: Id, csrf_token: CsrfToken = ""
) -> Response:
    """The page again with the whole receiver, after the audit row of this viewing committed."""
    verify_csrf(request.session, csrf_token)
    async with database_of(request).platform_transaction() as session:
        page = await detail.staff_order(session, actor, order_id)
        receiver = await revealed_receiver(session, actor, page, request)
    return await _order_page(request, actor, order_id, receiver=receiver)


async def _order_page(
    request: Request, actor: Actor, order_id: int, *, receiver: Receiver | str | None
) -> Response:
    async with database_of(request).platform_transaction() as session:
        page = await detail.staff_order(session, actor, order_id)
    return PAGES.page(request, actor, str(order_id), page, receiver=receiver)


@router.post(SEARCH + "/{order_id}/cancel")
async def cancel(
    request: Request,
    actor: OrdersViewer,
    order_id: Id,
    csrf_token: CsrfToken = "",
    reason: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Cancel the order as an operator (``orders.cancel``); a shipped order is refused with a
    message and nothing changes."""
    verify_csrf(request.session, csrf_token)

    async def cancel_it() -> None:
        async with database_of(request).platform_transaction() as session:
            page = await detail.staff_order(session, actor, order_id)
            await cancel_order(session, actor, page.order.tenant_id, page.order.order_no, reason)

    return await PAGES.cancel(request, str(order_id), cancel_it)


_RESOLVE = {"cancel": holds.cancel_held, "release": holds.release_held}
_RESOLVED = {"cancel": "orders.held_cancelled", "release": "orders.held_released"}
_RESOLVE_REFUSALS: dict[type[Exception], str] = {
    SubOrderNotHeld: "orders.held_not_held",
    OrderNotCancellable: "orders.held_not_cancellable",
    InvalidInput: "orders.held_reason_required",
}


@router.post(SEARCH + "/{order_id}/held/{sub_order_no}/{kind}")
async def resolve_held(
    request: Request,
    actor: OrdersViewer,
    order_id: Id,
    sub_order_no: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")],
    kind: Literal["cancel", "release"],
    csrf_token: CsrfToken = "",
    reason: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """取消并退款 (``cancel``) or 恢复处理 (``release``) a held sub-order of this order
    (``orders.resolve_held``); a refusal is a message and changes nothing."""
    verify_csrf(request.session, csrf_token)
    here = PAGES.back_to_page(request, str(order_id))
    try:
        async with database_of(request).platform_transaction() as session:
            page = await detail.staff_order(session, actor, order_id)
            if sub_order_no not in {s.sub_order_no for s in page.sub_orders}:
                raise OrderNotFound(details={"sub_order_no": sub_order_no})
            await _RESOLVE[kind](session, actor, page.order.tenant_id, sub_order_no, reason)
    except (SubOrderNotHeld, OrderNotCancellable, InvalidInput) as refused:
        return redirect_with_flash(here, _RESOLVE_REFUSALS[type(refused)], level="error")
    return redirect_with_flash(here, _RESOLVED[kind])
