"""The catalog pages over real HTTP: search upstream, select into the pool, rules."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser

from hive.catalog.selection import rules
from hive.console.export_jobs import run_export
from hive.platform.actor import SYSTEM
from tests.catalog.selection.conftest import AREAS, World
from tests.support.browser import save_screenshot, submit_login
from tests.support.console import csrf_token_of, sign_in

# Where browser tests leave their screenshots for a person to look at.


def summary_counts(html: str) -> dict[str, int]:
    """The selection summary the operator reads: added, restored, unchanged, failed."""
    return {k: int(n) for k, n in re.findall(r'<span id="(\w+)">(\d+)</span>', html)}


def pool_cells(html: str) -> dict[str, str]:
    """The upstream page's pool column, by SKU."""
    rows = re.findall(r'<tr data-sku="(\d+)">.*?<td class="pool">(.*?)</td>', html, re.S)
    return dict(rows)


ALL_ADDED = {"added": 3, "restored": 0, "unchanged": 0, "failed": 0}


async def test_operator_searches_upstream_and_selects_into_the_pool(hcm: str, world: World) -> None:
    search = {"supplier_id": world.supplier_id, "keyword": "手机", "sort": "sales_desc"}
    with httpx.Client(base_url=hcm, timeout=30) as client:
        sign_in(client, "operator1", "operator-pass-1")
        page = client.get("/admin/catalog/upstream", params=search)
        assert page.status_code == 200
        skus = re.findall(r'<tr data-sku="(\d+)">', page.text)[:3]
        assert len(skus) == 3 and "已入池" not in pool_cells(page.text).values()
        token = csrf_token_of(client, "/admin/catalog/upstream")
        result = client.post(
            "/admin/catalog/select",
            data={"csrf_token": token, "supplier_id": world.supplier_id, "sku": skus},
        )
        assert result.status_code == 200
        assert summary_counts(result.text) == ALL_ADDED
        again = client.get("/admin/catalog/upstream", params=search)
    assert await world.pooled_skus() == set(skus)
    shown = pool_cells(again.text)
    assert [sku for sku, cell in shown.items() if cell == "已入池"] == skus  # those, no others


async def test_bad_selection_input_is_refused(hcm: str, world: World) -> None:
    with httpx.Client(base_url=hcm, timeout=60) as client:
        sign_in(client, "operator1", "operator-pass-1")
        token = csrf_token_of(client, "/admin/catalog/upstream")
        bad_price = client.get(
            "/admin/catalog/upstream",
            params={"supplier_id": world.supplier_id, "keyword": "手机", "min_yuan": "1e9"},
        )
        assert bad_price.status_code == 422
        nothing = client.post(
            "/admin/catalog/select", data={"csrf_token": token, "supplier_id": world.supplier_id}
        )
        assert nothing.status_code == 422
        bad_sku = client.post(
            "/admin/catalog/select",
            data={"csrf_token": token, "supplier_id": world.supplier_id, "sku": "x;drop"},
        )
        assert bad_sku.status_code == 422


def test_rules_page_creates_previews_edits_deletes_and_refuses_bad_rules(
    hcm: str, world: World
) -> None:
    form = {
        "name": "好评手机",
        "supplier_id": world.supplier_id,
        "keywords": "手机",
        "min_good_rate": "90",
        "max_products": "5",
        "require_in_stock": "1",
    }
    with httpx.Client(base_url=hcm, timeout=60) as client:
        sign_in(client, "operator1", "operator-pass-1")
        token = csrf_token_of(client, "/admin/catalog/rules")
        created = client.post("/admin/catalog/rules", data={"csrf_token": token, **form})
        assert created.status_code == 303
        listing = client.get(created.headers["location"]).text
        assert "规则“好评手机”已保存" in listing
        rule_id = re.search(r'data-rule="(\d+)"', listing).group(1)  # type: ignore[union-attr]
        for sentence in ("关键词：手机", "好评率 ≥ 90%", "有货", "最多 5 件"):
            assert f"<li>{sentence}</li>" in listing  # in words, not JSON
        assert "\\u624b" not in listing and "{&#34;" not in listing
        preview = client.post(f"/admin/catalog/rules/{rule_id}/preview", data={"csrf_token": token})
        assert preview.status_code == 200
        assert 0 < int(re.search(r'id="would-add">(\d+)<', preview.text).group(1)) <= 5  # type: ignore[union-attr]
        edit = client.get(f"/admin/catalog/rules/{rule_id}").text
        assert 'name="keywords" type="text" value="手机"' in edit and 'value="90"' in edit
        changed = client.post(
            f"/admin/catalog/rules/{rule_id}",
            data={"csrf_token": token, **form, "name": "好评手机（改）", "min_good_rate": "95"},
        )
        assert changed.status_code == 303
        assert "<li>好评率 ≥ 95%</li>" in client.get("/admin/catalog/rules").text
        bad = client.post(
            "/admin/catalog/rules",
            data={
                "csrf_token": token,
                "name": "坏规则",
                "supplier_id": world.supplier_id,
                "keywords": "",
                "min_margin_percent": "500",
                "min_yuan": "abc",
            },
        )
        assert bad.status_code == 422
        assert 'value="坏规则"' in bad.text  # what was typed stays
        errors = dict(
            re.findall(r'<small class="field-error" id="f-([a-z_]+)-error">([^<]+)<', bad.text)
        )
        assert errors == {
            "keywords": "请输入关键词或选择分类",
            "min_margin_percent": "不能大于 100",
            "min_yuan": "须为最多两位小数的金额（元）",
        }
        for supplier in ("<script>alert(1)</script>", "99999999999999999999", "-1"):
            # A refused form is shown again with what was typed; a supplier id that is not a
            # number, or none of ours, is an error of the form, never a 500.
            odd = client.post(
                "/admin/catalog/rules",
                data={"csrf_token": token, "name": "怪规则", "supplier_id": supplier},
            )
            assert odd.status_code == 422, (supplier, odd.status_code)
            assert 'value="怪规则"' in odd.text
        deleted = client.post(f"/admin/catalog/rules/{rule_id}/delete", data={"csrf_token": token})
        assert deleted.status_code == 303
        after = client.get("/admin/catalog/rules").text
        assert "规则“好评手机（改）”已删除" in after and 'data-rule="' not in after


