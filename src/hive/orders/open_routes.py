"""The tenant's orders on the Open API (served by HAG): place, read, list, cancel. Thin: the
orders services decide.

``POST /open/v1/orders`` is idempotent twice over: on the tenant's own ``order_no`` (the same
number and body give the first order back with 200, another body is 409
``order_no_conflict``) and, like every POST, on ``Idempotency-Key``. Accepting runs in a
platform transaction (the split needs each product's supplier); the idempotency record is
written in that same transaction.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel

from hive.catalog.library import service as library
from hive.openapi.gateway import OpenSession, OrdersReader, OrdersWriter, gateway_of
from hive.openapi.idempotency import Answered, answered_before, idempotent
from hive.openapi.responses import ERROR_RESPONSES, ErrorOut
from hive.openapi.service import AppCredentials, app_actor
from hive.orders import service
from hive.orders.acceptance import accept_order
from hive.orders.addresses import check_address
from hive.orders.cancellation import cancel_order
from hive.orders.models import ORDER_NO_PATTERN
from hive.orders.open_schemas import (
    CancelIn,
    CancelOut,
    OrderOut,
    OrdersOut,
    OrderSummaryOut,
    order_out,
)
from hive.orders.quotation import Quote, adapters_for, quote_order
from hive.orders.repository import order_taken
from hive.orders.schemas import OrderRequest
from hive.orders.status import OrderStatus
from hive.platform.errors import HiveError
from hive.platform.http import database_of
from hive.suppliers.factory import AdapterFactory

router = APIRouter(prefix="/open/v1", tags=["open-api"], responses=ERROR_RESPONSES)

OrderNo = Annotated[str, Path(pattern=ORDER_NO_PATTERN)]


def _answer(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"model": model, "description": description}


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderOut,
    responses={
        200: _answer(OrderOut, "The same order_no and body again: the first order"),
        422: _answer(
            ErrorOut,
            "Invalid body (fields named; an area not under the one above is outside_parent), "
            "products_not_orderable or area_not_deliverable "
            "(details.product_ids)",
        ),
        502: _answer(ErrorOut, "supplier_unavailable: a supplier could not be asked; retry"),
        409: _answer(
            ErrorOut,
            "order_no_conflict (another body), price_changed (details.prices with each "
            "current_price), out_of_stock (details.product_ids), insufficient_funds, "
            "order_quote_outdated, idempotency_key_reused / _in_progress",
        ),
    },
)
async def place_order(request: Request, body: OrderRequest, caller: OrdersWriter) -> Response:
    """Place an order under your own ``order_no``: 201 with the new order, 200 with the first
    order when the same number and body come again. Lines are split into one sub-order per
    supplier, each with its supplier's freight; the total (goods + freight) is frozen on your
    account. Refused with ``area_not_deliverable`` (422) or ``out_of_stock`` (409) naming the
    products. Scope ``orders:write``."""
    actor = app_actor(caller)
    database = database_of(request)
    quote, refusal = await _quote(request, caller, body)
    async with database.platform_transaction() as session:

        async def answer() -> Answered:
            if refusal is not None:
                raise refusal  # inside, so an Idempotency-Key stores it like any refusal
            accepted = await accept_order(
                session, actor, caller.tenant_id, body, gateway_of(request).secret_box, quote=quote
            )
            view = accepted.view or await service.get_order(
                session, actor, caller.tenant_id, body.order_no
            )
            return Answered(201 if accepted.created else 200, order_out(view))

        return await idempotent(request, caller, session, answer)


async def _quote(
    request: Request, caller: AppCredentials, body: OrderRequest
) -> tuple[Quote | None, HiveError | None]:
    """The suppliers' answers for a new order, asked with no transaction open; nothing is
    asked for an order number or Idempotency-Key seen before (the first order or answer is
    given back whatever the stock is now). One short transaction reads what the asking needs
    (the lines' products, their suppliers). A supplier's refusal is returned, its outage (5xx)
    raised."""
    database = database_of(request)
    factory: AdapterFactory = request.app.state.adapters
    async with database.platform_transaction() as session:
        if await order_taken(session, caller.tenant_id, body.order_no):
            return None, None
        if await answered_before(request, caller, session):
            return None, None
        await check_address(session, body.address)
        ids = [item.product_id for item in body.items]
        products = await library.orderable(session, caller.tenant_id, ids)
        adapter_for = await adapters_for(session, factory, products)
    try:
        quote = await quote_order(database, adapter_for, caller.tenant_id, body, products=products)
    except HiveError as error:
        if error.http_status >= 500:
            raise
        return None, error
    return quote, None


@router.get(
    "/orders/{order_no}",
    response_model=OrderOut,
    responses={404: _answer(ErrorOut, "order_not_found (also for another tenant's number)")},
)
async def get_order(order_no: OrderNo, caller: OrdersReader, session: OpenSession) -> OrderOut:
    """One of your orders by your ``order_no``, with its lines, sub-orders and timeline.
    Scope ``orders:read``."""
    view = await service.get_order(session, app_actor(caller), caller.tenant_id, order_no)
    return order_out(view)


@router.get("/orders", response_model=OrdersOut)
async def list_orders(
    caller: OrdersReader,
    session: OpenSession,
    status: OrderStatus | None = None,
    created_after: AwareDatetime | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 20,
) -> OrdersOut:
    """Your orders, newest first; ``status`` one of the order statuses, ``created_after`` an
    ISO 8601 time (with its offset). Scope ``orders:read``."""
    found = await service.list_orders(
        session,
        app_actor(caller),
        caller.tenant_id,
        status=status.value if status else None,
        created_after=created_after,
        page=page,
        page_size=page_size,
    )
    return OrdersOut(
        items=[OrderSummaryOut.model_validate(o, from_attributes=True) for o in found.orders],
        total=found.total,
        page=page,
        page_size=page_size,
    )


@router.post(
    "/orders/{order_no}/cancel",
    response_model=CancelOut,
    responses={
        404: _answer(ErrorOut, "order_not_found"),
        409: _answer(
            ErrorOut,
            "order_not_cancellable (a sub-order has shipped; details.sub_orders), "
            "idempotency_key_reused / _in_progress",
        ),
    },
)
async def cancel(
    request: Request, order_no: OrderNo, body: CancelIn, caller: OrdersWriter
) -> Response:
    """Cancel one of your orders before it ships. Sub-orders not yet placed with their
    supplier are cancelled at once and their money released; placed ones are cancelled with
    the supplier (their status follows when it answers: poll the order or watch
    ``order.status_changed``). Cancelling again is harmless. Body ``{}`` or
    ``{"reason": "…"}``. Scope ``orders:write``."""
    actor = app_actor(caller)
    reason = body.reason
    async with database_of(request).platform_transaction() as session:

        async def answer() -> CancelOut:
            done = await cancel_order(session, actor, caller.tenant_id, order_no, reason)
            view = await service.get_order(session, actor, caller.tenant_id, order_no)
            return CancelOut(
                order=order_out(view),
                cancelled=done.cancelled,
                cancelling=done.cancelling,
                already_final=done.already_final,
            )

        return await idempotent(request, caller, session, answer)
