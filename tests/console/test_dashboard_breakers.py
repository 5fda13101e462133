"""The admin dashboard shows every supplier method's circuit breaker: open, half-open (an open
breaker past its cool-down) or closed, since when, and the last failure."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from hive.platform.db import Database
from hive.suppliers import repository
from hive.suppliers.models import Supplier
from tests.support.console import sign_in


async def test_the_dashboard_shows_each_breaker_in_effect(hcm_url: str, database: Database) -> None:
    now = datetime.now(UTC)
    async with database.platform_transaction() as session:
        supplier = Supplier(name="京东 VOP", kind="warehouse")
        session.add(supplier)
        await session.flush()
        for method, state, at in (
            ("order/submitOrder", "open", now),
            ("search/search", "open", now - timedelta(minutes=5)),  # past the 30 s cool-down
            ("price/getSellPrice", "closed", now),
        ):
            await repository.record_breaker_state(
                session,
                supplier.id,
                method,
                state,
                at,
                failure_code="supplier_unavailable" if state == "open" else None,
                failure_message="供应商超时" if state == "open" else None,
            )
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "admin", "admin-pass-1").status_code == 303
        page = client.get("/").text
    table = re.search(r'<table id="breakers".*?</table>', page, re.S)
    assert table
    states = re.findall(r'data-breaker="\d+:([^"]+)" data-state="([a-z_]+)"', table[0])
    assert states == [
        ("order/submitOrder", "open"),
        ("search/search", "half_open"),
        ("price/getSellPrice", "closed"),
    ]
    assert "断开（快速失败）" in table[0] and "半开（试探中）" in table[0]
    assert "supplier_unavailable" in table[0] and "京东 VOP" in table[0]


def test_no_breaker_record_says_every_call_is_healthy(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "admin", "admin-pass-1").status_code == 303
        assert "还没有熔断记录" in client.get("/").text
