"""The operators' pricing pages over real HTTP: rules edited as a form (preview first),
refusals in the user's language with nothing written, explain, grades, special prices."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from hive.apps.hcm import create_hcm_app
from hive.catalog.pricing import service as pricing
from hive.platform.config import Settings
from hive.platform.permissions import Role
from tests.catalog.pricing.conftest import Shop
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import make_user


@pytest.fixture
def hcm(settings: Settings, shop: Shop) -> Iterator[str]:
    with running(settings) as url:
        yield url


def running(settings: Settings) -> Iterator[str]:
    from tests.support.servers import running_server

    return running_server(create_hcm_app(settings, settings.database_url))


def _client(hcm: str) -> httpx.Client:
    return httpx.Client(base_url=hcm, timeout=30, follow_redirects=False)


RULE = {
    "scope": "category",
    "category_id": "3",
    "base": "cost_plus",
    "percent": "20",
    "rounding": "nine",
    "band_min": ["0", "", "", "", ""],
    "band_max": ["100", "", "", "", ""],
    "band_adjust": ["5", "", "", "", ""],
}


async def test_an_operator_previews_then_saves_a_rule_and_explains_a_price(
    hcm: str, shop: Shop
) -> None:
    await make_user(shop.database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    grade = await shop.grade("金牌", "0.95")
    product = await shop.product(5000, 9000)
    async with shop.database.platform_transaction() as session:
        await pricing.reprice_products(session, [product])
    with _client(hcm) as client:
        sign_in(client, "operator1", "operator-pass-1")
        token = csrf_token_of(client, "/admin/pricing/rules/new")
        preview = client.post(
            "/admin/pricing/rules", data={**RULE, "csrf_token": token, "intent": "preview"}
        )
        assert preview.status_code == 200
        # 5000 × 1.2 × 0.95 = 5700 (above the 100-yuan band's end? no: 57 yuan, +5 %) = 5985
        # → .9 ending: 5990; was 9000 × 0.95 = 8550.
        assert re.search(r'id="products-moved">1<', preview.text)
        assert "¥59.90" in preview.text and "¥85.50" in preview.text
        assert await shop.sql("SELECT count(*) FROM pricing_rules") == [(1,)]
        saved = client.post(
            "/admin/pricing/rules", data={**RULE, "csrf_token": token, "intent": "save"}
        )
        assert saved.status_code == 303
        assert await shop.price(product, grade) == 5990
        explained = client.get(
            "/admin/pricing/explain", params={"product_id": product, "grade_id": grade}
        )
        steps = re.findall(r'data-step="(\w+)"', explained.text)
        assert steps == ["rule", "base_cost_plus", "grade", "band", "rounding_nine"]
        assert "¥59.90" in explained.text and "一致" in explained.text


async def test_refused_input_is_explained_in_the_users_language_and_nothing_is_written(
    hcm: str, shop: Shop
) -> None:
    await make_user(shop.database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    with _client(hcm) as client:
        sign_in(client, "operator1", "operator-pass-1")
        token = csrf_token_of(client, "/admin/pricing/rules/new")
        bad = {**RULE, "base": "retail_discount", "percent": "100", "csrf_token": token}
        refused = client.post(
            "/admin/pricing/rules", data={**bad, "band_max": ["x", "", "", "", ""]}
        )
        assert refused.status_code == 422
        assert "百分比：不能大于 &lt; 100" in refused.text
        assert "区间上限：须为最多两位小数的金额（元）" in refused.text
        special = client.post(
            "/admin/pricing/special-prices",
            data={
                "csrf_token": token,
                "tenant_id": "12",
                "product_id": "abc",
                "price": "1.234",
                "valid_from": "2026-12-01T00:00",
                "valid_until": "2026-11-01T00:00",
            },
        )
        assert special.status_code == 422
        for line in (
            "：须为整数",
            "特价：须为最多两位小数的金额",
            "失效时间：不能低于最低值",
        ):
            assert line in special.text
        english = client.post(
            "/admin/pricing/rules?lang=en", data={**RULE, "category_id": "999", "csrf_token": token}
        )
        assert english.status_code == 404 and "Category not found" in english.text
    assert await shop.sql("SELECT count(*) FROM pricing_rules") == [(1,)]
    assert await shop.sql("SELECT count(*) FROM pricing_special_prices") == [(0,)]


async def test_grade_coefficients_are_edited_by_admins_only(hcm: str, shop: Shop) -> None:
    await make_user(shop.database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    await make_user(shop.database, "boss", "admin-pass-1", role=Role.PLATFORM_ADMIN)
    grade = await shop.grade("银牌", "1.00")
    with _client(hcm) as client:
        sign_in(client, "operator1", "operator-pass-1")
        token = csrf_token_of(client, "/admin/pricing")
        denied = client.post(
            f"/admin/pricing/grades/{grade}",
            data={"csrf_token": token, "price_coefficient": "0.98"},
        )
        assert denied.status_code == 403
    with _client(hcm) as client:
        sign_in(client, "boss", "admin-pass-1")
        token = csrf_token_of(client, "/admin/pricing")
        bad = client.post(
            f"/admin/pricing/grades/{grade}", data={"csrf_token": token, "price_coefficient": "0"}
        )
        assert bad.status_code == 422 and "系数：不能小于 0.0001" in bad.text
        done = client.post(
            f"/admin/pricing/grades/{grade}",
            data={"csrf_token": token, "price_coefficient": "0.98"},
        )
        assert done.status_code == 303
        page = client.get("/admin/pricing")
        assert 'value="0.98"' in page.text and f"客户等级 #{grade} 系数变更" in page.text  # the run
