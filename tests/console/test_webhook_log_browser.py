"""The staff webhook delivery log (``/admin/webhooks/<id>/deliveries``) in a real Chromium:
reached from the admin dashboard's failing endpoints, it passes the accessibility check (labels,
alt text, contrast) at desktop and phone width, with deliveries of every outcome on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Browser
from sqlalchemy import text

from hive.platform.config import Settings
from hive.platform.db import Database
from tests.console.test_console_journeys import DESKTOP, PHONE, _checked, _signed_in
from tests.support.openapi import make_app
from tests.support.webhooks import subscribe

DELIVERY = text(
    "INSERT INTO webhook_deliveries (uid, tenant_id, subscription_id, event_id, event_type, "
    "entity_type, entity_id, sequence, body, status, dead_at, dead_reason, attempt_count, "
    "round_attempts, last_status_code, last_error, updated_at) VALUES (gen_random_uuid(), :t, "
    ":s, :n, 'order.status_changed', 'order', 1, :n, '{}', :status, :dead_at, :reason, "
    ":rounds, :rounds, :code, :error, :updated)"
)


@pytest.mark.browser
async def test_the_staff_delivery_log_passes_the_accessibility_check(
    browser: Browser,
    hcm_url: str,
    accounts: dict[str, int],
    database: Database,
    settings: Settings,
) -> None:
    acme = accounts["acme"]
    app = await make_app(database, settings, acme)
    hook, _ = await subscribe(database, settings, acme, app.app_id, "http://127.0.0.1:9/hook")
    now = datetime.now(UTC)
    rows = [
        ("dead", now - timedelta(hours=2), "final_answer", 3, 410, "gone"),
        ("pending", None, None, 2, None, "timeout"),
        ("delivered", None, None, 1, 200, None),
    ]
    async with database.platform_transaction() as session:
        for n, (status, dead_at, reason, rounds, code, error) in enumerate(rows, start=1):
            values = {"t": acme, "s": hook, "n": n, "status": status, "dead_at": dead_at}
            values |= {"reason": reason, "rounds": rounds, "code": code, "error": error}
            await session.execute(DELIVERY, values | {"updated": dead_at or now})
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = await _signed_in(browser, hcm_url, "admin", "admin-pass-1", viewport)
        await page.locator(f'a[href="/admin/webhooks/{hook}/deliveries"]').first.click()
        await page.wait_for_url(f"**/admin/webhooks/{hook}/deliveries")
        assert await page.locator("tr[data-delivery-id]").count() == len(rows)
        await _checked(page, f"staff_webhook_log_{name}")
        await page.close()
