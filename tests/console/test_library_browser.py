"""The tenant's library journeys in a real Chromium: from the pool page into the library, the
own retail price refused below cost then saved, an item turning unavailable when its pool is
switched off (highlighted, with the reason), and removing an item through the confirmation."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from hive.catalog.distribution import repository as pools
from hive.catalog.distribution import service as distribution
from hive.platform.db import Database
from tests.catalog.search.conftest import Item, Pool
from tests.support.browser import save_screenshot, submit_login
from tests.support.distribution import OPERATOR


async def signed_in(browser: Browser, hcm_url: str) -> Page:
    page = await browser.new_page(locale="zh-CN")
    page.set_default_timeout(30_000)
    await submit_login(page, hcm_url, "acme-admin", "acme-pass-1")
    await page.wait_for_url(f"{hcm_url}/")
    return page


@pytest.mark.browser
async def test_tenant_adds_a_product_and_sets_its_own_retail_price(
    browser: Browser, hcm_url: str, pool: Pool
) -> None:
    phone, _ = await pool.add(
        Item("华为 智能手机 星耀黑", "华为", 3, 3999_00, sales=9, stock={1: "in_stock"}),
        Item("小米 电饭煲", "小米", 4, 299_00, sales=7, stock={1: "in_stock"}),
    )
    page = await signed_in(browser, hcm_url)
    await page.get_by_role("link", name="商品池").click()
    row = page.locator(f'tr[data-product="{phone}"]')
    await row.get_by_role("button", name="加入商品库").click()
    await expect(page.get_by_text("已加入商品库 1 件")).to_be_visible()
    await expect(row.get_by_text("已在商品库")).to_be_visible()

    await page.get_by_role("link", name="我的商品库").click()
    item = page.locator(f'tr[data-item="{phone}"]')
    await expect(item).to_have_class("available")
    price = item.get_by_label("您的零售价（元）")
    await price.fill("3000")
    await item.get_by_role("button", name="保存").click()
    await expect(page.get_by_text("零售价：不能低于您的进货价 ¥3,999.00")).to_be_visible()
    await page.get_by_role("link", name="返回").click()
    item = page.locator(f'tr[data-item="{phone}"]')
    await item.get_by_label("您的零售价（元）").fill("4299.5")
    await item.get_by_role("button", name="保存").click()
    await expect(page.get_by_text("零售价已保存")).to_be_visible()
    await expect(item.get_by_label("您的零售价（元）")).to_have_value("4299.50")
    await save_screenshot(page, "workbench-library")


@pytest.mark.browser
async def test_an_item_whose_pool_is_switched_off_is_highlighted_and_can_be_removed(
    browser: Browser, hcm_url: str, pool: Pool, database: Database
) -> None:
    [phone] = await pool.add(Item("华为 智能手机", "华为", 3, 3999_00, stock={1: "in_stock"}))
    page = await signed_in(browser, hcm_url)
    await page.goto(f"{hcm_url}/workbench/products/{phone}")
    await page.get_by_role("button", name="加入商品库").click()
    await expect(page.locator("#in-library")).to_be_visible()
    async with database.platform_transaction() as session:
        default = await pools.default_pool(session)
        assert default is not None
        await distribution.set_pool_active(session, OPERATOR, default.id, active=False)

    await page.goto(f"{hcm_url}/workbench/library")
    item = page.locator(f'tr[data-item="{phone}"]')
    await expect(item).to_have_class("unavailable")
    await expect(item.get_by_text("已不在您的分销池中")).to_be_visible()
    await save_screenshot(page, "workbench-library-unavailable")
    await item.get_by_role("button", name="移出商品库").click()
    await page.locator("#confirm-ok").click()
    await expect(page.get_by_text("已移出商品库")).to_be_visible()
    await expect(page.locator(f'tr[data-item="{phone}"]')).to_have_count(0)