def test_tenants_cannot_open_catalog_pages(hcm: str) -> None:
    with httpx.Client(base_url=hcm, timeout=30) as client:
        assert client.get("/admin/catalog/upstream").status_code == 303
        sign_in(client, "buyer", "buyer-pass-1")
        assert client.get("/admin/catalog/upstream").status_code == 403
        assert client.get("/admin/catalog/rules").status_code == 403


@pytest.mark.browser
async def test_operator_selects_in_a_real_browser(
    hcm: str, world: World, browser: Browser, tmp_path: Path
) -> None:
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page.set_default_timeout(20_000)
    await submit_login(page, hcm, "operator1", "operator-pass-1")
    await page.wait_for_url(f"{hcm}/")
    await page.goto(f"{hcm}/admin/catalog/upstream")
    await page.get_by_label("关键词").fill("保温杯")
    await page.get_by_role("button", name="搜索").click()
    await page.wait_for_selector("#hits tbody tr[data-sku]")
    await save_screenshot(page, "catalog_upstream", full_page=False)
    box = page.locator("#hits tbody input[type=checkbox]:not([disabled])").first
    sku = await box.get_attribute("value")
    await box.check()
    await page.get_by_role("button", name="选中入池").click()
    await page.wait_for_selector("#summary")
    assert await page.locator("#added").inner_text() == "1"
    assert await page.locator("#failed").inner_text() == "0"
    assert await world.pooled_skus() == {sku}
    await page.go_back()
    await page.reload()
    assert await page.locator(f'#hits tr[data-sku="{sku}"] td.pool').inner_text() == "已入池"


async def test_a_rule_run_is_a_job_with_its_progress_shown(hcm: str, world: World) -> None:
    form = {
        "name": "后台手机",
        "supplier_id": world.supplier_id,
        "keywords": "手机",
        "max_products": "4",
    }
    with httpx.Client(base_url=hcm, timeout=60) as client:
        sign_in(client, "operator1", "operator-pass-1")
        token = csrf_token_of(client, "/admin/catalog/rules")
        client.post("/admin/catalog/rules", data={"csrf_token": token, **form})
        rule_id = int(re.search(r'data-rule="(\d+)"', client.get("/admin/catalog/rules").text)[1])  # type: ignore[index]
        started = client.post(f"/admin/catalog/rules/{rule_id}/run", data={"csrf_token": token})
        assert started.status_code == 303 and "/progress?job=" in started.headers["location"]
        job_id = int(started.headers["location"].rsplit("=", 1)[1])
        queued = client.get(started.headers["location"]).text
        assert 'data-state="queued"' in queued and 'hx-trigger="every 2s"' in queued
        assert "已交给后台执行" in queued
        assert await world.pooled_skus() == set()  # nothing ran in the request
        await rules.run_rule(  # what the worker's job does
            world.database, world.adapter, SYSTEM, rule_id, stock_areas=AREAS, job_id=job_id
        )
        box = client.get(
            f"/admin/catalog/rules/{rule_id}/progress", params={"job": job_id, "fragment": 1}
        )
        full = client.get(f"/admin/catalog/rules/{rule_id}/progress", params={"job": job_id})
        link = re.search(r'<form method="post" action="([^"]+/records/export)"', full.text)
        assert link, "a finished run offers its records"
        token = csrf_token_of(client, f"/admin/catalog/rules/{rule_id}/progress")
        exported = client.post(link[1], data={"csrf_token": token})
        assert exported.status_code == 303, exported.text[:300]
        export_page = exported.headers["location"]
        await run_export(world.database, world.kit.settings, int(export_page.rsplit("/", 1)[1]))
        records = client.get(export_page + "/file")
        other_rule = client.post(
            link[1].replace(f"/rules/{rule_id}/", f"/rules/{rule_id + 1}/"),
            data={"csrf_token": token},
        )
    with httpx.Client(base_url=hcm, timeout=60) as buyer:
        sign_in(buyer, "buyer", "buyer-pass-1")
        posted = {"csrf_token": csrf_token_of(buyer, "/workbench/account")}
        assert buyer.post(link[1], data=posted).status_code == 403  # not a tenant's page
    assert box.text.lstrip().startswith('<div id="progress-box"')  # the box alone, for htmx
    assert 'data-state="finished"' in box.text and "hx-get" not in box.text  # stops polling
    added = int(re.search(r'id="added">(\d+)<', box.text)[1])  # type: ignore[index]
    assert added == len(await world.pooled_skus()) and 0 < added <= 4
    lines = records.content.decode("utf-8-sig").splitlines()
    assert (
        records.status_code == 200
        and records.content.startswith(b"\xef\xbb\xbf")
        and lines[0] == "时间,SKU,商品编号,结果,原因"
    )
    assert sum(",新入池," in line for line in lines[1:]) == added
    assert other_rule.status_code == 404  # a run is read under its own rule only
