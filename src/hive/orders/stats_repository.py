"""SQL of the dashboards' order figures: one aggregate statement per panel.

Day and month bounds are Asia/Shanghai midnights computed by the caller and passed as
``timestamptz`` parameters, so every statement is a range on ``orders.created_at``:

* across tenants (the admin dashboard) through ``orders (created_at)`` (migration 0032): today's
  orders and the days of the chart not yet closed are one index range each, however many orders
  older days hold; closed days' totals are kept in ``order_day_totals`` (migration 0033) the
  first time they are read, so the chart scans each day's orders once;
* for one tenant (the workbench) through ``orders (tenant_id, created_at)``; its unfinished
  orders through ``orders (tenant_id, status)`` (migration 0032), which also serves the counts
  by status.

Margin is what the goods sold for less what the supplier charges for them at the purchase
price each item was accepted at (``order_items.purchase_price_fen``, what completion makes
payable to the supplier). Freight is left out: it is the supplier's freight charged on, and what
the supplier bills for it is not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders.status import OrderStatus, SubOrderStatus


@dataclass(frozen=True, slots=True)
class StatusFigures:
    """The orders of one status accepted in a period: how many, their totals, their margin
    (fen) and how many of them wait for an operator (a sub-order held on an alarm)."""

    status: str
    orders: int
    total_fen: int
    margin_fen: int
    held: int


_BY_STATUS = text(
    """
    SELECT o.status,
           count(*) AS orders,
           coalesce(sum(o.total_fen), 0) AS total_fen,
           coalesce(sum(m.margin_fen), 0) AS margin_fen,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM sub_orders s WHERE s.order_id = o.id AND s.held_reason IS NOT NULL
           )) AS held
      FROM orders o
      CROSS JOIN LATERAL (
           SELECT sum(i.amount_fen - i.quantity * i.purchase_price_fen) AS margin_fen
             FROM order_items i WHERE i.order_id = o.id
      ) m
     WHERE o.created_at >= :start AND o.created_at < :end
     GROUP BY o.status
    """
)


async def figures_by_status(
    session: AsyncSession, start: datetime, end: datetime
) -> list[StatusFigures]:
    """Every tenant's orders accepted in ``[start, end)``, per status (statuses without
    orders left out)."""
    rows = await session.execute(_BY_STATUS, {"start": start, "end": end})
    return [
        StatusFigures(status, int(n), int(total), int(margin), int(held))
        for status, n, total, margin, held in rows.all()
    ]


# Grouped by the local day as a timestamp, formatted once per day (not once per order).
_PER_DAY = text(
    """
    SELECT to_char(day, 'YYYY-MM-DD'), orders, total_fen FROM (
        SELECT date_trunc('day', created_at AT TIME ZONE 'Asia/Shanghai') AS day,
               count(*) AS orders,
               coalesce(sum(total_fen), 0) AS total_fen
          FROM orders
         WHERE created_at >= :start AND created_at < :end
         GROUP BY 1
    ) days ORDER BY day
    """
)


async def per_day(
    session: AsyncSession, start: datetime, end: datetime, *, tenant_id: int | None = None
) -> dict[str, tuple[int, int]]:
    """``{YYYY-MM-DD (Asia/Shanghai): (orders, total fen)}`` of every tenant's orders (or of
    ``tenant_id``'s) accepted in ``[start, end)``; days without orders left out."""
    query = _PER_DAY if tenant_id is None else _TENANT_PER_DAY
    rows = await session.execute(query, {"start": start, "end": end, "tenant_id": tenant_id})
    return {day: (int(n), int(total)) for day, n, total in rows.all()}


_CLOSED_DAYS = text(
    """
    SELECT to_char(day, 'YYYY-MM-DD'), orders, gmv_fen FROM order_day_totals
     WHERE day >= :first AND day < :until
    """
)
_STORE_DAY = text(
    """
    INSERT INTO order_day_totals (day, orders, gmv_fen) VALUES (:day, :orders, :gmv_fen)
    ON CONFLICT (day) DO NOTHING
    """
)


# One tenant's: in tenant_order_day_totals (migration 0036, under row-level security).
_TENANT_PER_DAY = text(
    """
    SELECT to_char(day, 'YYYY-MM-DD'), orders, total_fen FROM (
        SELECT date_trunc('day', created_at AT TIME ZONE 'Asia/Shanghai') AS day,
               count(*) AS orders,
               coalesce(sum(total_fen), 0) AS total_fen
          FROM orders
         WHERE tenant_id = :tenant_id AND created_at >= :start AND created_at < :end
         GROUP BY 1
    ) days ORDER BY day
    """
)
_TENANT_CLOSED_DAYS = text(
    """
    SELECT to_char(day, 'YYYY-MM-DD'), orders, total_fen FROM tenant_order_day_totals
     WHERE tenant_id = :tenant_id AND day >= :first AND day < :until
    """
)
_TENANT_STORE_DAY = text(
    """
    INSERT INTO tenant_order_day_totals (tenant_id, day, orders, total_fen)
    VALUES (:tenant_id, :day, :orders, :gmv_fen)
    ON CONFLICT (tenant_id, day) DO NOTHING
    """
)


