"""A real Chromium (Debian's, driven by Playwright) for browser tests; shared fixture."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.support.services import services_required

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# How long an ``expect(...)`` assertion waits for the page to agree (Playwright's default is
# 5 s): an upper bound, reached only by a failing test, so generous for a loaded machine.
EXPECT_TIMEOUT_MS = 30_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)
# Where browser tests leave their screenshots: kept in the checkout (git ignores it) so a CI
# run's screenshots stay beside its log; HIVE_TEST_SCREENSHOTS puts them elsewhere.
SCREENSHOTS = Path(
    os.environ.get("HIVE_TEST_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        if services_required():
            pytest.fail("chromium is not installed, and HIVE_REQUIRE_SERVICES=1 forbids skipping")
        pytest.skip("chromium is not installed")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def submit_login(page: Page, base_url: str, username: str, password: str) -> None:
    """Fill the Chinese login form and press 登录 (the caller checks where it lands)."""
    await page.goto(f"{base_url}/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()


async def save_screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save what ``page`` shows as ``SCREENSHOTS/<name>.png`` (Playwright makes the folder)."""
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path
