"""Order counts for dashboards (the tenant's workbench home): how many of a tenant's orders
are in each status. SQL and rule in one small module; the order pages list the orders."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders.models import Order
from hive.platform.actor import Actor
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
