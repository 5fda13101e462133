"""The staff accounts journey in a real Chromium: the platform admin opens 员工账号 from the
menu, creates a finance account with a generated password (shown once), the new user signs in
with it; the admin suspends it (asked first) and its open browser is signed out. Screenshots
(HIVE_TEST_SCREENSHOTS) and the accessibility check on each page."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.console.test_console_journeys import DESKTOP, _checked, _signed_in


@pytest.mark.browser
async def test_admin_creates_a_staff_user_who_signs_in_and_is_suspended(
    browser: Browser, hcm_url: str
) -> None:
    admin = await _signed_in(browser, hcm_url, "admin", "admin-pass-1", DESKTOP)
    await admin.locator("#sidenav").get_by_role("link", name="员工账号").click()
    await admin.wait_for_url("**/admin/staff")
    await _checked(admin, "staff")
    form = admin.locator("#user-form")
    await form.get_by_label("用户名").fill("fin-qian")
    await form.get_by_label("姓名").fill("钱财务")
    await form.get_by_label("角色").select_option("finance")
    await form.get_by_role("button", name="创建账号").click()
    await admin.wait_for_selector("#initial-password")
    password = await admin.locator("#initial-password").inner_text()
    assert len(password) == 14
    await _checked(admin, "staff_created")

    user = await _signed_in(browser, hcm_url, "fin-qian", password, DESKTOP)
    assert await user.locator("#role").inner_text() == "财务"

    await admin.get_by_role("link", name="返回账号列表").click()
    await admin.wait_for_url("**/admin/staff")
    row = admin.locator('tr[data-username="fin-qian"]')
    await row.get_by_role("button", name="停用").click()
    dialog = admin.locator("#confirm-dialog")
    await dialog.wait_for(state="visible")
    assert "fin-qian" in await admin.locator("#confirm-text").inner_text()
    await admin.locator("#confirm-ok").click()
    await admin.wait_for_selector("text=账号“fin-qian”已停用，1 个登录会话已结束")
    assert await row.locator(".status").inner_text() == "已停用"
    await _checked(admin, "staff_suspended")

    await user.reload()
    assert user.url.endswith("/login")
