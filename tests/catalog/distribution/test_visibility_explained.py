"""The operators' visibility check: which pools show a product to a tenant and why the others
do not — each pool's reasons agree with the one rule for every product and tenant, and the
console page answers it, refusing bad input with the field named."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from hive.apps.hcm import create_hcm_app
from hive.catalog.distribution import service as distribution
from hive.catalog.distribution.explain import Visibility, explain_visibility
from hive.catalog.distribution.models import PoolKind
from hive.customers import service as customers
from hive.platform.config import Settings
from hive.platform.permissions import Role
from tests.catalog.distribution.conftest import (
    GIFT_NUTS,
    NUTS,
    OPERATOR,
    PHONE,
    World,
    grade_of,
    make_pool,
)
from tests.support.console import sign_in
from tests.support.factories import make_user
from tests.support.servers import running_server


@pytest.fixture
async def pools(world: World) -> dict[str, int]:
    gold, silver = (
        await grade_of(world.database, world.acme),
        await grade_of(world.database, world.beta),
    )
    made = {
        "default": await make_pool(world.database, "全部", PoolKind.DEFAULT, grades=[silver]),
        "phones": await make_pool(
            world.database, "手机专区", PoolKind.CATEGORY, [2], grades=[gold]
        ),
        "gift": await make_pool(
            world.database,
            "acme 专属",
            PoolKind.EXCLUSIVE,
            [world.products[GIFT_NUTS]],
            tenants=[world.acme],
        ),
        "food": await make_pool(
            world.database, "食品专区", PoolKind.CATEGORY, [10], tenants=[world.acme]
        ),
    }
    async with world.database.platform_transaction() as session:
        await distribution.set_pool_active(session, OPERATOR, made["food"], active=False)
    return made


async def _explain(world: World, product: int, tenant_id: int) -> Visibility:
    async with world.database.platform_transaction() as session:
        tenant = await customers.get_tenant(session, tenant_id)
        return await explain_visibility(session, OPERATOR, world.products[product], tenant)


def _by_pool(answer: Visibility, pools: dict[str, int]) -> dict[str, tuple[bool, tuple[str, ...]]]:
    names = {pool_id: name for name, pool_id in pools.items()}
    return {names[v.pool_id]: (v.shows, v.reasons) for v in answer.pools}


async def test_each_pool_says_whether_it_shows_the_product_and_why_not(
    world: World, pools: dict[str, int]
) -> None:
    phone = await _explain(world, PHONE, world.acme)
    assert phone.visible and phone.sellable
    assert _by_pool(phone, pools) == {
        "default": (False, ("not_assigned",)),
        "phones": (True, ()),
        "gift": (False, ("not_held",)),
        "food": (False, ("off", "not_held")),
    }
    assert [v.assigned_by for v in phone.pools if v.pool_id == pools["phones"]] == [("grade",)]
    reserved = await _explain(world, GIFT_NUTS, world.beta)
    assert not reserved.visible and reserved.withheld
    assert _by_pool(reserved, pools)["default"] == (False, ("withheld",))
    assert _by_pool(reserved, pools)["gift"] == (False, ("not_assigned",))
    switched_off = await _explain(world, NUTS, world.acme)
    assert not switched_off.visible
    assert _by_pool(switched_off, pools)["food"] == (False, ("off",))


async def test_the_reasons_agree_with_the_rule_for_every_product_and_tenant(
    world: World, pools: dict[str, int]
) -> None:
    for tenant_id in (world.acme, world.beta, world.gamma):
        for index in range(len(world.products)):
            answer = await _explain(world, index, tenant_id)
            assert any(v.shows for v in answer.pools) == answer.visible, (tenant_id, index)


@pytest.fixture
def hcm(settings: Settings, world: World) -> Iterator[str]:
    with running_server(create_hcm_app(settings, settings.database_url)) as url:
        yield url


async def test_the_console_page_answers_and_refuses_bad_input(
    hcm: str, world: World, pools: dict[str, int]
) -> None:
    await make_user(world.database, "operator1", "operator-pass-1", role=Role.OPERATOR)
    await make_user(world.database, "acme-admin", "tenant-pass-1", tenant_id=world.acme)
    page = "/admin/catalog/distribution/visibility"
    with httpx.Client(base_url=hcm, timeout=30) as client:
        sign_in(client, "operator1", "operator-pass-1")
        assert 'id="visibility-link"' in client.get("/admin/catalog/distribution").text
        empty = client.get(page)
        assert empty.status_code == 200 and 'id="answer"' not in empty.text
        # From a product's page: the product filled in, the tenant still to choose.
        product = world.products[PHONE]
        linked = client.get(f"/admin/catalog/products/{product}")
        assert f'{page}?product_id={product}"' in linked.text
        half = client.get(page, params={"product_id": str(product)})
        assert half.status_code == 200 and f'value="{product}"' in half.text
        assert 'id="problems"' not in half.text
        params = {"product_id": str(world.products[GIFT_NUTS]), "tenant": "beta"}
        answer = client.get(page, params=params)
        assert answer.status_code == 200 and 'data-visible="no"' in answer.text
        row = re.search(rf'data-pool="{pools["default"]}"[^>]*data-reasons="([^"]*)"', answer.text)
        assert row and row[1] == "withheld"
        assert "此商品为专属池保留" in answer.text
        by_id = client.get(page, params={**params, "tenant": str(world.acme)})
        assert 'data-visible="yes"' in by_id.text
        for bad, status in [
            ({"product_id": "abc", "tenant": "beta"}, 422),
            ({"product_id": "99999999", "tenant": "beta"}, 404),
            ({"product_id": "1", "tenant": "nobody"}, 404),
            ({"product_id": "1", "tenant": ""}, 422),
            ({"product_id": "1", "tenant": "beta", "x": "1"}, 422),
        ]:
            refused = client.get(page, params=bad)
            assert refused.status_code == status, (bad, refused.status_code)
            assert 'id="problems"' in refused.text and 'id="answer"' not in refused.text
    with httpx.Client(base_url=hcm, timeout=30) as tenant:
        sign_in(tenant, "acme-admin", "tenant-pass-1")
        assert tenant.get(page, params=params).status_code in (403, 404)
