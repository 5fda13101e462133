"""Asking the suppliers about an order before accepting it: can each line be delivered to the
area, is there stock there, what is the freight — per supplier, all suppliers at once.

:func:`quote_order` runs **before** the acceptance transaction opens and holds none while it
waits for a supplier (a supplier taking seconds must not hold a database connection, row
locks or the order number's lock). It reads the lines' suppliers in one short transaction,
then per supplier asks the adapter's ``area_limits``, ``stock`` and ``freight`` (concurrently)
and answers a :class:`Quote` that :func:`hive.orders.acceptance.accept_order` takes:

* a line without enough stock for the area (an orderable state, and enough ``remaining``
  where the supplier tells; or the supplier says "out of stock" there) → ``out_of_stock``
  (409, ``details.product_ids``);
* else a line whose product the supplier does not deliver to the area →
  ``area_not_deliverable`` (422, ``details.product_ids``);
* otherwise the freight of each supplier's lines (fen), which becomes that sub-order's freight.

Unknown products and wrong prices are left to the acceptance (which refuses them with its own
codes); they are asked nothing here. A supplier that cannot be reached answers its own error
(``supplier_unavailable`` 502, ``supplier_circuit_open`` 503 …): nothing was accepted, the
client retries.

The self-run warehouse answers stock from its batches; it reserves units when the sub-order is
placed (``submit_order``), one reservation per sub-order, so each unit is reserved once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.library import service as library
from hive.catalog.library.service import Orderable
from hive.orders.addresses import check_address
from hive.orders.errors import AreaNotDeliverable, OutOfStockForArea
from hive.orders.repository import order_taken
from hive.orders.schemas import AddressIn, OrderItemIn, OrderRequest
from hive.platform.db import Database
from hive.suppliers.errors import InvalidSupplierAnswer
from hive.suppliers.factory import AdapterFactory
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.service import get_enabled_supplier
from hive.suppliers.types import Area, OrderLine, StockLevel, StockState

AdapterFor = Callable[[int], Awaitable[SupplierAdapter]]


@dataclass(frozen=True, slots=True)
class Quote:
    """What the suppliers answered: freight in fen per supplier id, and the supplier each
    product was asked of (the acceptance refuses to use a quote whose suppliers changed)."""

    freight_by_supplier: Mapping[int, int]
    supplier_of: Mapping[int, int]  # product id -> supplier id


@dataclass(frozen=True, slots=True)
class _Lines:
    supplier_id: int
    items: list[tuple[OrderItemIn, Orderable]]


@dataclass(frozen=True, slots=True)
class _Answer:
    supplier_id: int
    freight_fen: int
    undeliverable: list[int]
    out_of_stock: list[int]


def area_of(address: AddressIn) -> Area:
    return Area(address.province_id, address.city_id, address.county_id, address.town_id or 0)


async def quote_order(
    database: Database,
    adapter_for: AdapterFor,
    tenant_id: int,
    request: OrderRequest,
    *,
    products: Mapping[int, Orderable] | None = None,
) -> Quote:
    """Ask each supplier of ``request``'s lines (see the module docstring); ``products`` the
    lines' :func:`orderable` answer when the caller has just read it (else it is read here).
    Raises ``area_not_deliverable``, ``out_of_stock`` or a supplier error."""
    if products is None:
        products = await orderable_lines(database, tenant_id, request)
    groups: dict[int, _Lines] = {}
    for item in request.items:
        product = products.get(item.product_id)
        if product is not None:
            group = groups.setdefault(product.supplier_id, _Lines(product.supplier_id, []))
            group.items.append((item, product))
    area = area_of(request.address)
    adapters = {supplier_id: await adapter_for(supplier_id) for supplier_id in groups}
    answers = await asyncio.gather(*(_ask(adapters[s], g, area) for s, g in groups.items()))
    undeliverable = [pid for answer in answers for pid in answer.undeliverable]
    if undeliverable:
        raise AreaNotDeliverable(details={"product_ids": _in_line_order(request, undeliverable)})
    missing = [pid for answer in answers for pid in answer.out_of_stock]
    if missing:
        raise OutOfStockForArea(details={"product_ids": _in_line_order(request, missing)})
    return Quote(
        freight_by_supplier={a.supplier_id: a.freight_fen for a in answers},
        supplier_of={pid: p.supplier_id for pid, p in products.items()},
    )


async def adapters_for(
    session: AsyncSession, factory: AdapterFactory, products: Mapping[int, Orderable]
) -> AdapterFor:
    """What :func:`quote_order` asks: the adapter of each of ``products``' suppliers, their
    rows read in the caller's (short) transaction; a disabled supplier is refused there."""
    ids = {product.supplier_id for product in products.values()}
    suppliers = {s: await get_enabled_supplier(session, s) for s in ids}

    async def adapter_for(supplier_id: int) -> SupplierAdapter:
        return factory.for_supplier(suppliers[supplier_id])

    return adapter_for


