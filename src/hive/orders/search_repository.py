"""SQL of the order pages: the operators' search over every tenant's orders, and what an order
page shows beside the order (product names, suppliers, ledger movements of its sub-orders).

The search filters on indexed columns: ``orders (status, created_at)`` and
``orders (tenant_id, created_at)`` for the list; a number is matched exactly against
``orders.order_no``, ``sub_orders.sub_order_no`` (unique) or ``sub_orders.upstream_order_id``
(each indexed on its own, migration 0030, so a number finds its order without a scan);
a product through ``order_items (product_id)``. Pages are ordered by a unique key last
(``id``), so paging never repeats or skips a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hive.billing.models import LedgerEntry, LedgerPosting
from hive.catalog.models import Area, Product
from hive.customers.models import Tenant
from hive.orders.alarm_lines import LineComparison, compare
from hive.orders.models import Order, OrderEvent, OrderItem, OrderWaybill, SubOrder
from hive.suppliers.models import Supplier


@dataclass(frozen=True, slots=True)
class Filters:
    """What the search matches (None or empty: any)."""

    number: str = ""
    tenant_id: int | None = None
    status: str | None = None
    created_from: datetime | None = None  # inclusive
    created_before: datetime | None = None  # exclusive
    product_id: int | None = None


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: int
    tenant_id: int
    tenant_name: str
    order_no: str
    status: str
    total_fen: int
    receiver_name_masked: str
    created_at: datetime


SORTS = {"created_at": Order.created_at, "total": Order.total_fen}


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.number:
        by_sub = select(SubOrder.order_id).where(
            or_(
                SubOrder.sub_order_no == filters.number,
                SubOrder.upstream_order_id == filters.number,
            )
        )
        conditions.append(or_(Order.order_no == filters.number, Order.id.in_(by_sub)))
    if filters.tenant_id is not None:
        conditions.append(Order.tenant_id == filters.tenant_id)
    if filters.status is not None:
        conditions.append(Order.status == filters.status)
    if filters.created_from is not None:
        conditions.append(Order.created_at >= filters.created_from)
    if filters.created_before is not None:
        conditions.append(Order.created_at < filters.created_before)
    if filters.product_id is not None:
        conditions.append(
            exists().where(
                OrderItem.order_id == Order.id, OrderItem.product_id == filters.product_id
            )
        )
    return conditions


def _order_by(sort: str, descending: bool) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    key = SORTS[sort]
    return (key.desc(), Order.id.desc()) if descending else (key.asc(), Order.id.asc())


# number, tenant name, status, total (fen), masked receiver name and mobile, created at
ExportQuery = Select[str, str, str, int, str, str, datetime]


async def search(
    session: AsyncSession, filters: Filters, *, sort: str, descending: bool, limit: int, offset: int
) -> tuple[list[OrderRow], int]:
    """One page of matching orders (every tenant's) and how many match in all."""
    conditions = _conditions(filters)
    query = select(
        Order.id,
        Order.tenant_id,
        Tenant.name,
        Order.order_no,
        Order.status,
        Order.total_fen,
        Order.receiver_name_masked,
        Order.created_at,
    ).join(Tenant, Tenant.id == Order.tenant_id)
    query = query.where(*conditions).order_by(*_order_by(sort, descending))
    query = query.limit(limit).offset(offset)
    rows = [OrderRow(*row) for row in (await session.execute(query)).all()]
    total = await session.scalar(select(func.count()).select_from(Order).where(*conditions))
    return rows, int(total or 0)


def export_statement(filters: Filters, *, sort: str, descending: bool) -> ExportQuery:
    """Every matching order in the search's order, for a streamed download: number, tenant,
    status, total (fen), the receiver's masked name and mobile (never the encrypted
    receiver), created at."""
    query = select(
        Order.order_no,
        Tenant.name.label("tenant_name"),
        Order.status,
        Order.total_fen,
        Order.receiver_name_masked,
        Order.receiver_mobile_masked,
        Order.created_at,
    ).join(Tenant, Tenant.id == Order.tenant_id)
    return query.where(*_conditions(filters)).order_by(*_order_by(sort, descending))


async def find_order_by_id(session: AsyncSession, order_id: int) -> Order | None:
    return await session.get(Order, order_id)


async def tenant_name(session: AsyncSession, tenant_id: int) -> str:
    return str(await session.scalar(select(Tenant.name).where(Tenant.id == tenant_id)) or "")


async def product_names(session: AsyncSession, product_ids: Sequence[int]) -> dict[int, str]:
    """Names of products (a column tenants may read too)."""
    if not product_ids:
        return {}
    query = select(Product.id, Product.name).where(Product.id.in_(list(product_ids)))
    return {row_id: name for row_id, name in (await session.execute(query)).all()}


async def supplier_names(session: AsyncSession, supplier_ids: Sequence[int]) -> dict[int, str]:
    """Suppliers' names (platform sessions only: tenants do not learn who supplies them)."""
    if not supplier_ids:
        return {}
    query = select(Supplier.id, Supplier.name).where(Supplier.id.in_(list(supplier_ids)))
    return {row_id: name for row_id, name in (await session.execute(query)).all()}


@dataclass(frozen=True, slots=True)
class Movement:
    """One ledger posting made for a sub-order (its number is the entry's reference)."""

    posting_id: int
    created_at: datetime
    kind: str  # freeze, capture, release
    reference: str
    account: str
    amount_fen: int


async def movements(
    session: AsyncSession, tenant_id: int, references: Sequence[str]
) -> list[Movement]:
    """The postings of the tenant's ledger entries whose reference is one of ``references``,
    oldest first."""
    if not references:
        return []
    query = (
        select(
            LedgerPosting.id,
            LedgerEntry.created_at,
            LedgerEntry.kind,
            LedgerEntry.reference,
            LedgerPosting.account,
            LedgerPosting.amount_fen,
        )
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(LedgerEntry.tenant_id == tenant_id, LedgerEntry.reference.in_(list(references)))
        .order_by(LedgerPosting.id)
    )
    return [Movement(*row) for row in (await session.execute(query)).all()]


async def waybills(session: AsyncSession, sub_order_ids: Sequence[int]) -> list[OrderWaybill]:
    """The waybills of these sub-orders, in the order they were recorded."""
    if not sub_order_ids:
        return []
    query = (
        select(OrderWaybill)
        .where(OrderWaybill.sub_order_id.in_(list(sub_order_ids)))
        .order_by(OrderWaybill.id)
    )
    return list((await session.scalars(query)).all())


async def area_names(session: AsyncSession, area_ids: Sequence[int]) -> dict[int, str]:
    """Names of delivery areas (reference data every role reads)."""
    if not area_ids:
        return {}
    query = select(Area.id, Area.name).where(Area.id.in_(list(area_ids)))
    return {row_id: name for row_id, name in (await session.execute(query)).all()}


@dataclass(frozen=True, slots=True)
class HeldRow:
    """A sub-order held on an alarm, for the operators' list."""

    order_id: int
    order_no: str
    tenant_name: str
    sub_order_no: str
    status: str
    held_reason: str
    upstream_order_id: str | None
    held_at: datetime | None  # its latest ``held`` timeline line
    # Both sides' lines of a third_order_mismatch, from that line (empty for other alarms).
    lines: tuple[LineComparison, ...] = ()


async def held_rows(session: AsyncSession, limit: int) -> list[HeldRow]:
    """Every tenant's held sub-orders (the partial index ``ix_sub_orders_held``), the most
    recently held first, at most ``limit``."""
    latest_held = (
        select(OrderEvent.id)
        .where(
            OrderEvent.order_id == SubOrder.order_id,
            OrderEvent.sub_order_id == SubOrder.id,
            OrderEvent.event == "held",
        )
        .order_by(OrderEvent.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    held = aliased(OrderEvent)
    query = (
        select(
            Order.id,
            Order.order_no,
            Tenant.name,
            SubOrder.sub_order_no,
            SubOrder.status,
            SubOrder.held_reason,
            SubOrder.upstream_order_id,
            held.created_at,
            held.details,
        )
        .join(Order, Order.id == SubOrder.order_id)
        .join(Tenant, Tenant.id == Order.tenant_id)
        .outerjoin(held, held.id == latest_held)
        .where(SubOrder.held_reason.is_not(None))
        .order_by(held.created_at.desc().nulls_last(), SubOrder.id.desc())
        .limit(limit)
    )
    return [
        HeldRow(int(o), str(n), str(t), str(s), str(st), str(r), u, at, compare(details))
        for o, n, t, s, st, r, u, at, details in (await session.execute(query)).all()
    ]
