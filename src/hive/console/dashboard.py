"""The admin dashboard (the staff home page): what exists today, read through each domain's
service — today's orders by status with GMV and margin, orders and GMV per day over the last 30
days, failing webhook endpoints, the pool by status and products added per day, the supplier
feed's lag and failures, each supplier's state, background jobs by status and the failing ones,
the tenants. Open after-sales join when the after-sales domain lands (docs/console.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.pool import service as pool
from hive.console.dashboard_texts import DASHBOARD_TEXTS
from hive.console.i18n import extend
from hive.customers import service as customers
from hive.feed import service as feed
from hive.orders import stats as order_stats
from hive.orders.texts import ORDER_TEXTS
from hive.platform import job_stats
from hive.platform.actor import Actor
from hive.platform.errors import PermissionDenied
from hive.platform.money import format_money
from hive.platform.permissions import View, may_view
from hive.suppliers import health
from hive.suppliers import service as suppliers
from hive.webhooks import service as webhooks
from hive.webhooks.texts import WEBHOOK_TEXTS

CHART_DAYS = 14
extend(DASHBOARD_TEXTS)
extend(ORDER_TEXTS)  # the order statuses' names
extend(WEBHOOK_TEXTS)  # the endpoints' statuses


async def dashboard(
    session: AsyncSession,
    actor: Actor,
    now: datetime | None = None,
    *,
    breaker_reset_s: float = 30.0,
) -> dict[str, Any]:
    """Everything the dashboard shows, read in one platform transaction (staff only: anyone
    else is ``permission_denied``). ``breaker_reset_s``: the breakers' cool-down (an open
    breaker older than it is half-open in effect)."""
    if actor.tenant_id is not None or not may_view(actor.role, View.DASHBOARD):
        raise PermissionDenied(details={"view": View.DASHBOARD.value})
    now = now or datetime.now(UTC)
    overview = await pool.pool_overview(session, days=CHART_DAYS)
    tenants, tenant_count = await customers.list_tenants(session, limit=100)
    failing = await health.recorded_states(session)
    supplier_list = await suppliers.list_suppliers(session)
    supplier_rows = [{"supplier": s, "failing": failing.get(s.id, [])} for s in supplier_list]
    days = overview["added_per_day"]
    return {
        "pool": overview["statuses"],
        "pool_total": sum(overview["statuses"].values()),
        "added_chart": json.dumps(
            {"days": [d for d, _ in days], "counts": [n for _, n in days]}, ensure_ascii=False
        ),
        "added_rows": days,
        "feed": await feed.feed_health(session, now),
        "jobs": await job_stats.job_counts(session),
        "failed_tasks": await job_stats.failed_by_task(session),
        "supplier_rows": supplier_rows,
        "supplier_names": {s.id: s.name for s in supplier_list},
        "breakers": await health.breaker_states(session, now=now, reset_after_s=breaker_reset_s),
        "tenants": tenants,
        "tenant_count": tenant_count,
        **await _order_panels(session, actor, now),
    }


async def _order_panels(session: AsyncSession, actor: Actor, now: datetime) -> dict[str, Any]:
    """Today's orders, the orders and GMV per day, failing webhook endpoints (with the names of
    their tenants)."""
    per_day = await order_stats.platform_per_day(session, actor, now)
    failing = await webhooks.failing_endpoints(session, actor, None, now=now)
    names = {}
    for tenant_id in {f.tenant_id for f in failing}:
        names[tenant_id] = (await customers.get_tenant(session, tenant_id)).name
    chart = {
        "days": [d.day for d in per_day],
        "series": [
            {"key": "orders", "values": [d.orders for d in per_day]},
            # Fen to the chart (its axis shows yuan); each point's label is the money helper's.
            {
                "key": "gmv",
                "money": True,
                "values": [d.gmv_fen for d in per_day],
                "labels": [format_money(d.gmv_fen) for d in per_day],
            },
        ],
    }
    return {
        "today": await order_stats.platform_today(session, actor, now),
        "today_day": order_stats.local_midnight(now).date().isoformat(),
        "order_days": per_day,
        "order_chart": json.dumps(chart, ensure_ascii=False),
        "failing_webhooks": failing,
        "failing_tenants": names,
    }