async def quote_new_order(
    database: Database, factory: AdapterFactory, tenant_id: int, request: OrderRequest
) -> Quote | None:
    """:func:`quote_order` for a caller holding no transaction (the workbench's checkout):
    the address, the lines' products and their suppliers read in one short transaction, then
    the suppliers asked. None, asking nothing, when the order number is already taken (a form
    sent twice: the acceptance gives back the first order, whatever the stock is now). Raises
    what :func:`check_address` and :func:`quote_order` raise."""
    async with database.platform_transaction() as session:
        if await order_taken(session, tenant_id, request.order_no):
            return None
        await check_address(session, request.address)
        products = await library.orderable(
            session, tenant_id, [i.product_id for i in request.items]
        )
        adapter_for = await adapters_for(session, factory, products)
    return await quote_order(database, adapter_for, tenant_id, request, products=products)


async def orderable_lines(
    database: Database, tenant_id: int, request: OrderRequest
) -> dict[int, Orderable]:
    """The lines' products the tenant may order now, with supplier and SKU (one short
    platform transaction)."""
    async with database.platform_transaction() as session:
        return await library.orderable(session, tenant_id, [i.product_id for i in request.items])


def _in_line_order(request: OrderRequest, product_ids: Sequence[int]) -> list[int]:
    wanted = set(product_ids)
    return [item.product_id for item in request.items if item.product_id in wanted]


async def _ask(adapter: SupplierAdapter, lines: _Lines, area: Area) -> _Answer:
    skus = [product.supplier_sku for _, product in lines.items]
    wanted = [(product.supplier_sku, item.quantity) for item, product in lines.items]
    order_lines = [
        OrderLine(product.supplier_sku, item.quantity, product.purchase_price_fen)
        for item, product in lines.items
    ]
    limits, levels, freight = await asyncio.gather(
        adapter.area_limits(skus, area),
        adapter.stock(wanted, area),
        adapter.freight(order_lines, area),
    )
    if freight < 0:
        raise InvalidSupplierAnswer(details={"freight_fen": freight})
    by_sku = {level.sku: level for level in levels}
    short = [
        p.product_id
        for item, p in lines.items
        if _sold_out(by_sku.get(p.supplier_sku))
        or (
            limits.get(p.supplier_sku, False)
            and not _enough(by_sku.get(p.supplier_sku), item.quantity)
        )
    ]
    return _Answer(
        supplier_id=lines.supplier_id,
        freight_fen=freight,
        undeliverable=[
            p.product_id
            for _, p in lines.items
            if not limits.get(p.supplier_sku, False) and p.product_id not in short
        ],
        out_of_stock=short,
    )


def _sold_out(level: StockLevel | None) -> bool:
    """The supplier says the area is served but has none (rather than not served at all):
    out of stock, whatever its area answer."""
    return level is not None and level.state is StockState.OUT_OF_STOCK


def _enough(level: StockLevel | None, quantity: int) -> bool:
    if level is None or not level.state.can_order:
        return False
    return level.remaining is None or level.remaining >= quantity
