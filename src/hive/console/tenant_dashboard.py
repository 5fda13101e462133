"""The tenant workbench's home page: the tenant's money (balance, frozen, credit line, what a
new order may spend), its orders today and this month, this month's spend and its unfinished
orders, its library's size, the latest price changes of library products (the tenant's own
``product.price_changed`` events), its orders by status and — for its admin — its failing
webhook endpoints. Everything is read in the tenant's transaction (row-level security), through
each domain's service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import service as billing
from hive.catalog.library import service as library
from hive.console import i18n
from hive.console.dashboard_texts import DASHBOARD_TEXTS
from hive.console.pages import render
from hive.customers import service as customers
from hive.events import service as events
from hive.orders import stats as order_stats
from hive.orders.status import OrderStatus
from hive.orders.texts import ORDER_TEXTS
from hive.platform.actor import Actor
from hive.platform.http import database_of
from hive.platform.permissions import Action, allowed
from hive.webhooks import service as webhooks
from hive.webhooks.texts import WEBHOOK_TEXTS

RECENT_PRICE_CHANGES = 10
i18n.extend(ORDER_TEXTS)
i18n.extend(WEBHOOK_TEXTS)
i18n.extend(DASHBOARD_TEXTS)
i18n.extend(
    {
        "zh": {
            "wb.money": "资金",
            "wb.available": "可用余额",
            "wb.frozen": "冻结金额",
            "wb.credit_limit": "授信额度",
            "wb.credit_available": "可用授信",
            "wb.spendable": "可下单金额",
            "wb.library": "我的商品库",
            "wb.library_total": "商品库商品",
            "wb.library_unavailable": "其中不可售",
            "wb.library_open": "打开商品库",
            "wb.price_changes": "最近价格变动",
            "wb.price_changes_note": "商品库中商品的供货价变动（最近 {n} 条）。",
            "wb.no_price_changes": "商品库商品还没有价格变动",
            "wb.product": "商品",
            "wb.old_price": "原价",
            "wb.new_price": "现价",
            "wb.when": "时间",
            "wb.orders": "订单",
            "wb.orders_status": "状态",
            "wb.orders_count": "订单数",
            "wb.no_orders": "还没有订单",
        },
        "en": {
            "wb.money": "Money",
            "wb.available": "Available balance",
            "wb.frozen": "Frozen",
            "wb.credit_limit": "Credit limit",
            "wb.credit_available": "Credit available",
            "wb.spendable": "Available for orders",
            "wb.library": "My library",
            "wb.library_total": "Products in the library",
            "wb.library_unavailable": "of them unavailable",
            "wb.library_open": "Open the library",
            "wb.price_changes": "Latest price changes",
            "wb.price_changes_note": "Price changes of products in your library (latest {n}).",
            "wb.no_price_changes": "No price has changed for products in your library yet",
            "wb.product": "Product",
            "wb.old_price": "Before",
            "wb.new_price": "Now",
            "wb.when": "When",
            "wb.orders": "Orders",
            "wb.orders_status": "Status",
            "wb.orders_count": "Orders",
            "wb.no_orders": "No orders yet",
        },
    }
)


async def workbench_home(
    session: AsyncSession, actor: Actor, tenant_id: int, now: datetime | None = None
) -> dict[str, Any]:
    """What the workbench home shows, read in the tenant's transaction."""
    now = now or datetime.now(UTC)
    hooks_admin = allowed(actor.role, Action.MANAGE_WEBHOOKS)
    summary = (await billing.list_summaries(session, actor, [tenant_id])).get(tenant_id)
    counts = await library.library_counts(session, tenant_id)
    by_status = await order_stats.count_by_status(session, actor, tenant_id)
    return {
        "own_tenant": await customers.get_tenant(session, tenant_id),
        "summary": summary,
        "library_total": sum(counts.values()),
        "library_unavailable": counts.get("unavailable", 0),
        "price_changes": await events.recent_price_changes(
            session, tenant_id, limit=RECENT_PRICE_CHANGES
        ),
        "recent_limit": RECENT_PRICE_CHANGES,
        # In the order the statuses are listed, those with orders only.
        "orders_by_status": [(s.value, by_status[s.value]) for s in OrderStatus if s in by_status],
        # A paused webhook endpoint is told to whoever can resume it (docs/webhooks.md).
        "webhook_notices": (
            await webhooks.open_notices(session, actor, tenant_id) if hooks_admin else []
        ),
        "order_figures": await order_stats.tenant_figures(session, actor, tenant_id, now),
        "today_day": order_stats.local_midnight(now).date().isoformat(),
        # Endpoints and their delivery logs are the tenant admin's (View.WORKBENCH_WEBHOOKS).
        "failing_webhooks": (
            await webhooks.failing_endpoints(session, actor, tenant_id, now=now)
            if hooks_admin
            else None
        ),
    }


async def render_workbench_home(request: Request, actor: Actor, tenant_id: int) -> Response:
    async with database_of(request).tenant_transaction(tenant_id) as session:
        board = await workbench_home(session, actor, tenant_id)
    return render(request, "workbench_home.html", actor=actor, **board)
