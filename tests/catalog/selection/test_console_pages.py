"""The catalog pages over real HTTP: search upstream, select into the pool, rules."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser

from tests.catalog.selection.conftest import World
from tests.support.browser import submit_login
from tests.support.console import csrf_token_of, sign_in

# Where browser tests leave their screenshots for a person to look at.
SCREENSHOTS = Path(os.environ.get("HIVE_TEST_SCREENSHOTS", "/tmp"))


def test_operator_searches_upstream_and_selects_into_the_pool(hcm: str, world: World) -> None:
    with httpx.Client(base_url=hcm, timeout=30) as client:
        sign_in(client, "operator1", "operator-pass-1")
        page = client.get(
            "/admin/catalog/upstream",
            params={"supplier_id": world.supplier_id, "keyword": "手机", "sort": "sales_desc"},
        )
        assert page.status_code == 200
        skus = re.findall(r'<tr data-sku="(\d+)">', page.text)[:3]
        assert len(skus) == 3
        token = csrf_token_of(client, "/admin/catalog/upstream")
        result = client.post(
            "/admin/catalog/select",
            data={"csrf_token": token, "supplier_id": world.supplier_id, "sku": skus},
        )
        assert result.status_code == 200
        added = int(re.search(r'<span id="added">(\d+)</span>', result.text).group(1))  # type: ignore[union-attr]
        failed = int(re.search(r'<span id="failed">(\d+)</span>', result.text).group(1))  # type: ignore[union-attr]
        assert added + failed == 3
        again = client.get(
            "/admin/catalog/upstream",
            params={"supplier_id": world.supplier_id, "keyword": "手机", "sort": "sales_desc"},
        )
        assert again.text.count("已入池") >= added


def test_select_all_hits_is_capped_and_bad_input_is_refused(hcm: str, world: World) -> None:
    with httpx.Client(base_url=hcm, timeout=60) as client:
        sign_in(client, "operator1", "operator-pass-1")
        token = csrf_token_of(client, "/admin/catalog/upstream")
        result = client.post(
            "/admin/catalog/select",
            data={
                "csrf_token": token,
                "supplier_id": world.supplier_id,
                "keyword": "保温杯",
                "select_all": "1",
            },
        )
        assert result.status_code == 200
        counts = [int(n) for n in re.findall(r'<span id="\w+">(\d+)</span>', result.text)]
        assert sum(counts) == 30
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


def test_rules_page_creates_previews_and_refuses_bad_rules(hcm: str, world: World) -> None:
    conditions = {"keywords": ["手机"], "min_good_rate": 0.9, "max_products": 5}
    with httpx.Client(base_url=hcm, timeout=60) as client:
        sign_in(client, "operator1", "operator-pass-1")
        token = csrf_token_of(client, "/admin/catalog/rules")
        created = client.post(
            "/admin/catalog/rules",
            data={
                "csrf_token": token,
                "name": "好评手机",
                "supplier_id": world.supplier_id,
                "conditions": json.dumps(conditions),
            },
        )
        assert created.status_code == 303
        listing = client.get("/admin/catalog/rules").text
        rule_id = re.search(r'data-rule="(\d+)"', listing).group(1)  # type: ignore[union-attr]
        preview = client.post(f"/admin/catalog/rules/{rule_id}/preview", data={"csrf_token": token})
        assert preview.status_code == 200
        assert 0 < int(re.search(r'id="would-add">(\d+)<', preview.text).group(1)) <= 5  # type: ignore[union-attr]
        bad = client.post(
            "/admin/catalog/rules",
            data={
                "csrf_token": token,
                "name": "坏规则",
                "supplier_id": world.supplier_id,
                "conditions": '{"keywords": [], "min_margin_percent": 500}',
            },
        )
        assert bad.status_code == 422
        assert "坏规则" in bad.text


def test_tenants_cannot_open_catalog_pages(hcm: str) -> None:
    with httpx.Client(base_url=hcm) as client:
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
    await page.screenshot(path=str(SCREENSHOTS / "catalog_upstream.png"), full_page=False)
    await page.locator("#hits tbody input[type=checkbox]:not([disabled])").first.check()
    await page.get_by_role("button", name="选中入池").click()
    await page.wait_for_selector("#summary")
    added = await page.locator("#added").inner_text()
    failed = await page.locator("#failed").inner_text()
    assert int(added) + int(failed) == 1
