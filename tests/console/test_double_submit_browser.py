"""No double submit, in a real Chromium: a form sent once refuses a second submit (hive's
console.js) until the page is shown again, so a create clicked twice creates once and the user
sees its success, not a "code already taken" refusal of a second request."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import text

from hive.platform.db import Database
from tests.console.test_console_journeys import DESKTOP, _signed_in

# Submits the tenant form twice at once; answers, for each submit, whether it was stopped.
TWICE = """() => {
  const form = document.querySelector('form[action="/admin/tenants"]');
  const stopped = [];
  window.addEventListener('submit', (e) => stopped.push(e.defaultPrevented));
  form.requestSubmit();
  form.requestSubmit();
  return stopped;
}"""


@pytest.mark.browser
async def test_a_create_submitted_twice_is_sent_once(
    browser: Browser, hcm_url: str, database: Database
) -> None:
    page = await _signed_in(browser, hcm_url, "admin", "admin-pass-1", DESKTOP)
    await page.goto(f"{hcm_url}/admin/tenants")
    await page.locator("#f-code").fill("twice")
    await page.locator("#f-name").fill("双击 商贸")
    assert await page.evaluate(TWICE) == [False, True]  # the second one never leaves
    await expect(page.locator("#flash")).to_have_text("客户“双击 商贸”已创建")
    async with database.platform_transaction() as session:
        made = await session.scalar(text("SELECT count(*) FROM tenants WHERE code = 'twice'"))
    assert made == 1
    await page.close()
