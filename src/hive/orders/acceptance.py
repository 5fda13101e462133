"""Accepting an order: validate, split by supplier, freeze, record — in the caller's one
transaction (a platform transaction: the split needs each product's supplier, which tenants
may not read; every row still carries the tenant and the caller names it).

:func:`accept_order` is what ``POST /open/v1/orders`` and the workbench checkout call:

1. The tenant's ``order_no`` is locked for the transaction (an advisory lock), so the same
   number sent many times at once is accepted once; the others wait and then find it.
2. An order with that number already: the same body gives it back (``created`` False), another
   body is ``order_no_conflict`` (409).
3. Every product must be in the tenant's library and sellable now
   (``products_not_orderable``, 422), at the price the tenant expects (``price_changed``,
   409, with each current price).
4. Lines are grouped by supplier in line order: one sub-order per supplier, numbered
   ``HV<order id>-<n>`` (sent upstream as ``thirdOrder``); each sub-order's amount is frozen
   on the tenant's account under its number (``insufficient_funds`` rolls everything back).
5. The order, its sub-orders, items and the ``accepted`` timeline line are written, the
   tenant told (``order.status_changed``), and one submission job per sub-order is deferred
   (:mod:`hive.orders.submission`).

Freight and stock come from the suppliers, asked **before** this transaction by
:func:`hive.orders.quotation.quote_order`: its :class:`~hive.orders.quotation.Quote` gives each
sub-order its supplier's freight (the order's ``total_fen`` = goods + freight, frozen per
sub-order). A quote whose products' suppliers have changed since is ``order_quote_outdated``
(409: send again). Without a quote (internal callers and tests) freight is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import freezes
from hive.catalog.library import service as library
from hive.catalog.library.service import Orderable
from hive.orders import notices, repository
from hive.orders.errors import (
    OrderNumberTaken,
    PriceChanged,
    ProductsNotOrderable,
    QuoteOutdated,
)
from hive.orders.models import Order, OrderEvent
from hive.orders.personal import Receiver, encrypt_receiver, mask_mobile, mask_name
from hive.orders.quotation import Quote
from hive.orders.schemas import OrderItemIn, OrderRequest
from hive.orders.service import LineView, OrderView, SubOrderView
from hive.orders.status import OrderStatus, Outcome, SubOrderStatus
from hive.orders.submission_tasks import defer_submission
from hive.platform.actor import Actor
from hive.platform.crypto import SecretBox
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import Action, require


@dataclass(frozen=True, slots=True)
class Accepted:
    """The order, and whether this call created it (False: a retry got the first one)."""

    order: Order
    created: bool
    # The new order as its tenant sees it, built from the rows just written (None for a retry:
    # read it with ``service.get_order``).
    view: OrderView | None = None


async def accept_order(
    session: AsyncSession,
    actor: Actor,
    tenant_id: int,
    request: OrderRequest,
    secrets: SecretBox,
    *,
    quote: Quote | None = None,
) -> Accepted:
    """Accept ``request`` for ``tenant_id`` (see the module docstring for the steps and codes)
    at the freight of ``quote`` (see :func:`hive.orders.quotation.quote_order`)."""
    require(actor, Action.PLACE_ORDER)
    if actor.tenant_id != tenant_id:
        raise PermissionDenied(details={"tenant_id": tenant_id})
    fingerprint = request.fingerprint()
    await repository.lock_order_number(session, tenant_id, request.order_no)
    taken = await repository.order_hash(session, tenant_id, request.order_no)
    if taken is not None:
        if taken != fingerprint:
            raise OrderNumberTaken(details={"order_no": request.order_no})
        existing = await repository.find_order(session, tenant_id, request.order_no)
        assert existing is not None  # under the number's lock: still there
        return Accepted(existing, created=False)
    products = await library.orderable(session, tenant_id, [i.product_id for i in request.items])
    _check_orderable(request.items, products)
    _check_prices(request.items, products)
    freight = _freight_by_supplier(products, quote)
    order = await _insert_order(
        session, tenant_id, request, fingerprint, secrets, sum(freight.values())
    )
    sub_orders = await _insert_sub_orders(session, order, request.items, products, freight)
    for sub_order in sub_orders:
        if sub_order.total_fen > 0:
            await freezes.freeze(
                session, actor, tenant_id, sub_order.sub_order_no, sub_order.total_fen
            )
    accepted = await repository.insert_event(
        session,
        {
            "tenant_id": tenant_id,
            "order_id": order.id,
            "sub_order_id": None,
            "event": "accepted",
            "from_status": "",
            "to_status": order.status,
            "outcome": Outcome.MOVED.value,
            "source": "tenant",
            "details": {"order_no": order.order_no, "total_fen": order.total_fen},
        },
    )
    await notices.status_changed(session, order, None, None, order.status)
    for sub_order in sub_orders:  # the submission saga, once this transaction commits
        await defer_submission(session, sub_order.sub_order_no)
    return Accepted(order, True, _view(order, sub_orders, request, products, accepted))


@dataclass(frozen=True, slots=True)
class _NewSubOrder:
    """A sub-order as written by the acceptance (fen)."""

    id: int
    sub_order_no: str
    supplier_id: int
    status: str
    items_fen: int
    freight_fen: int
    total_fen: int


def _view(
    order: Order,
    sub_orders: list[_NewSubOrder],
    request: OrderRequest,
    products: dict[int, Orderable],
    accepted: OrderEvent,
) -> OrderView:
    number_of = {sub.supplier_id: sub.sub_order_no for sub in sub_orders}
    lines = [
        LineView(
            line_no,
            item.product_id,
            item.quantity,
            item.unit_price,
            item.quantity * item.unit_price,
            number_of[products[item.product_id].supplier_id],
        )
        for line_no, item in enumerate(request.items, start=1)
    ]
    subs = [
        SubOrderView(s.sub_order_no, s.status, s.items_fen, s.freight_fen, s.total_fen, None, s.id)
        for s in sub_orders
    ]
    return OrderView(order, lines, subs, [accepted])


def _check_orderable(items: Sequence[OrderItemIn], products: dict[int, Orderable]) -> None:
    missing = [item.product_id for item in items if item.product_id not in products]
    if missing:
        raise ProductsNotOrderable(details={"product_ids": missing})


def _check_prices(items: Sequence[OrderItemIn], products: dict[int, Orderable]) -> None:
    changed = [
        {
            "product_id": item.product_id,
            "unit_price": item.unit_price,
            "current_price": products[item.product_id].price_fen,
        }
        for item in items
        if products[item.product_id].price_fen != item.unit_price
    ]
    if changed:
        raise PriceChanged(details={"prices": changed})


def _freight_by_supplier(products: dict[int, Orderable], quote: Quote | None) -> dict[int, int]:
    """Freight in fen per supplier of the order, from the quote (0 without one)."""
    suppliers = {product.supplier_id for product in products.values()}
    if quote is None:
        return dict.fromkeys(suppliers, 0)
    moved = [
        pid
        for pid, product in products.items()
        if quote.supplier_of.get(pid) != product.supplier_id
    ]
    if moved or not suppliers <= set(quote.freight_by_supplier):
        raise QuoteOutdated(details={"product_ids": moved})
    return {supplier: quote.freight_by_supplier[supplier] for supplier in suppliers}


def _by_supplier(
    items: Sequence[OrderItemIn], products: dict[int, Orderable]
) -> list[list[tuple[int, OrderItemIn]]]:
    """``(line number, item)`` grouped by supplier, groups in the order their first line
    appears, lines in line order (the same request always splits the same way)."""
    groups: dict[int, list[tuple[int, OrderItemIn]]] = {}
    for line_no, item in enumerate(items, start=1):
        groups.setdefault(products[item.product_id].supplier_id, []).append((line_no, item))
    return list(groups.values())


async def _insert_order(
    session: AsyncSession,
    tenant_id: int,
    request: OrderRequest,
    fingerprint: str,
    secrets: SecretBox,
    freight_fen: int,
) -> Order:
    address = request.address
    receiver = Receiver(name=address.receiver, mobile=address.mobile, address=address.detail)
    items_fen = sum(item.quantity * item.unit_price for item in request.items)
    values = {
        "tenant_id": tenant_id,
        "order_no": request.order_no,
        "status": OrderStatus.ACCEPTED.value,
        "items_fen": items_fen,
        "freight_fen": freight_fen,
        "total_fen": items_fen + freight_fen,
        "province_id": address.province_id,
        "city_id": address.city_id,
        "county_id": address.county_id,
        "town_id": address.town_id,
        "receiver_cipher": encrypt_receiver(receiver, secrets),
        "receiver_name_masked": mask_name(receiver.name),
        "receiver_mobile_masked": mask_mobile(receiver.mobile),
        "remark": request.remark,
        "invoice": request.invoice.model_dump() if request.invoice else None,
        "request_hash": fingerprint,
    }
    order = await repository.insert_order(session, values)
    return order


async def _insert_sub_orders(
    session: AsyncSession,
    order: Order,
    items: Sequence[OrderItemIn],
    products: dict[int, Orderable],
    freight: dict[int, int],
) -> list[_NewSubOrder]:
    """One sub-order per supplier (numbered in the order their first line appears) and the
    order's items, each in one multi-row statement."""
    groups = _by_supplier(items, products)
    planned = []
    for number, lines in enumerate(groups, start=1):
        goods = sum(item.quantity * item.unit_price for _, item in lines)
        supplier_id = products[lines[0][1].product_id].supplier_id
        planned.append(
            _NewSubOrder(
                0,
                f"HV{order.id:010d}-{number:02d}",
                supplier_id,
                SubOrderStatus.PENDING.value,
                goods,
                freight[supplier_id],
                goods + freight[supplier_id],
            )
        )
    ids = await repository.insert_sub_orders(
        session,
        order,
        SubOrderStatus.PENDING.value,
        [
            {
                "sub_order_no": sub.sub_order_no,
                "supplier_id": sub.supplier_id,
                "items_fen": sub.items_fen,
                "freight_fen": sub.freight_fen,
                "total_fen": sub.total_fen,
            }
            for sub in planned
        ],
    )
    await repository.insert_items(
        session,
        order,
        [
            {
                "sub_order_id": sub_order_id,
                "line_no": line_no,
                "product_id": item.product_id,
                "quantity": item.quantity,
                "unit_price_fen": item.unit_price,
                "amount_fen": item.quantity * item.unit_price,
                "purchase_price_fen": products[item.product_id].purchase_price_fen,
            }
            for sub_order_id, lines in zip(ids, groups, strict=True)
            for line_no, item in lines
        ],
    )
    return [replace(sub, id=sub_order_id) for sub_order_id, sub in zip(ids, planned, strict=True)]
