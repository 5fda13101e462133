"""Order CSV exports as jobs, over real HTTP with a worker: the staff search's export has
exactly the rows the page's filters and sort find (every match, not one page), money in yuan
with the unit in the header, the receiver masked as on the page; a large export is asked first
with its row count; a tenant's workbench export has its own orders only (row-level security);
an export's page and file are its asker's alone (another tenant, another user of the same
tenant and staff get 404); each export is in the audit log with its filters; an expired file
is refused; bad filters are refused before anything starts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from hive.console import export_files
from hive.orders.models import Order
from hive.platform.config import Settings
from hive.platform.jobs import JobRuntime
from hive.platform.money import format_money, format_yuan, parse_yuan
from tests.orders.order_pages_support import (
    PASSWORD,
    Orders,
    client_as,
    hcm,
    place_orders,
    suppliers,
)
from tests.orders.test_order_acceptance import Shop, shop, world
from tests.support.accessibility import accessibility_problems
from tests.support.browser import save_screenshot, submit_login
from tests.support.console import csrf_token_of
from tests.support.exports import ask_export, csv_rows, run_exports
from tests.support.openapi import sql

__all__ = ["hcm", "shop", "suppliers", "world"]
STAFF_EXPORT = "/admin/orders/export"
OWN_EXPORT = "/workbench/orders/export"
CONFIRM_OVER = 2  # rows; the three orders of the fixture are asked first


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        log_format="json",
        export_confirm_rows=CONFIRM_OVER,
    )


@pytest.fixture
async def orders(shop: Shop, settings: Settings) -> Orders:
    """acme's PO-1001 and PO-1002, and a copy of PO-1001 as beta's PO-BETA-1 (another tenant's
    order, receiver masked alike)."""
    placed = await place_orders(shop, settings)
    first = placed.first
    async with shop.world.database.platform_transaction() as session:
        session.add(
            Order(
                tenant_id=shop.world.beta,
                order_no="PO-BETA-1",
                status=first.status,
                items_fen=first.items_fen,
                freight_fen=first.freight_fen,
                total_fen=first.total_fen,
                province_id=first.province_id,
                city_id=first.city_id,
                county_id=first.county_id,
                receiver_cipher=first.receiver_cipher,
                receiver_name_masked=first.receiver_name_masked,
                receiver_mobile_masked=first.receiver_mobile_masked,
                request_hash="0" * 64,
            )
        )
    return placed


@pytest.fixture
def staff(orders: Orders, hcm: str) -> Iterator[httpx.Client]:
    with client_as(hcm, "operator1") as client:
        yield client


def _found(html: str) -> list[str]:
    return re.findall(r'<a href="/(?:admin|workbench)/orders/[^"]+">([^<]+)</a>', html)


def _as_shown(yuan: str) -> str:
    return format_money(parse_yuan(yuan))


def _cells(html: str) -> list[list[str]]:
    """The page's order rows, each cell's text (tags dropped, entities as on screen)."""
    rows = re.findall(r'<tr class="order".*?</tr>', html, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [[unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in row] for row in cells]


async def test_the_staff_export_has_the_rows_the_search_finds(
    orders: Orders, staff: httpx.Client, job_runtime: JobRuntime
) -> None:
    shop = orders.shop
    asked = (
        {"status": "accepted", "tenant": str(shop.tenant)},
        {"number": "PO-1001"},
        {"product": str(shop.earphones)},
        {"tenant": str(shop.world.beta)},
        {"number": "NOPE"},
    )
    pages = [ask_export(staff, STAFF_EXPORT, params) for params in asked]
    queued = staff.get(pages[0]).text
    assert 'id="export-box" hx-get="' in queued and 'data-state="queued"' in queued
    await run_exports(job_runtime)
    for params, page in zip(asked, pages, strict=True):
        shown = staff.get(page).text
        assert 'data-state="finished"' in shown and "hx-get" not in shown
        rows = csv_rows(staff.get(page + "/file"))
        assert rows[0] == [
            "订单号",
            "客户",
            "状态",
            "金额（元）",
            "收货人",
            "收货人手机（已脱敏）",
            "下单时间",
        ]
        listed = staff.get("/admin/orders", params=params).text
        assert [row[0] for row in rows[1:]] == _found(listed), params
        # Every cell the page shows, as it shows it; the export adds the masked mobile.
        # The amount is a plain number in the file and money on the page.
        cells = [[*row[:3], _as_shown(row[3]), row[4], row[6]] for row in rows[1:]]
        assert cells == _cells(listed), params
        assert f"{len(rows) - 1} 行" in shown and 'id="download"' in shown
    (line,) = csv_rows(staff.get(pages[1] + "/file"))[1:]
    first = orders.first
    assert line[3] == format_yuan(first.total_fen)
    assert line[4] == first.receiver_name_masked and line[5] == first.receiver_mobile_masked
    everything = staff.get(pages[0] + "/file").content.decode("utf-8-sig")
    assert "13800000000" not in everything and "张三" not in everything


async def test_a_large_export_is_asked_first_with_its_count_and_keeps_the_sort(
    orders: Orders, staff: httpx.Client, job_runtime: JobRuntime
) -> None:
    listed = staff.get("/admin/orders", params={"sort": "total", "direction": "asc", "page": "1"})
    form = re.search(
        r'<form method="post" action="/admin/orders/export".*?</form>', listed.text, re.S
    )
    assert form and 'name="sort" value="total"' in form[0] and 'name="page"' not in form[0]
    token = csrf_token_of(staff, "/admin/orders")
    sort = {"sort": "total", "direction": "asc"}
    asked = staff.post(STAFF_EXPORT, data={"csrf_token": token, **sort})
    assert asked.status_code == 200  # the confirmation: nothing started
    assert "将按当前筛选条件导出 3 行" in asked.text
    assert 'name="sort" value="total"' in asked.text and 'name="confirm" value="1"' in asked.text
    assert await sql(orders.shop.world.database, "SELECT count(*) FROM job_progress") == [(0,)]
    page = ask_export(staff, STAFF_EXPORT, sort, confirm=True)
    await run_exports(job_runtime)
    rows = csv_rows(staff.get(page + "/file"))
    listed_all = staff.get("/admin/orders", params=sort).text
    assert [row[0] for row in rows[1:]] == _found(listed_all) and len(rows) == 4
    [(action, actor, details)] = await sql(
        orders.shop.world.database,
        "SELECT action, actor_name, details FROM audit_log WHERE action = 'export.start'",
    )
    assert (action, actor) == ("export.start", "operator1")
    assert details == {"export": "orders.search", "filters": sort, "rows": 3}


async def test_bad_filters_are_refused_before_anything_starts(
    orders: Orders, staff: httpx.Client
) -> None:
    token = csrf_token_of(staff, "/admin/orders")
    for bad in ({"status": "lost"}, {"colour": "red"}, {"from": "2026-13-01"}):
        refused = staff.post(STAFF_EXPORT, data={"csrf_token": token, **bad})
        assert refused.status_code == 422, bad
    assert staff.post(STAFF_EXPORT, data={"status": "accepted"}).status_code == 403  # no CSRF
    assert await sql(orders.shop.world.database, "SELECT count(*) FROM job_progress") == [(0,)]


async def test_the_workbench_export_keeps_a_tenant_to_its_own_orders_and_its_asker(
    orders: Orders, hcm: str, job_runtime: JobRuntime
) -> None:
    with client_as(hcm, "acme-user") as acme:
        assert 'action="/workbench/orders/export"' in acme.get("/workbench/orders").text
        mine = ask_export(acme, OWN_EXPORT, {})
        accepted = ask_export(acme, OWN_EXPORT, {"status": "accepted"})
        shipped = ask_export(acme, OWN_EXPORT, {"status": "shipped"})
        token = csrf_token_of(acme, "/workbench/orders")
        for bad in ({"status": "lost"}, {"tenant": "1"}):
            assert acme.post(OWN_EXPORT, data={"csrf_token": token, **bad}).status_code == 422
        assert acme.post(STAFF_EXPORT, data={"csrf_token": token}).status_code == 403
        await run_exports(job_runtime)
        rows = csv_rows(acme.get(mine + "/file"))
        assert rows[0] == [
            "订单号",
            "状态",
            "金额（元）",
            "收货人",
            "收货人手机（已脱敏）",
            "下单时间",
        ]
        assert [row[0] for row in rows[1:]] == ["PO-1002", "PO-1001"]
        assert rows[1][2] == format_yuan(orders.second.total_fen)
        assert [r[0] for r in csv_rows(acme.get(accepted + "/file"))[1:]] == ["PO-1002", "PO-1001"]
        assert csv_rows(acme.get(shipped + "/file"))[1:] == []
    with client_as(hcm, "beta-admin") as beta:
        own = ask_export(beta, OWN_EXPORT, {})
        await run_exports(job_runtime)
        assert [row[0] for row in csv_rows(beta.get(own + "/file"))[1:]] == ["PO-BETA-1"]
        for path in (mine, mine + "/file"):  # acme's export, asked by another tenant
            refused = beta.get(path)
            assert refused.status_code == 404 and "PO-1001" not in refused.text
    with client_as(hcm, "acme-admin") as colleague:  # the same tenant, another user
        assert colleague.get(mine + "/file").status_code == 404
        assert colleague.get(mine).status_code == 404
    with client_as(hcm, "operator1") as operator:
        staff_path = mine.replace("/workbench/", "/admin/")
        assert operator.get(staff_path + "/file").status_code == 404
        assert operator.get(mine + "/file").status_code == 403
    tenants = await sql(
        orders.shop.world.database,
        "SELECT tenant_id, actor_name FROM audit_log WHERE action = 'export.start' ORDER BY id",
    )
    world = orders.shop.world
    assert tenants == [(world.acme, "acme-user")] * 3 + [(world.beta, "beta-admin")]


async def test_an_expired_export_is_refused_and_purged(
    orders: Orders, staff: httpx.Client, job_runtime: JobRuntime, settings: Settings
) -> None:
    page = ask_export(staff, STAFF_EXPORT, {"number": "PO-1001"})
    await run_exports(job_runtime)
    assert staff.get(page + "/file").status_code == 200
    progress_id = int(page.rsplit("/", 1)[1])
    await sql(
        orders.shop.world.database,
        "UPDATE job_progress SET finished_at = now() - interval '25 hours' WHERE id = :p",
        p=progress_id,
    )
    assert staff.get(page + "/file").status_code == 409
    assert 'id="export-expired"' in staff.get(page).text
    (written,) = settings.exports_dir.glob(f"{progress_id}-*.csv")
    assert export_files.purge(settings.exports_dir, timedelta(hours=24)) == 0  # written now
    assert export_files.purge(settings.exports_dir, timedelta(seconds=-1)) == 1
    assert not written.exists()


@pytest.mark.browser
async def test_an_export_is_confirmed_followed_and_downloaded_in_the_browser(
    orders: Orders, hcm: str, browser: Browser, job_runtime: JobRuntime
) -> None:
    page = await browser.new_page(
        locale="zh-CN", viewport={"width": 1366, "height": 768}, accept_downloads=True
    )
    page.set_default_timeout(20_000)
    await submit_login(page, hcm, "operator1", PASSWORD)
    await page.wait_for_url(f"{hcm}/")
    listed = f"{hcm}/admin/orders?sort=total&direction=asc"
    await page.goto(listed)
    await page.get_by_role("button", name="导出 CSV").click()
    await expect(page.locator("#confirm-scope")).to_contain_text("导出 3 行")  # over 2: asked
    # 返回 on the question goes back to the list as it was sorted
    await expect(page.locator("#back")).to_have_attribute("href", listed.removeprefix(hcm))
    await save_screenshot(page, "export_confirm", full_page=False)
    await page.locator("#confirm-start").click()
    await page.wait_for_url(re.compile(r".*/admin/exports/\d+$"))
    await expect(page.locator("#progress-box")).to_have_attribute("data-state", "queued")
    await expect(page.locator("#asked")).to_contain_text("排序：金额")
    await run_exports(job_runtime)  # the worker writes the file; htmx polls the result in
    await expect(page.locator("#progress-box")).to_have_attribute("data-state", "finished")
    await expect(page.locator("#file-facts")).to_contain_text("3 行")
    await expect(page.locator("#rows")).to_have_text("3")
    await save_screenshot(page, "export_finished", full_page=False)
    assert await accessibility_problems(page) == []
    async with page.expect_download() as download_info:
        await page.locator("#download").click()
    download = await download_info.value
    assert re.fullmatch(r"orders-\d{8}-\d{4}\.csv", download.suggested_filename)
    data = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").count("\r\n") == 4
    await page.locator("#back").click()  # 返回: the list with its sort, as it was left
    await page.wait_for_url(listed)
    await expect(page.locator('th[aria-sort="ascending"]')).to_contain_text("金额")
    await page.close()
