"""All SQL of the orders domain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from psycopg.types.json import Jsonb
from sqlalchemy import Select, Table, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders.models import Order, OrderEvent, OrderItem, SubOrder
from hive.platform import driver


async def lock_order_number(session: AsyncSession, tenant_id: int, order_no: str) -> None:
    """Hold the tenant's ``order_no`` until the transaction ends: the same number sent many
    times at once is accepted by one transaction while the others wait, then find its order
    (instead of failing on the unique constraint)."""
    await driver.execute(session, _LOCK_NUMBER, {"key": f"order:{tenant_id}:{order_no}"})


async def order_taken(session: AsyncSession, tenant_id: int, order_no: str) -> bool:
    """Whether the tenant has an order of that number (its id only: nothing loaded)."""
    return await order_hash(session, tenant_id, order_no) is not None


async def order_hash(session: AsyncSession, tenant_id: int, order_no: str) -> str | None:
    """The request hash of the tenant's order of that number, None when it has none (a Core
    read of one column: nothing loaded into the session)."""
    row = await driver.fetch_one(session, _ORDER_HASH, {"tenant": tenant_id, "order_no": order_no})
    return None if row is None else str(row[0])


async def find_order(session: AsyncSession, tenant_id: int, order_no: str) -> Order | None:
    query = select(Order).where(Order.tenant_id == tenant_id, Order.order_no == order_no)
    return await session.scalar(query)


_ORDERS = cast(Table, Order.__table__)

# Accepting an order: its statements compiled once for the driver's connection
# (:mod:`hive.platform.driver`); rows of one kind go in one statement, their columns as arrays.
_LOCK_NUMBER = driver.Statement(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"))
_ORDER_HASH = driver.Statement(
    select(_ORDERS.c.request_hash).where(
        _ORDERS.c.tenant_id == bindparam("tenant"), _ORDERS.c.order_no == bindparam("order_no")
    )
)
_INSERT_ORDER = driver.Statement(
    text(
        "INSERT INTO orders (tenant_id, order_no, status, items_fen, freight_fen, total_fen,"
        " province_id, city_id, county_id, town_id, receiver_cipher, receiver_name_masked,"
        " receiver_mobile_masked, remark, invoice, request_hash)"
        " VALUES (:tenant_id, :order_no, :status, :items_fen, :freight_fen, :total_fen,"
        " :province_id, :city_id, :county_id, :town_id, :receiver_cipher, :receiver_name_masked,"
        " :receiver_mobile_masked, :remark, CAST(:invoice AS jsonb), :request_hash)"
        " RETURNING id, created_at"
    )
)
_SUB_ORDER_COLUMNS = ("sub_order_no", "supplier_id", "items_fen", "freight_fen", "total_fen")
_INSERT_SUB_ORDERS = driver.Statement(
    text(
        "INSERT INTO sub_orders (tenant_id, order_id, sub_order_no, supplier_id, status,"
        " items_fen, freight_fen, total_fen, submit_attempts)"
        " SELECT :tenant_id, :order_id, s.sub_order_no, s.supplier_id, :status, s.items_fen,"
        " s.freight_fen, s.total_fen, 0"
        " FROM unnest(CAST(:sub_order_no AS varchar[]), CAST(:supplier_id AS bigint[]),"
        " CAST(:items_fen AS bigint[]), CAST(:freight_fen AS bigint[]),"
        " CAST(:total_fen AS bigint[])) WITH ORDINALITY"
        " AS s(sub_order_no, supplier_id, items_fen, freight_fen, total_fen, n)"
        " ORDER BY s.n RETURNING id, sub_order_no"
    )
)
_ITEM_COLUMNS = (
    "sub_order_id",
    "line_no",
    "product_id",
    "quantity",
    "unit_price_fen",
    "amount_fen",
    "purchase_price_fen",
)
_INSERT_ITEMS = driver.Statement(
    text(
        "INSERT INTO order_items (tenant_id, order_id, sub_order_id, line_no, product_id,"
        " quantity, unit_price_fen, amount_fen, purchase_price_fen)"
        " SELECT :tenant_id, :order_id, i.sub_order_id, i.line_no, i.product_id, i.quantity,"
        " i.unit_price_fen, i.amount_fen, i.purchase_price_fen"
        " FROM unnest(CAST(:sub_order_id AS bigint[]), CAST(:line_no AS bigint[]),"
        " CAST(:product_id AS bigint[]), CAST(:quantity AS bigint[]),"
        " CAST(:unit_price_fen AS bigint[]), CAST(:amount_fen AS bigint[]),"
        " CAST(:purchase_price_fen AS bigint[]))"
        " AS i(sub_order_id, line_no, product_id, quantity, unit_price_fen, amount_fen,"
        " purchase_price_fen)"
    )
)
_INSERT_EVENT = driver.Statement(
    text(
        "INSERT INTO order_events (tenant_id, order_id, sub_order_id, event, from_status,"
        " to_status, outcome, source, details)"
        " VALUES (:tenant_id, :order_id, :sub_order_id, :event, :from_status, :to_status,"
        " :outcome, :source, CAST(:details AS jsonb))"
        " RETURNING id, created_at"
    )
)


async def insert_order(session: AsyncSession, values: Mapping[str, Any]) -> Order:
    """Insert one order row (the columns of ``_INSERT_ORDER``); the row written, as an
    ``Order`` outside the session (read it, don't change it)."""
    params = {**values, "invoice": Jsonb(values["invoice"])}  # None: JSON null, as the ORM does
    row = await driver.fetch_one(session, _INSERT_ORDER, params)
    assert row is not None  # RETURNING of the INSERT just made
    return Order(**values, id=row[0], created_at=row[1], updated_at=row[1])


async def insert_sub_orders(
    session: AsyncSession, order: Order, status: str, rows: Sequence[Mapping[str, Any]]
) -> list[int]:
    """Insert the order's sub-orders (columns of ``_SUB_ORDER_COLUMNS``) in one statement;
    their ids, in the order given."""
    params: dict[str, Any] = {c: [row[c] for row in rows] for c in _SUB_ORDER_COLUMNS}
    params.update(tenant_id=order.tenant_id, order_id=order.id, status=status)
    written = await driver.fetch_all(session, _INSERT_SUB_ORDERS, params)
    id_of = {str(number): int(row_id) for row_id, number in written}
    return [id_of[row["sub_order_no"]] for row in rows]


async def insert_items(
    session: AsyncSession, order: Order, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert the order's items (columns of ``_ITEM_COLUMNS``) in one statement."""
    params: dict[str, Any] = {c: [row[c] for row in rows] for c in _ITEM_COLUMNS}
    params.update(tenant_id=order.tenant_id, order_id=order.id)
    await driver.execute(session, _INSERT_ITEMS, params)


async def insert_event(session: AsyncSession, values: Mapping[str, Any]) -> OrderEvent:
    """Insert one timeline line; the row written, as an ``OrderEvent`` outside the session."""
    params = {**values, "details": Jsonb(values["details"])}
    row = await driver.fetch_one(session, _INSERT_EVENT, params)
    assert row is not None  # RETURNING of the INSERT just made
    return OrderEvent(**values, id=row[0], created_at=row[1])


async def add(session: AsyncSession, row: Order | SubOrder | OrderItem | OrderEvent) -> None:
    session.add(row)
    await session.flush()


async def add_all(session: AsyncSession, rows: list[OrderItem]) -> None:
    session.add_all(rows)
    await session.flush()


async def sub_orders_of(session: AsyncSession, order_id: int) -> list[SubOrder]:
    query = select(SubOrder).where(SubOrder.order_id == order_id).order_by(SubOrder.id)
    return list((await session.scalars(query)).all())


async def items_of(session: AsyncSession, order_id: int) -> list[OrderItem]:
    query = select(OrderItem).where(OrderItem.order_id == order_id).order_by(OrderItem.line_no)
    return list((await session.scalars(query)).all())


async def events_of(session: AsyncSession, order_id: int) -> list[OrderEvent]:
    query = select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    return list((await session.scalars(query)).all())


async def lock_order(session: AsyncSession, order_id: int) -> Order | None:
    """The order, locked until the transaction ends: one change of an order at a time."""
    query = (
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(query)


async def find_sub_order(session: AsyncSession, sub_order_no: str) -> SubOrder | None:
    query = (
        select(SubOrder)
        .where(SubOrder.sub_order_no == sub_order_no)
        .execution_options(populate_existing=True)
    )
    return await session.scalar(query)


async def payable_of(session: AsyncSession, sub_order_id: int) -> int:
    """What the supplier is owed for a sub-order's items at their purchase prices (fen)."""
    query = select(
        func.coalesce(func.sum(OrderItem.quantity * OrderItem.purchase_price_fen), 0)
    ).where(OrderItem.sub_order_id == sub_order_id)
    return int(await session.scalar(query) or 0)


# number, status, total (fen), masked receiver name and mobile, created at
OwnExportQuery = Select[str, str, int, str, str, datetime]


def own_orders_statement(tenant_id: int, *, status: str | None) -> OwnExportQuery:
    """Every order of the tenant (of one status), newest first as its list: number, status,
    total (fen), the receiver's masked name and mobile, created at."""
    conditions = [Order.tenant_id == tenant_id]
    if status is not None:
        conditions.append(Order.status == status)
    return (
        select(
            Order.order_no,
            Order.status,
            Order.total_fen,
            Order.receiver_name_masked,
            Order.receiver_mobile_masked,
            Order.created_at,
        )
        .where(*conditions)
        .order_by(Order.created_at.desc(), Order.id.desc())
    )


async def list_orders(
    session: AsyncSession,
    tenant_id: int,
    *,
    status: str | None,
    created_after: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[Order], int]:
    """One page of the tenant's orders, newest first, and how many match in all."""
    conditions = [Order.tenant_id == tenant_id]
    if status is not None:
        conditions.append(Order.status == status)
    if created_after is not None:
        conditions.append(Order.created_at > created_after)
    query = (
        select(Order)
        .where(*conditions)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = list((await session.scalars(query)).all())
    total = await session.scalar(select(func.count()).select_from(Order).where(*conditions))
    return rows, int(total or 0)


# The areas asked for (own) and, in one round trip, which of them have children held (their
# ids as parents; NULL when the provinces' level is held).
_AREAS_AROUND = text(
    "SELECT id, parent_id, level, true AS own FROM areas WHERE id = ANY(CAST(:ids AS bigint[]))"
    " UNION ALL"
    " SELECT DISTINCT parent_id, CAST(NULL AS bigint), CAST(NULL AS integer), false FROM areas"
    " WHERE parent_id = ANY(CAST(:ids AS bigint[])) OR (parent_id IS NULL AND level = 1)"
)


async def areas_around(
    session: AsyncSession, ids: list[int]
) -> tuple[dict[int, tuple[int | None, int]], set[int | None]]:
    """For the area ``ids``: those the reference data holds (id → (parent id, level)), and which
    of them (``None``: the provinces' level) have children held."""
    known: dict[int, tuple[int | None, int]] = {}
    parents: set[int | None] = set()
    for area_id, parent_id, level, own in await session.execute(_AREAS_AROUND, {"ids": ids}):
        if own:
            known[int(area_id)] = (parent_id, int(level))
        else:
            parents.add(area_id)
    return known, parents
