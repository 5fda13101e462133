"""The admin dashboard (the staff home page): what exists today, read through each domain's
service — the pool by status and products added per day, the supplier feed's lag and failures,
each supplier's state, background jobs by status and the failing ones, the tenants.
Orders, GMV and after-sales panels join as those domains land."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.pool import service as pool
from hive.customers import service as customers
from hive.feed import service as feed
from hive.platform import job_stats
from hive.suppliers import health
from hive.suppliers import service as suppliers

CHART_DAYS = 14


async def dashboard(
    session: AsyncSession, now: datetime | None = None, *, breaker_reset_s: float = 30.0
) -> dict[str, Any]:
    """Everything the dashboard shows, read in one platform transaction. ``breaker_reset_s``:
    the breakers' cool-down (an open breaker older than it is half-open in effect)."""
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
    }
