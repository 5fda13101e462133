"""Rules (preview, run, later removal) and the operators' live upstream search."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from hive.catalog.errors import UpstreamSearchUnavailable
from hive.catalog.selection import rules
from hive.catalog.selection import service as selection
from hive.catalog.selection.schemas import RuleConditions, RuleCreate
from hive.catalog.selection.tasks import run_scheduled_rules
from hive.catalog.snapshot import margin_percent
from hive.platform.jobs import JobRuntime
from hive.suppliers import service as suppliers
from hive.suppliers.schemas import SupplierCreate
from hive.suppliers.types import SearchQuery
from tests.catalog.selection.conftest import AREAS, World
from tests.support.factories import ADMIN
from tests.support.vop import SECRETS

CONDITIONS = RuleConditions(
    keywords=["手机"],
    min_margin_percent=Decimal(3),
    min_good_rate=Decimal("0.9"),
    require_in_stock=True,
    max_products=15,
)


async def _rule(world: World, conditions: RuleConditions = CONDITIONS) -> int:
    async with world.database.platform_transaction() as session:
        data = RuleCreate(name="优质手机", supplier_id=world.supplier_id, conditions=conditions)
        return (await rules.create_rule(session, ADMIN, data)).id


async def test_preview_changes_nothing_and_run_adds_what_it_showed(world: World) -> None:
    rule_id = await _rule(world)
    preview = await rules.preview_rule(world.database, world.adapter, rule_id, stock_areas=AREAS)
    assert 0 < len(preview.would_add) <= 15
    for candidate in preview.would_add:
        assert margin_percent(candidate.purchase_fen, candidate.retail_fen) >= 3
        assert candidate.good_rate is not None and candidate.good_rate >= Decimal("0.9")
        assert candidate.in_stock
    assert preview.refused  # some hits fail the conditions, each with a reason
    async with world.database.platform_transaction() as session:
        assert await session.scalar(text("SELECT count(*) FROM products")) == 0

    report, removed = await rules.run_rule(
        world.database, world.adapter, ADMIN, rule_id, stock_areas=AREAS
    )
    assert sorted(report.added) == sorted(c.sku for c in preview.would_add)
    assert removed == []
    async with world.database.platform_transaction() as session:
        recorded = await session.scalar(
            text("SELECT count(*) FROM selection_records WHERE rule_id = :r"), {"r": rule_id}
        )
    assert recorded == len(report.added)


async def test_products_no_longer_meeting_a_rule_are_proposed_for_removal(world: World) -> None:
    rule_id = await _rule(world)
    report, _ = await rules.run_rule(
        world.database, world.adapter, ADMIN, rule_id, stock_areas=AREAS
    )
    stricter = CONDITIONS.model_copy(update={"min_margin_percent": Decimal(99)})
    async with world.database.platform_transaction() as session:
        await session.execute(
            text("UPDATE selection_rules SET conditions = CAST(:c AS jsonb) WHERE id = :r"),
            {"c": stricter.model_dump_json(), "r": rule_id},
        )
    preview = await rules.preview_rule(world.database, world.adapter, rule_id, stock_areas=AREAS)
    assert preview.would_add == []
    assert sorted(p.supplier_sku for p, _ in preview.would_remove) == sorted(report.added)
    _, removed = await rules.run_rule(
        world.database, world.adapter, ADMIN, rule_id, stock_areas=AREAS
    )
    assert sorted(removed) == sorted(report.added)
    async with world.database.platform_transaction() as session:
        statuses = (await session.execute(text("SELECT DISTINCT status FROM products"))).all()
    assert statuses == [("removed",)]


def test_rule_conditions_are_validated() -> None:
    with pytest.raises(ValueError, match="keywords or a category"):
        RuleConditions()
    with pytest.raises(ValueError, match="min_price_fen"):
        RuleConditions(keywords=["a"], min_price_fen=10, max_price_fen=5)
    with pytest.raises(ValueError, match="both allowed and refused"):
        RuleConditions(keywords=["a"], category_whitelist=[1], category_blacklist=[1])
    with pytest.raises(ValueError, match="less than or equal to 1"):
        RuleConditions(keywords=["a"], min_good_rate=Decimal(2))


async def test_upstream_search_flags_pool_members_and_caches_briefly(world: World) -> None:
    upstream = world.upstream()
    query = SearchQuery(keyword="手机", page_size=10)
    first = await upstream.search(world.adapter, query)
    assert first.cached is False
    assert all(hit.pool_status is None for hit in first.hits)
    priced = [hit for hit in first.hits if hit.retail_fen is not None]
    assert priced and all(hit.margin_percent is not None for hit in priced)
    await selection.select_skus(
        world.database, world.adapter, ADMIN, [priced[0].sku], stock_areas=AREAS
    )
    second = await upstream.search(world.adapter, query)
    assert second.cached is True
    statuses = {hit.sku: hit.pool_status for hit in second.hits}
    assert statuses[priced[0].sku] == "active"


async def test_slow_supplier_gives_a_clear_error_within_the_timeout(world: World) -> None:
    world.simulator.set_faults(latency_ms=1500)
    upstream = world.upstream(timeout_s=0.3)
    with pytest.raises(UpstreamSearchUnavailable) as raised:
        await upstream.search(world.adapter, SearchQuery(keyword="手机"))
    assert raised.value.code == "upstream_search_unavailable"
    assert raised.value.details == {"reason": "timeout"}


async def test_scheduled_rules_run_and_a_failing_one_does_not_stop_the_others(
    world: World,
) -> None:
    async with world.database.platform_transaction() as session:
        gone = await suppliers.create_supplier(
            session, ADMIN, SupplierCreate(name="停用仓", kind="warehouse"), SECRETS
        )
        failing = await rules.create_rule(session, ADMIN, _scheduled("停用供应商规则", gone.id))
        await suppliers.set_supplier_enabled(session, ADMIN, gone.id, False)
        good = await rules.create_rule(session, ADMIN, _scheduled("定时手机", world.supplier_id))
        manual = RuleCreate(name="手动规则", supplier_id=world.supplier_id, conditions=CONDITIONS)
        await rules.create_rule(session, ADMIN, manual)
    settings = world.kit.settings
    runtime = JobRuntime(
        settings.database_url, world.database, settings, world.kit.factory().for_supplier_id
    )
    outcome = await run_scheduled_rules(runtime)
    assert outcome.failed == {failing.id: "supplier_disabled"}
    assert list(outcome.added) == [good.id]
    assert outcome.added[good.id] > 0


def _scheduled(name: str, supplier_id: int) -> RuleCreate:
    return RuleCreate(name=name, supplier_id=supplier_id, conditions=CONDITIONS, scheduled=True)