async def closed_days(
    session: AsyncSession, first: date, until: date, *, tenant_id: int | None = None
) -> dict[str, tuple[int, int]]:
    """The stored totals of closed days in ``[first, until)``: ``{YYYY-MM-DD: (orders, fen)}``,
    of every tenant (``order_day_totals``) or of ``tenant_id``'s orders."""
    params = {"first": first, "until": until, "tenant_id": tenant_id}
    query = _CLOSED_DAYS if tenant_id is None else _TENANT_CLOSED_DAYS
    rows = await session.execute(query, params)
    return {day: (int(n), int(total)) for day, n, total in rows.all()}


async def store_days(
    session: AsyncSession, days: dict[str, tuple[int, int]], *, tenant_id: int | None = None
) -> None:
    """Keep the totals of closed days (a day stored already, by a concurrent reader, stays)."""
    if days:
        rows = [
            {"day": date.fromisoformat(day), "orders": n, "gmv_fen": total, "tenant_id": tenant_id}
            for day, (n, total) in days.items()
        ]
        await session.execute(_STORE_DAY if tenant_id is None else _TENANT_STORE_DAY, rows)


# A sub-order still on its way (not final): its order is unfinished. A partially failed order
# is unfinished while one of its sub-orders is still on its way.
_ON_THE_WAY = (
    SubOrderStatus.PENDING,
    SubOrderStatus.SUBMITTED,
    SubOrderStatus.CONFIRMED,
    SubOrderStatus.SHIPPED,
    SubOrderStatus.DELIVERED,
)
_UNFINISHED = (
    OrderStatus.ACCEPTED,
    OrderStatus.SUBMITTED,
    OrderStatus.CONFIRMED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


@dataclass(frozen=True, slots=True)
class TenantFigures:
    """One tenant's orders: accepted today and this month, what this month's orders spend
    (fen: their totals less the sub-orders cancelled or refused, whose money was released), and
    how many of all its orders are unfinished."""

    orders_today: int
    orders_month: int
    spend_month_fen: int
    unfinished: int


# The open days (from the first day not closed to the end of today) of one tenant's month.
_TENANT_OPEN = text(
    """
    SELECT count(*) FILTER (WHERE created_at >= :today), count(*), coalesce(sum(total_fen), 0)
      FROM orders
     WHERE tenant_id = :tenant_id AND created_at >= :start AND created_at < :end
    """
)
# Released: the sub-orders cancelled or failed (their money went back), of the month's orders.
# The statuses are literal so that the partial index ix_sub_orders_tenant_released serves it.
_TENANT_RELEASED = text(
    """
    SELECT coalesce(sum(s.total_fen), 0)
      FROM sub_orders s JOIN orders o ON o.id = s.order_id
     WHERE s.tenant_id = :tenant_id AND s.status IN ('failed', 'cancelled')
       AND o.created_at >= :month AND o.created_at < :end
    """
)
_TENANT_UNFINISHED = text(
    """
    SELECT count(*) FROM orders u
     WHERE u.tenant_id = :tenant_id
       AND (u.status = ANY(:unfinished)
            OR (u.status = :partially_failed AND EXISTS (
                SELECT 1 FROM sub_orders s WHERE s.order_id = u.id
                   AND s.status = ANY(:on_the_way))))
    """
)


async def tenant_open_days(
    session: AsyncSession, tenant_id: int, *, start: datetime, today: datetime, end: datetime
) -> tuple[int, int, int]:
    """The tenant's orders accepted in ``[start, end)``: (how many today, how many, their
    totals in fen)."""
    params = {"tenant_id": tenant_id, "start": start, "today": today, "end": end}
    today_n, n, total = (await session.execute(_TENANT_OPEN, params)).one()
    return int(today_n), int(n), int(total)


async def tenant_released(
    session: AsyncSession, tenant_id: int, *, month: datetime, end: datetime
) -> int:
    """The fen of the tenant's cancelled and failed sub-orders of orders accepted in
    ``[month, end)``."""
    params = {"tenant_id": tenant_id, "month": month, "end": end}
    return int((await session.execute(_TENANT_RELEASED, params)).scalar_one())


async def tenant_unfinished(session: AsyncSession, tenant_id: int) -> int:
    """How many of the tenant's orders are unfinished (see :class:`TenantFigures`)."""
    params = {
        "tenant_id": tenant_id,
        "unfinished": [s.value for s in _UNFINISHED],
        "partially_failed": OrderStatus.PARTIALLY_FAILED.value,
        "on_the_way": [s.value for s in _ON_THE_WAY],
    }
    return int((await session.execute(_TENANT_UNFINISHED, params)).scalar_one())
