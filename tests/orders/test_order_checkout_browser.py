"""In a real Chromium: a tenant user puts a library product in the cart, checks out with the area
pickers (htmx) and sees its order; an operator then finds that order in the order search and
shows the whole receiver. Screenshots (HIVE_TEST_SCREENSHOTS) and an accessibility check on the
cart, checkout, order and search pages."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page

from hive.catalog import repository as catalog_repository
from hive.platform.config import Settings
from tests.orders.order_pages_support import PASSWORD, Orders, hcm, place_orders, suppliers
from tests.orders.test_order_acceptance import Shop, shop, world
from tests.orders.test_order_checkout import AREAS
from tests.support.accessibility import accessibility_problems
from tests.support.browser import save_screenshot, submit_login

__all__ = ["hcm", "shop", "suppliers", "world"]


@pytest.fixture
async def orders(shop: Shop, settings: Settings) -> Orders:
    async with shop.world.database.platform_transaction() as session:
        await catalog_repository.upsert_areas(session, AREAS)
    return await place_orders(shop, settings)


async def _signed_in(
    browser: Browser, url: str, username: str, viewport: dict[str, int] | None = None
) -> Page:
    viewport = viewport or {"width": 1366, "height": 768}
    page = await browser.new_page(locale="zh-CN", viewport=viewport)
    page.set_default_timeout(20_000)
    await submit_login(page, url, username, PASSWORD)
    await page.wait_for_url(f"{url}/")
    return page


async def _checked(page: Page, name: str) -> None:
    await save_screenshot(page, f"orders_{name}")
    assert await accessibility_problems(page) == [], name
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"{name} scrolls sideways"  # type: ignore[index]


# The pickers swapped in by htmx listen for a choice only once htmx has processed them and
# their swap has settled; a choice made before is not sent (a slow machine shows it).
PICKERS_READY = """() => {
  const box = document.querySelector('#area-pickers');
  return !!box && !!box['htmx-internal-data']
    && !['htmx-request', 'htmx-settling', 'htmx-added', 'htmx-swapping']
      .some((name) => box.classList.contains(name));
}"""


async def _pickers_ready(page: Page) -> None:
    await page.wait_for_function(PICKERS_READY)


@pytest.mark.browser
async def test_checkout_makes_an_order_the_operator_finds(
    browser: Browser, hcm: str, orders: Orders
) -> None:
    page = await _signed_in(browser, hcm, "acme-user")
    await page.goto(f"{hcm}/workbench/library")
    row = page.locator(f'#library tr[data-item="{orders.shop.charger}"]')
    await row.get_by_role("button", name="加入购物车").click()
    await page.get_by_text("已加入购物车").wait_for()
    await page.get_by_role("link", name="购物车").first.click()
    await page.wait_for_url("**/workbench/cart")
    assert await page.locator("#cart .cart-line").count() == 1
    await _checked(page, "cart")

    await (
        page.get_by_role("button", name="去结算")
        .or_(page.get_by_role("link", name="去结算"))
        .click()
    )
    await page.wait_for_url("**/workbench/checkout")
    await _pickers_ready(page)
    await page.get_by_label("省份").select_option(label="北京")
    await page.locator('#f-city_id option[value="72"]').wait_for(state="attached")
    await _pickers_ready(page)
    await page.get_by_label("城市").select_option(label="朝阳区")
    await page.locator('#f-county_id option[value="2819"]').wait_for(state="attached")
    await _pickers_ready(page)
    await page.get_by_label("区县").select_option(label="三环以内")
    await page.get_by_label("详细地址").fill("建国路 88 号")
    await page.get_by_label("收货人").fill("王五")
    await page.get_by_label("手机号").fill("13700002222")
    await _checked(page, "checkout")
    await page.get_by_role("button", name="提交订单").click()
    await page.wait_for_url("**/workbench/orders/WB*")
    order_no = (await page.locator("#order-no").inner_text()).strip()
    assert "王*" in await page.locator("#receiver-masked").inner_text()
    await _checked(page, "workbench_order")
    phone = await _signed_in(browser, hcm, "acme-user", {"width": 390, "height": 844})
    await phone.goto(f"{hcm}/workbench/orders/{order_no}")
    await _checked(phone, "workbench_order_phone")

    staff = await _signed_in(browser, hcm, "operator1")
    await staff.get_by_role("link", name="订单查询").click()
    await staff.get_by_label("订单号 / 子订单号 / 供应商订单号").fill(order_no)
    await staff.get_by_role("button", name="查询").click()
    await staff.wait_for_url("**number=**")
    assert await staff.locator("#orders tr.order").count() == 1
    await _checked(staff, "search")
    await staff.get_by_role("link", name=order_no).click()
    await staff.get_by_role("button", name="显示完整信息").click()
    await staff.locator("#receiver-full").wait_for()
    assert "13700002222" in await staff.locator("#receiver-mobile").inner_text()
    await _checked(staff, "order_receiver")
