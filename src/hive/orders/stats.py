"""Order figures for the dashboards: how many of a tenant's orders are in each status (the
workbench home), today's orders, GMV and margin of every tenant and the orders and GMV per day
(the admin dashboard), a tenant's orders today and this month, its spend and unfinished orders
(the workbench). Days and months are Asia/Shanghai ones; the SQL is in ``stats_repository``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders import stats_repository
from hive.orders.models import Order
from hive.orders.stats_repository import StatusFigures, TenantFigures
from hive.orders.status import OrderStatus
from hive.platform.actor import Actor
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import Action, require


async def count_by_status(session: AsyncSession, actor: Actor, tenant_id: int) -> dict[str, int]:
    """``{status: number of orders}`` of the tenant (statuses without orders left out). A
    tenant user counts only its own tenant's (another tenant's counts are empty)."""
    require(actor, Action.VIEW_ORDERS)
    if actor.tenant_id is not None and actor.tenant_id != tenant_id:
        return {}
    query = (
        select(Order.status, func.count())
        .where(Order.tenant_id == tenant_id)
        .group_by(Order.status)
    )
    rows = await session.execute(query)
    return {status: int(count) for status, count in rows.all()}


# --- the dashboards' figures (SQL in stats_repository) ------------------------------------------

LOCAL_TIMEZONE = ZoneInfo("Asia/Shanghai")
CHART_DAYS = 30
# An order's row carries the time its transaction started; none runs this long.
CLOSED_AFTER = timedelta(hours=1)


def local_midnight(now: datetime, *, days_back: int = 0) -> datetime:
    """The Asia/Shanghai midnight that starts ``now``'s local day, ``days_back`` days earlier."""
    day = now.astimezone(LOCAL_TIMEZONE).date() - timedelta(days=days_back)
    return datetime.combine(day, time(), LOCAL_TIMEZONE)


@dataclass(frozen=True, slots=True)
class Today:
    """Every tenant's orders accepted today (Asia/Shanghai): per status (in the statuses'
    order, those with orders only) and in all. GMV is the total of every order accepted today,
    whatever became of it since; margin that of its goods (``stats_repository``)."""

    by_status: list[StatusFigures]
    orders: int
    gmv_fen: int
    margin_fen: int
    held: int


async def platform_today(session: AsyncSession, actor: Actor, now: datetime) -> Today:
    """Today's orders of every tenant (staff only)."""
    _require_staff(actor)
    start = local_midnight(now)
    found = {
        f.status: f
        for f in await stats_repository.figures_by_status(session, start, start + timedelta(days=1))
    }
    rows = [found[s.value] for s in OrderStatus if s.value in found]
    return Today(
        rows,
        orders=sum(r.orders for r in rows),
        gmv_fen=sum(r.total_fen for r in rows),
        margin_fen=sum(r.margin_fen for r in rows),
        held=sum(r.held for r in rows),
    )


@dataclass(frozen=True, slots=True)
class DayFigures:
    day: str  # YYYY-MM-DD, Asia/Shanghai
    orders: int
    gmv_fen: int


async def platform_per_day(
    session: AsyncSession, actor: Actor, now: datetime, *, days: int = CHART_DAYS
) -> list[DayFigures]:
    """Every tenant's orders and GMV per Shanghai day over the last ``days`` days, today
    included, oldest first; a day without orders is there with zeros (a chart's axis).

    A day that ended more than :data:`CLOSED_AFTER` ago is closed (no order can still commit
    into it): its totals are read from ``order_day_totals``, computed and kept there the first
    time; the days after are counted from the orders each time."""
    _require_staff(actor)
    end = local_midnight(now) + timedelta(days=1)
    start = local_midnight(now, days_back=days - 1)
    closed = _first_open_day(now, start)
    found = await _closed_days(session, start, closed)
    found.update(await stats_repository.per_day(session, closed, end))
    out = []
    for day in _days(start, end):
        orders, gmv = found.get(day, (0, 0))
        out.append(DayFigures(day, orders, gmv))
    return out


def _first_open_day(now: datetime, start: datetime) -> datetime:
    """The local midnight starting the first day not closed, ``start`` at the earliest."""
    return max(start, local_midnight(now - CLOSED_AFTER))


async def _closed_days(
    session: AsyncSession, start: datetime, closed: datetime, tenant_id: int | None = None
) -> dict[str, tuple[int, int]]:
    """The orders and totals of each closed day in ``[start, closed)`` (of every tenant, or of
    ``tenant_id``'s orders): read from the roll-up, counted from the orders and kept there
    the first time a day is needed. Days without orders are there with zeros."""
    found = await stats_repository.closed_days(
        session, start.date(), closed.date(), tenant_id=tenant_id
    )
    missing = [d for d in _days(start, closed) if d not in found]
    if missing:
        first = datetime.combine(date.fromisoformat(missing[0]), time(), LOCAL_TIMEZONE)
        counted = await stats_repository.per_day(session, first, closed, tenant_id=tenant_id)
        fresh = {d: counted.get(d, (0, 0)) for d in missing}
        await stats_repository.store_days(session, fresh, tenant_id=tenant_id)
        found.update(fresh)
    return found


def _days(start: datetime, end: datetime) -> list[str]:
    """The local days from ``start``'s to the one before ``end``'s (both local midnights)."""
    count = (end.date() - start.date()).days
    return [(start.date() + timedelta(days=n)).isoformat() for n in range(count)]


async def tenant_figures(
    session: AsyncSession, actor: Actor, tenant_id: int, now: datetime
) -> TenantFigures:
    """A tenant's orders today and this month (Asia/Shanghai), this month's spend and its
    unfinished orders. A tenant user reads only its own tenant's (another's is refused).

    The month's closed days come from ``tenant_order_day_totals`` (kept there the first time,
    as the admin chart's days); the open days are counted from the orders; the sub-orders
    cancelled or failed since (the one part of a closed day that changes) each time."""
    require(actor, Action.VIEW_ORDERS)
    if actor.tenant_id is not None and actor.tenant_id != tenant_id:
        raise PermissionDenied(details={"action": Action.VIEW_ORDERS.value})
    today = local_midnight(now)
    month = today.replace(day=1)
    end = today + timedelta(days=1)
    closed = _first_open_day(now, month)
    days = await _closed_days(session, month, closed, tenant_id)
    orders_today, open_orders, open_fen = await stats_repository.tenant_open_days(
        session, tenant_id, start=closed, today=today, end=end
    )
    released = await stats_repository.tenant_released(session, tenant_id, month=month, end=end)
    return TenantFigures(
        orders_today=orders_today,
        orders_month=open_orders + sum(n for n, _ in days.values()),
        spend_month_fen=open_fen + sum(fen for _, fen in days.values()) - released,
        unfinished=await stats_repository.tenant_unfinished(session, tenant_id),
    )


def _require_staff(actor: Actor) -> None:
    require(actor, Action.VIEW_ORDERS)
    if actor.tenant_id is not None:
        raise PermissionDenied(details={"action": Action.VIEW_ORDERS.value})
