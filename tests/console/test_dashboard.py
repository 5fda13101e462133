"""The admin dashboard shows what exists: the pool by status, the feed's last message and
failures, suppliers, tenants, products added per day (numbers behind the chart in a table)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import insert, text

from hive.feed.models import SupplierMessageLog
from hive.platform.db import Database
from tests.catalog.search.conftest import Item, Pool
from tests.support.console import sign_in


async def test_the_dashboard_counts_what_is_there(
    hcm_url: str, pool: Pool, database: Database
) -> None:
    ids = await pool.add(
        Item("华为 智能手机 一"), Item("华为 智能手机 二"), Item("小米 手机 暂停", status="paused")
    )
    now = datetime.now(UTC)
    async with database.platform_transaction() as session:
        await session.execute(
            text(
                "INSERT INTO product_changes (product_id, source, changes) "
                "SELECT id, 'selection', '{\"status\": [null, \"active\"]}' FROM products"
            )
        )
        await session.execute(
            insert(SupplierMessageLog),
            [
                {
                    "supplier_id": pool.supplier_id,
                    "message_id": str(n),
                    "type": 2,
                    "occurred_at": now - timedelta(minutes=10),
                    "received_at": now - timedelta(minutes=5 + n),
                    "status": status,
                    "error": "",
                    "raw": {},
                }
                for n, status in enumerate(("processed", "failed", "gave_up"))
            ],
        )
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "admin", "admin-pass-1").status_code == 303
        page = client.get("/").text
    assert len(ids) == 3
    assert re.search(r'id="stat-pool">2<', page)
    assert re.search(r'id="stat-feed-failed">2<', page)
    assert re.search(r'id="stat-lag">5 分钟<', page)
    today = (now + timedelta(hours=8)).strftime("%Y-%m-%d")  # days are Asia/Shanghai days
    assert f'<tr><td>{today}</td><td class="num">3</td></tr>' in page
    assert "search-test" in page and 'id="tenants"' in page
    assert '<script src="/static/vendor/echarts.min.js" defer></script>' in page
