"""Finance tops a tenant up in a real Chromium, and the tenant reads it on its account page."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.support.browser import save_screenshot, submit_login


@pytest.mark.browser
async def test_finance_tops_up_and_the_tenant_sees_it(
    browser: Browser, hcm_url: str, people: dict[str, int]
) -> None:
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page.set_default_timeout(30_000)
    await submit_login(page, hcm_url, "finance", "finance-pass-1")
    await page.wait_for_url(f"{hcm_url}/")
    await page.locator("#sidenav").get_by_role("link", name="客户账户").click()
    await page.get_by_role("link", name="acme").click()
    await page.wait_for_url(f"**/admin/billing/{people['acme']}")
    form = page.locator("#form-top-up")
    await form.get_by_label("金额（元）").fill("1,000")
    await form.get_by_label("备注").fill("银行转账 7731")
    await form.get_by_role("button", name="提交").click()
    assert "须为最多两位小数的金额（元）" in await form.inner_text()
    await form.get_by_label("金额（元）").fill("1000.50")
    await form.get_by_role("button", name="提交").click()
    await page.wait_for_url(f"**/admin/billing/{people['acme']}")
    assert "充值已入账" in await page.content()
    assert await page.locator("#available").inner_text() == "¥1,000.50"
    await save_screenshot(page, "billing-finance")

    tenant = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
    tenant.set_default_timeout(30_000)
    await submit_login(tenant, hcm_url, "acme-admin", "acme-admin-pass-1")
    await tenant.wait_for_url(f"{hcm_url}/")
    await tenant.locator("#sidenav").get_by_role("link", name="我的账户").click()
    await tenant.wait_for_url("**/workbench/account")
    assert await tenant.locator("#available").inner_text() == "¥1,000.50"
    row = tenant.locator("#statement tbody tr").first
    assert "充值" in await row.inner_text() and "银行转账 7731" in await row.inner_text()
    await save_screenshot(tenant, "billing-tenant")
