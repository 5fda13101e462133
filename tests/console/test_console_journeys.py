"""The console in a real Chromium through the main journeys, at 1366x768 and at phone width,
with screenshots (HIVE_TEST_SCREENSHOTS) and an accessibility check on each main page."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page

from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.catalog.search.conftest import Item, Pool
from tests.support.accessibility import accessibility_problems
from tests.support.browser import save_screenshot, submit_login
from tests.support.factories import make_user

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


async def _signed_in(
    browser: Browser, url: str, user: str, password: str, viewport: dict[str, int]
) -> Page:
    page = await browser.new_page(locale="zh-CN", viewport=viewport)
    page.set_default_timeout(20_000)
    await submit_login(page, url, user, password)
    await page.wait_for_url(f"{url}/")
    return page


async def _checked(page: Page, name: str) -> None:
    await save_screenshot(page, f"console_{name}")
    assert await accessibility_problems(page) == [], name
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"{name} scrolls sideways"  # type: ignore[index]


@pytest.mark.browser
async def test_operator_works_through_the_menu_and_confirms_a_removal(
    browser: Browser, hcm_url: str, pool: Pool, database: Database
) -> None:
    (product_id,) = await pool.add(
        Item("华为 智能手机 旅程", "华为", 3, 1999_00, stock={1: "in_stock"})
    )
    await make_user(database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    page = await _signed_in(browser, hcm_url, "operator1", "operator-pass-1", DESKTOP)
    await _checked(page, "dashboard")
    assert "供应商消息日志" in await page.locator("#sidenav").inner_text()
    await page.locator("#sidenav").get_by_role("link", name="商品底池").click()
    await page.wait_for_url("**/admin/catalog/pool")
    await page.get_by_label("关键词").fill("手机")
    await page.get_by_role("button", name="搜索").click()
    await page.wait_for_selector(f'tr[data-product="{product_id}"]')
    await _checked(page, "pool")
    await page.get_by_role("link", name="华为 智能手机 旅程").click()
    await page.wait_for_selector("#stock")
    await _checked(page, "product")
    await page.get_by_role("button", name="移出底池").click()
    dialog = page.locator("#confirm-dialog")
    await dialog.wait_for(state="visible")
    assert "华为 智能手机 旅程" in await dialog.inner_text()
    await page.locator("#confirm-cancel").click()  # nothing sent when not confirmed
    assert await page.locator("#status").inner_text() == "正常"
    await page.get_by_role("button", name="移出底池").click()
    await page.locator("#confirm-ok").click()
    await page.wait_for_selector("#flash")
    assert await page.locator("#flash").inner_text() == "商品已移出底池"
    assert await page.locator("#status").inner_text() == "已移出"
    await page.locator("#back").click()
    await page.wait_for_url("**/admin/catalog/pool?keyword=*")  # the search is kept
    await page.goto(f"{hcm_url}/admin/supplier-messages")
    await _checked(page, "messages")
    await page.get_by_role("link", name="English").click()
    await page.wait_for_selector("text=Supplier message log")
    await _checked(page, "messages_en")


@pytest.mark.browser
async def test_tenant_uses_the_workbench_on_a_phone(
    browser: Browser, hcm_url: str, pool: Pool
) -> None:
    await pool.add(Item("华为 智能手机 手机端", "华为", 3, 999_00, stock={1: "in_stock"}))
    page = await _signed_in(browser, hcm_url, "acme-admin", "acme-pass-1", PHONE)
    assert not await page.locator("#sidenav").is_visible()  # folded behind the menu button
    await _checked(page, "phone_home")
    await page.get_by_role("button", name="菜单").click()
    assert await page.locator("#sidenav").is_visible()
    await page.locator("#sidenav").get_by_role("link", name="商品池").click()
    await page.wait_for_url("**/workbench/pool")
    await page.get_by_label("关键词").fill("手机")
    await page.get_by_role("button", name="搜索").click()
    await page.wait_for_selector("tr[data-product]")
    await _checked(page, "phone_workbench_pool")


@pytest.mark.browser
async def test_finance_has_its_own_menu(browser: Browser, hcm_url: str, database: Database) -> None:
    await make_user(database, "finance1", "finance-pass-1", role=Role.FINANCE)
    page = await _signed_in(browser, hcm_url, "finance1", "finance-pass-1", DESKTOP)
    menu = await page.locator("#sidenav").inner_text()
    assert "财务" in menu and "上游选品" not in menu and "供应商消息日志" not in menu
    assert "messages.title" not in menu and ".title" not in menu  # every entry named in words
    await _checked(page, "finance_home")
