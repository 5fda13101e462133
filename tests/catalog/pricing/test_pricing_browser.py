"""The operator's pricing journey in a real Chromium: a new rule previewed, saved, explained."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Browser

from hive.apps.hcm import create_hcm_app
from hive.catalog.pricing import service as pricing
from hive.platform.config import Settings
from hive.platform.permissions import Role
from tests.catalog.pricing.conftest import Shop
from tests.support.browser import save_screenshot, submit_login
from tests.support.factories import make_user
from tests.support.servers import running_server


@pytest.fixture
def hcm(settings: Settings, shop: Shop) -> Iterator[str]:
    with running_server(create_hcm_app(settings, settings.database_url)) as url:
        yield url


@pytest.mark.browser
async def test_operator_previews_saves_and_explains_a_rule_in_a_real_browser(
    hcm: str, shop: Shop, browser: Browser
) -> None:
    await make_user(shop.database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    grade = await shop.grade("金牌", "0.95")
    product = await shop.product(5000, 9000)
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(session, [product])
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page.set_default_timeout(20_000)
    await submit_login(page, hcm, "operator1", "operator-pass-1")
    await page.wait_for_url(f"{hcm}/")
    await page.get_by_role("link", name="定价", exact=True).first.click()
    await page.get_by_role("link", name="新建规则").click()
    await page.locator("#f-category_id").click()  # the category tree picker opens
    await page.locator('input[name="category_id"][value="3"]').check()
    await page.get_by_label("百分比").fill("20")
    await page.get_by_label("取整").select_option("nine")
    await page.get_by_role("button", name="预览影响").click()
    await page.wait_for_selector("#preview-result")
    assert await page.locator("#products-moved").inner_text() == "1"
    await save_screenshot(page, "pricing_preview")
    assert await shop.sql("SELECT count(*) FROM pricing_rules") == [(1,)]  # a preview only
    await page.get_by_role("button", name="保存").click()
    await page.wait_for_url(f"{hcm}/admin/pricing")
    assert await page.locator("#pricing-rules tbody tr").count() == 2
    # 5000 × 1.2 × 0.95 = 5700 → the .9 ending nearest: 56.90 yuan.
    assert await shop.price(product, grade) == 5690
    await page.goto(f"{hcm}/admin/pricing/explain")
    await page.get_by_label("商品 ID").fill(str(product))
    await page.get_by_label("客户等级").select_option(str(grade))
    await page.get_by_role("button", name="说明").click()
    await page.wait_for_selector("#explanation")
    assert await page.locator("#computed").inner_text() == "¥56.90"
    assert await page.locator("#steps li").count() == 4
    await save_screenshot(page, "pricing_explain")
    await page.close()
