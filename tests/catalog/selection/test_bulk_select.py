""" "本次搜索全部入池" as a job: asked first, a progress row, resumable by page, cancellable,
a summary with every hit accounted for and reasons in words."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import text

from hive.catalog.selection import bulk
from hive.console.export_jobs import run_export
from hive.platform import progress
from hive.platform.actor import Actor
from hive.platform.jobs import JobRuntime
from hive.platform.permissions import Role
from tests.catalog.selection.conftest import World
from tests.support.accessibility import accessibility_problems
from tests.support.browser import save_screenshot, submit_login
from tests.support.console import csrf_token_of, sign_in

OPERATOR = Actor(user_id=None, username="operator1", role=Role.OPERATOR.value)
SEARCH = {"keyword": "保温杯", "sort": "sales_desc"}


def runtime_of_world(world: World) -> JobRuntime:
    """What the worker hands the job: the database and the supplier adapters."""
    factory = world.kit.factory()
    return JobRuntime("", world.database, world.kit.settings, factory.for_supplier_id)


async def start(world: World, cap: int, hits: int = 10_000) -> int:
    async with world.database.platform_transaction() as session:
        row = await bulk.start_bulk_select(
            session, OPERATOR, world.supplier_id, SEARCH, hits=hits, cap=cap
        )
        return row.id


async def row_of(world: World, progress_id: int) -> progress.JobProgress:
    async with world.database.platform_transaction() as session:
        return await progress.get_progress(session, progress_id)


async def records_per_sku(world: World) -> list[int]:
    async with world.database.platform_transaction() as session:
        rows = await session.execute(
            text("SELECT count(*) FROM selection_records GROUP BY supplier_sku")
        )
        return [n for (n,) in rows]


async def addable(world: World) -> set[str]:
    """The SKUs the run handled (each has a selection record) that the supplier details and
    prices, asked directly: what the run should have added to a fresh pool. Never empty, or a
    run that added nothing would pass."""
    async with world.database.platform_transaction() as session:
        rows = await session.execute(text("SELECT DISTINCT supplier_sku FROM selection_records"))
        handled = sorted(sku for (sku,) in rows)
    detailed: set[str] = set()
    for start in range(0, len(handled), 5):  # a few at a time: the adapter's bulkhead
        chunk = handled[start : start + 5]
        detailed |= {detail.sku for detail in await world.adapter.product_details(chunk)}
    priced = {quote.sku for quote in await world.adapter.prices(sorted(detailed))}
    assert priced, "no handled SKU can be added: the test would prove nothing"
    return priced


async def test_select_all_asks_a_job_whose_summary_accounts_for_every_hit(
    hcm: str, world: World
) -> None:
    with httpx.Client(base_url=hcm, timeout=60) as client:
        sign_in(client, "operator1", "operator-pass-1")
        search = client.get(
            "/admin/catalog/upstream", params={**SEARCH, "supplier_id": world.supplier_id}
        )
        total = int(re.search(r"共 (\d+) 件商品", search.text)[1])  # type: ignore[index]
        asked = re.search(r'name="select_all" value="1" data-confirm="([^"]*)"', search.text)
        assert asked and f"共 {total:,} 个结果" in asked[1] and "单次上限 30 个" in asked[1]
        assert f"超出的 {total - 30:,} 个不处理" in asked[1]  # said before, not after
        token = csrf_token_of(client, "/admin/catalog/upstream")
        started = client.post(
            "/admin/catalog/select",
            data={
                "csrf_token": token,
                "supplier_id": world.supplier_id,
                **SEARCH,
                "select_all": "1",
            },
        )
        assert started.status_code == 303
        page_path = started.headers["location"]
        progress_id = int(page_path.rsplit("/", 1)[1])
        queued = client.get(page_path).text
        assert 'data-state="queued"' in queued and 'hx-trigger="every 2s"' in queued
        assert "已交给后台执行：将处理 30 个结果" in queued
        # The head and 取消任务 every long action's page shares (_job_header, _job_cancel).
        assert f'action="/admin/jobs/{progress_id}/cancel"' in queued
        assert 'id="requested-by">发起人：operator1' in queued
        assert await world.pooled_skus() == set()  # nothing ran in the request
        await bulk.run_bulk_select(runtime_of_world(world), progress_id)
        box = client.get(page_path, params={"fragment": 1}).text
        done_page = client.get(page_path).text
        exported = client.post(
            f"/admin/catalog/select-all/{progress_id}/records/export",
            data={"csrf_token": csrf_token_of(client, page_path)},
        )
        assert exported.status_code == 303, exported.text[:300]
        export_page = exported.headers["location"]
        await run_export(world.database, world.kit.settings, int(export_page.rsplit("/", 1)[1]))
        records = client.get(export_page + "/file")
        listed = client.get("/admin/jobs").text
        running = client.get("/admin/jobs", params={"status": "running"}).text
        unknown = client.get("/admin/jobs", params={"kind": "catalog.reprice_all"})
        english = client.get(page_path, params={"lang": "en"}).text
    assert f'<tr data-job="{progress_id}" data-state="finished">' in listed
    assert "本次搜索全部入池" in listed and "已完成" in listed
    assert "data-job=" not in running and "没有符合筛选条件的记录" in running
    assert unknown.status_code == 422
    assert box.lstrip().startswith('<div id="progress-box"') and "hx-get" not in box
    assert 'data-state="finished"' in box
    counts = {k: int(n) for k, n in re.findall(r'<span id="(\w+)">(\d+)</span>', box)}
    assert counts["done"] == 30 and counts["skipped"] == total - 30
    assert counts["added"] + counts["failed"] == 30  # a fresh pool: nothing restored or kept
    assert counts["restored"] == counts["unchanged"] == 0
    expected = await addable(world)  # what the user should see added, and the pool's rows
    assert counts["added"] == len(expected) and await world.pooled_skus() == expected
    failed = dict(re.findall(r'<tr data-code="(\w+)"><td>[^<]*</td><td>([\d,]+)</td>', box))
    assert sum(int(n) for code, n in failed.items() if code != "over_cap") == counts["failed"]
    assert '<tr data-code="over_cap"><td>超过单次上限，未处理</td>' in box
    assert "over_cap" not in re.sub(r'data-code="[^"]*"', "", box)  # never the raw code
    assert "Over the cap of one run" in english
    assert f'action="/admin/catalog/select-all/{progress_id}/records/export"' in done_page
    assert records.status_code == 200 and records.content.startswith(
        b"\xef\xbb\xbf"
    )  # the BOM: Excel reads it as UTF-8
    lines = list(csv.reader(io.StringIO(records.content.decode("utf-8-sig"))))
    assert lines[0] == ["时间", "SKU", "商品编号", "结果", "原因"] and len(lines) == 31
    outcomes = Counter(line[3] for line in lines[1:])
    assert outcomes == +Counter({"新入池": counts["added"], "失败": counts["failed"]})
    assert all(line[4] and "_" not in line[4] for line in lines[1:] if line[3] == "失败")


async def test_a_run_resumes_from_its_page_and_records_each_sku_once(world: World) -> None:
    runtime = runtime_of_world(world)
    progress_id = await start(world, cap=250)
    assert await bulk.select_next_page(runtime, progress_id)  # page 1, then the worker "dies"
    row = await row_of(world, progress_id)
    assert (row.status, row.done, row.cursor) == ("running", 100, {"page": 2, "handled": 100})
    await bulk.run_bulk_select(runtime, progress_id)  # the job run again goes on from page 2
    await bulk.run_bulk_select(runtime, progress_id)  # and once ended, does nothing more
    row = await row_of(world, progress_id)
    assert (row.status, row.done, row.planned) == ("finished", 250, 250)
    assert row.counts["restored"] == row.counts["unchanged"] == 0  # a fresh pool
    assert row.counts["added"] + row.counts["failed"] == 250
    expected = await addable(world)
    assert row.counts["added"] == len(expected) and await world.pooled_skus() == expected
    assert sum(row.reasons.values()) == row.counts["failed"] + row.counts["skipped"]
    assert set(await records_per_sku(world)) == {1}
    assert len(await records_per_sku(world)) == 250


async def test_a_page_committed_before_its_worker_died_is_not_selected_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = runtime_of_world(world)
    progress_id = await start(world, cap=200)
    assert await bulk.select_next_page(runtime, progress_id)
    advance = progress.advance

    async def dies(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("the worker died after the page committed")

    monkeypatch.setattr(progress, "advance", dies)
    with pytest.raises(RuntimeError):
        await bulk.select_next_page(runtime, progress_id)  # page 2 committed, row not advanced
    monkeypatch.setattr(progress, "advance", advance)
    assert len(await records_per_sku(world)) == 200
    await bulk.run_bulk_select(runtime, progress_id)  # the job run again: page 2 again
    row = await row_of(world, progress_id)
    assert (row.status, row.done, row.planned) == ("finished", 200, 200)
    assert await records_per_sku(world) == [1] * 200  # page 2's records were not written twice
    assert row.counts["unchanged"] == row.counts["restored"] == 0  # a fresh pool
    expected = await addable(world)
    assert row.counts["added"] == len(expected) and await world.pooled_skus() == expected
    assert row.counts["added"] + row.counts["failed"] == 200
    assert sum(n for code, n in row.reasons.items() if code != "over_cap") == row.counts["failed"]


async def test_a_cancelled_run_stops_after_its_page_and_says_what_it_left(world: World) -> None:
    runtime = runtime_of_world(world)
    progress_id = await start(world, cap=250)
    assert await bulk.select_next_page(runtime, progress_id)
    async with world.database.platform_transaction() as session:
        await progress.request_cancel(session, progress_id)
    assert not await bulk.select_next_page(runtime, progress_id)
    row = await row_of(world, progress_id)
    assert (row.status, row.done) == ("cancelled", 100)
    assert row.reasons["cancelled"] == row.counts["skipped"] == 150
    assert len(await records_per_sku(world)) == 100  # the first page only
    expected = await addable(world)
    assert row.counts["added"] == len(expected) and await world.pooled_skus() == expected


def test_select_all_is_refused_to_a_bad_search_and_to_tenants(hcm: str, world: World) -> None:
    with httpx.Client(base_url=hcm, timeout=60) as client:
        sign_in(client, "operator1", "operator-pass-1")
        token = csrf_token_of(client, "/admin/catalog/upstream")
        no_search = client.post(
            "/admin/catalog/select",
            data={"csrf_token": token, "supplier_id": world.supplier_id, "select_all": "1"},
        )
        assert no_search.status_code == 422 and "/admin/jobs/" not in no_search.text
        assert client.get("/admin/jobs/999999").status_code == 404
    with httpx.Client(base_url=hcm, timeout=60) as client:
        sign_in(client, "buyer", "buyer-pass-1")
        assert client.get("/admin/jobs/1").status_code == 403


@pytest.mark.browser
async def test_the_progress_bar_moves_without_a_reload(
    hcm: str, world: World, browser: Browser, tmp_path: Path
) -> None:
    runtime = runtime_of_world(world)
    progress_id = await start(world, cap=250)
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page.set_default_timeout(20_000)
    await submit_login(page, hcm, "operator1", "operator-pass-1")
    await page.wait_for_url(f"{hcm}/")
    await page.goto(f"{hcm}/admin/jobs/{progress_id}")
    await expect(page.locator("#progress-box")).to_have_attribute("data-state", "queued")
    assert await bulk.select_next_page(runtime, progress_id)  # the worker handles page 1
    bar = page.locator("#progress-bar")
    await expect(bar).to_have_attribute("value", "100")  # htmx polled it in
    await expect(bar).to_have_attribute("max", "250")
    await expect(page.locator("#progress-state")).to_contain_text("已处理 100 / 250（40%）")
    await save_screenshot(page, "bulk_select_running", full_page=False)
    await bulk.run_bulk_select(runtime, progress_id)
    await expect(page.locator("#progress-box")).to_have_attribute("data-state", "finished")
    await expect(page.locator("#done")).to_have_text("250")
    expected = await addable(world)
    await expect(page.locator("#added")).to_have_text(str(len(expected)))
    assert await world.pooled_skus() == expected
    await expect(page.locator("#cancel-form")).to_have_count(1)  # the page was not reloaded
    await save_screenshot(page, "bulk_select_finished", full_page=False)
    assert await accessibility_problems(page) == []
    await page.goto(f"{hcm}/admin/jobs")
    await expect(page.locator(f'#jobs tr[data-job="{progress_id}"]')).to_have_count(1)
    assert await accessibility_problems(page) == []
    await page.close()


@pytest.mark.browser
async def test_select_all_is_asked_first_then_followed_in_the_browser(
    hcm: str, world: World, browser: Browser
) -> None:
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page.set_default_timeout(20_000)
    await submit_login(page, hcm, "operator1", "operator-pass-1")
    await page.wait_for_url(f"{hcm}/")
    await page.goto(f"{hcm}/admin/catalog/upstream?keyword=保温杯&supplier_id={world.supplier_id}")
    await page.wait_for_selector("#hits tbody tr[data-sku]")
    button = page.get_by_role("button", name="本次搜索全部入池")
    await button.click()
    dialog = page.locator("#confirm-dialog")
    await expect(dialog).to_be_visible()
    await expect(page.locator("#confirm-text")).to_contain_text("单次上限 30 个")
    await save_screenshot(page, "bulk_select_confirm", full_page=False)
    await page.locator("#confirm-cancel").click()  # nothing is sent
    await expect(dialog).to_be_hidden()
    assert "/admin/catalog/upstream" in page.url
    async with world.database.platform_transaction() as session:
        assert await session.scalar(text("SELECT count(*) FROM job_progress")) == 0
    await button.click()
    await page.locator("#confirm-ok").click()
    await page.wait_for_url(re.compile(r".*/admin/jobs/\d+$"))
    progress_id = int(page.url.rsplit("/", 1)[1])
    await expect(page.locator("#progress-box")).to_have_attribute("data-state", "queued")
    await bulk.run_bulk_select(runtime_of_world(world), progress_id)  # the worker's part
    await expect(page.locator("#progress-box")).to_have_attribute("data-state", "finished")
    await expect(page.locator("#done")).to_have_text("30")
    expected = await addable(world)
    await expect(page.locator("#added")).to_have_text(str(len(expected)))
    assert await world.pooled_skus() == expected
    await expect(page.locator("#reasons tr[data-code=over_cap] td").first).to_have_text(
        "超过单次上限，未处理"
    )
    await page.close()
