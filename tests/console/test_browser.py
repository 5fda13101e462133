"""The login page in a real Chromium: type, click the Chinese button, land on the home page
(the dashboard, whose order chart ECharts draws)."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.support.browser import save_screenshot, submit_login


@pytest.mark.browser
async def test_admin_signs_in_and_sees_tenants(browser: Browser, hcm_url: str) -> None:
    page = await browser.new_page(locale="zh-CN")
    page.set_default_timeout(30_000)
    await page.goto(f"{hcm_url}/")
    assert page.url.endswith("/login")
    await page.get_by_label("用户名").fill("admin")
    await page.get_by_label("密码").fill("admin-pass-1")
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{hcm_url}/")
    assert await page.locator("#role").inner_text() == "平台管理员"
    rows = page.locator("#tenants tbody tr")
    assert await rows.count() == 2
    # ECharts draws the orders and GMV of the last 30 days (a canvas); the table keeps the numbers.
    await page.locator("#chart-orders canvas, #chart-orders svg").first.wait_for()
    assert await page.locator("#orders-per-day tbody tr").count() == 30
    await save_screenshot(page, "home", full_page=False)
    await page.get_by_role("button", name="退出登录").click()
    await page.wait_for_url(f"{hcm_url}/login")


@pytest.mark.browser
async def test_wrong_password_shows_a_chinese_error(browser: Browser, hcm_url: str) -> None:
    page = await browser.new_page(locale="zh-CN")
    page.set_default_timeout(30_000)
    await submit_login(page, hcm_url, "admin", "wrong-password")
    assert await page.get_by_role("alert").inner_text() == "用户名或密码错误"
