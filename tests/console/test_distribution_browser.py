"""An operator's distribution pool journey in a real Chromium: create an exclusive pool from the
menu, list a product in it, give it to a tenant, and see the tenant's workbench follow."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.catalog.search.conftest import Item, Pool
from tests.support.browser import save_screenshot, submit_login


@pytest.mark.browser
async def test_operator_reserves_a_product_for_one_tenant(
    browser: Browser, hcm_url: str, pool: Pool
) -> None:
    custom, _ = await pool.add(
        Item("定制礼盒", "三只松鼠", 12, 299_00, stock={1: "in_stock"}),
        Item("每日坚果", "三只松鼠", 12, 59_00, stock={1: "in_stock"}),
    )
    page = await browser.new_page(locale="zh-CN")
    page.set_default_timeout(30_000)
    await submit_login(page, hcm_url, "admin", "admin-pass-1")
    await page.wait_for_url(f"{hcm_url}/")
    await page.get_by_role("link", name="分销池").click()
    await page.locator("#f-name").fill("globex 专属")
    await page.locator("#f-kind").select_option("exclusive")
    await page.get_by_role("button", name="创建").click()
    await expect(page.get_by_text("分销池已创建")).to_be_visible()
    await page.locator("#f-ids").fill(str(custom))
    await page.get_by_role("button", name="添加").click()
    await expect(page.locator(f'#pool-products tr[data-product="{custom}"]')).to_be_visible()
    await page.locator("#f-tenant_id").select_option(label="企业 globex (globex)")
    await page.get_by_role("button", name="分配").click()
    await expect(page.locator("#assignments")).to_contain_text("企业 globex")
    await save_screenshot(page, "distribution-pool")

    tenant = await browser.new_page(locale="zh-CN")
    tenant.set_default_timeout(30_000)
    await submit_login(tenant, hcm_url, "acme-admin", "acme-pass-1")
    await tenant.wait_for_url(f"{hcm_url}/")
    await tenant.goto(f"{hcm_url}/workbench/pool")
    # acme keeps the default pool but the reserved product is globex's alone now.
    await expect(tenant.locator("#pool-products tbody tr[data-product]")).to_have_count(1)
    await expect(tenant.locator(f'tr[data-product="{custom}"]')).to_have_count(0)
