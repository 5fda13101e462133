"""The tenant's pool page in a real Chromium: from the home card to a search and a facet."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.catalog.search.conftest import Item, Pool
from tests.support.browser import save_screenshot, submit_login


@pytest.mark.browser
async def test_tenant_searches_the_pool_and_narrows_by_brand(
    browser: Browser,
    hcm_url: str,
    pool: Pool,
) -> None:
    await pool.add(
        Item("华为 智能手机 星耀黑", "华为", 3, 3999_00, sales=9),
        Item("小米 智能手机 青春版", "小米", 3, 1299_00, sales=8),
        Item("小米 电饭煲", "小米", 4, 299_00, sales=7),
    )
    page = await browser.new_page(locale="zh-CN")
    page.set_default_timeout(30_000)
    await submit_login(page, hcm_url, "acme-admin", "acme-pass-1")
    await page.wait_for_url(f"{hcm_url}/")

    await page.get_by_role("link", name="商品池").click()
    await page.get_by_label("关键词").fill("智能手机")  # 手机 alone also finds 手机配件
    await page.get_by_role("button", name="搜索").click()
    await page.wait_for_url("**keyword=**")
    rows = page.locator("#pool-products tbody tr")
    assert await rows.count() == 2
    assert await page.locator("#total").inner_text() == "共 2 件商品"
    assert "¥3,999.00" in await rows.first.inner_text()

    await page.locator(".facets").get_by_role("link", name="小米").click()
    await page.wait_for_url("**brand=**")
    assert await rows.count() == 1
    assert "小米 智能手机 青春版" in await rows.first.inner_text()
    await save_screenshot(page, "workbench-pool")
