"""The administration pages in a real Chromium: the platform admin opens 客户等级 from the menu,
a bad code is named next to its field, the grade is created and opened for editing; then a
tenant's users from 客户管理, and a password reset (asked first, the new password shown once).
Screenshots (HIVE_TEST_SCREENSHOTS) and the accessibility check on each page."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.console.test_console_journeys import DESKTOP, PHONE, _checked, _signed_in


@pytest.mark.browser
async def test_admin_keeps_grades_and_a_tenants_users(
    browser: Browser, hcm_url: str, accounts: dict[str, int]
) -> None:
    admin = await _signed_in(browser, hcm_url, "admin", "admin-pass-1", DESKTOP)
    await admin.locator("#sidenav").get_by_role("link", name="客户等级").click()
    await admin.wait_for_url("**/admin/grades")
    await _checked(admin, "grades")
    form = admin.locator("#grade-form")
    await form.get_by_label("等级编码").fill("Gold!")
    await form.get_by_label("等级名称").fill("金卡")
    await form.get_by_label("价格系数").fill("0.97")
    await form.get_by_role("button", name="创建等级").click()
    await admin.wait_for_selector("#f-code-error")
    assert await admin.get_by_label("等级名称").input_value() == "金卡"  # kept
    await _checked(admin, "grades_refused")
    await admin.get_by_label("等级编码").fill("gold-card")
    await admin.locator("#grade-form").get_by_role("button", name="创建等级").click()
    await admin.wait_for_selector("text=等级“金卡”已创建，已开始重新定价")
    row = admin.locator("#grade-list tr", has_text="金卡")
    assert "gold-card" in await row.inner_text()
    await row.get_by_role("link", name="编辑").click()
    await admin.wait_for_selector("text=编辑等级“金卡”")
    await _checked(admin, "grade_edit")

    await admin.goto(f"{hcm_url}/admin/tenants")
    await (
        admin.locator(f'tr[data-tenant="{accounts["acme"]}"]')
        .get_by_role("link", name="用户")
        .click()
    )
    await admin.wait_for_url(f"**/admin/tenants/{accounts['acme']}/users")
    await _checked(admin, "tenant_users")
    await (
        admin.locator('tr[data-username="acme-admin"]').get_by_role("link", name="重置密码").click()
    )
    await admin.wait_for_selector("#password-form")
    await _checked(admin, "tenant_user_password")
    await admin.get_by_role("button", name="重置密码").click()
    await admin.locator("#confirm-dialog").wait_for(state="visible")
    assert "acme-admin" in await admin.locator("#confirm-text").inner_text()
    await admin.locator("#confirm-ok").click()
    await admin.wait_for_selector("#initial-password")
    assert len(await admin.locator("#initial-password").inner_text()) == 14
    await _checked(admin, "tenant_user_password_done")

    phone = await _signed_in(browser, hcm_url, "admin", "admin-pass-1", PHONE)
    await phone.goto(f"{hcm_url}/admin/grades")
    await _checked(phone, "grades_phone")
    await phone.goto(f"{hcm_url}/admin/tenants/{accounts['acme']}/users")
    await _checked(phone, "tenant_users_phone")
