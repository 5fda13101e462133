"""Every page of every menu in a real Chromium: signed in as the platform admin (every staff
page) and as a tenant's admin (every workbench page), each page the menu links to passes the
accessibility check (labels, alt text, contrast), keeps the language switch, does not scroll
sideways at 1366x768 or at phone width, and leaves a screenshot (HIVE_TEST_SCREENSHOTS)."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.catalog.search.conftest import Item, Pool
from tests.console.test_console_journeys import DESKTOP, PHONE, _checked, _signed_in
from tests.support.factories import make_user

USERS = (("admin", "admin-pass-1"), ("acme-admin", "acme-pass-1"), ("acme-buyer", "acme-pass-2"))


@pytest.mark.browser
async def test_every_menu_page_passes_the_accessibility_check_at_desktop_and_phone_width(
    browser: Browser, hcm_url: str, pool: Pool, database: Database, accounts: dict[str, int]
) -> None:
    await make_user(database, "acme-buyer", "acme-pass-2", Role.TENANT_USER, accounts["acme"])
    await pool.add(Item("华为 智能手机 巡检", "华为", 3, 1999_00, stock={1: "in_stock"}))
    for username, password in USERS:
        # One sign-in per person, the page then resized: each page is opened anew at each width
        # (a sign-in was 2 s of the walk's 32 s on a loaded machine, four of them).
        page = await _signed_in(browser, hcm_url, username, password, DESKTOP)
        links = page.locator("#sidenav a[data-menu]")
        paths = [await links.nth(i).get_attribute("data-menu") for i in range(await links.count())]
        assert len(paths) >= (4 if username == "acme-buyer" else 8), (username, paths)
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            await page.set_viewport_size(viewport)
            for path in paths:
                answer = await page.goto(f"{hcm_url}{path}")
                assert answer is not None and answer.status == 200, (username, path)
                assert await page.locator("#language-switch").count() == 1, (username, path)
                name = (
                    f"menu_{username}_{size}_{(path or '').strip('/').replace('/', '_') or 'home'}"
                )
                await _checked(page, name)
        await page.close()
