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


# A 10 % margin floor cuts through the simulator's seeded phones. Worked out by hand:
# margin = (retail - purchase) / retail, e.g. (5590 - 4923) / 5590 = 11.93 %.
PREVIEW_CONDITIONS = CONDITIONS.model_copy(update={"min_margin_percent": Decimal(10)})
PREVIEW_ADDS = {  # SKU: (purchase fen, retail fen); margins 11.93 % to 17.37 %
    "100001079296": (4844, 5590),
    "100001079840": (4619, 5590),
    "100001080112": (4740, 5590),
    "100001080656": (4843, 5590),
    "100001080792": (4708, 5590),
    "100001080928": (4660, 5590),
    "100001081064": (4648, 5590),
    "100001081200": (4675, 5590),
    "100001081744": (4821, 5590),
    "100001082016": (4788, 5590),
    "100001082288": (4923, 5590),
    "100001082424": (4878, 5590),
}
PREVIEW_MARGIN_REFUSALS = {
    "100001079432": "margin 6.15% below 10%",  # (5590 - 5246) / 5590
    "100001080384": "margin 7.42% below 10%",
    "100001080520": "margin 8.64% below 10%",  # (5590 - 5107) / 5590
    "100001081608": "margin 5.87% below 10%",
    "100001081880": "margin 7.42% below 10%",  # (5590 - 5175) / 5590
    "100001082152": "margin 7.82% below 10%",  # (5590 - 5153) / 5590
    "100001082560": "margin 8.01% below 10%",
    "100001082832": "margin 6.73% below 10%",
    "100001083104": "margin 8.18% below 10%",
    "100001083240": "margin 9.25% below 10%",
}


def test_margin_percent_known_values() -> None:
    assert margin_percent(4923, 5590) == 11.93  # 667 / 5590 = 11.932…
    assert margin_percent(5246, 5590) == 6.15  # 344 / 5590 = 6.153…
    assert margin_percent(4844, 5590) == 13.35  # 746 / 5590 = 13.345…: rounds up
    assert margin_percent(1, 3) == 66.67 and margin_percent(2, 3) == 33.33
    assert margin_percent(0, 100) == 100.0 and margin_percent(100, 100) == 0.0
    assert margin_percent(150, 100) == -50.0  # sold below cost
    assert margin_percent(100, 0) == 0.0 and margin_percent(100, -5) == 0.0  # no price: none


async def test_preview_changes_nothing_and_run_adds_what_it_showed(world: World) -> None:
    rule_id = await _rule(world, PREVIEW_CONDITIONS)
    preview = await rules.preview_rule(world.database, world.adapter, rule_id, stock_areas=AREAS)
    assert {c.sku: (c.purchase_fen, c.retail_fen) for c in preview.would_add} == PREVIEW_ADDS
    for candidate in preview.would_add:
        assert candidate.good_rate is not None and candidate.good_rate >= Decimal("0.9")
        assert candidate.in_stock
    margin_refusals = {s: r for s, r in preview.refused.items() if r.startswith("margin")}
    assert margin_refusals == PREVIEW_MARGIN_REFUSALS
    assert preview.refused["100001079568"] == "out of stock"
    async with world.database.platform_transaction() as session:
        assert await session.scalar(text("SELECT count(*) FROM products")) == 0

    report, removed = await rules.run_rule(
        world.database, world.adapter, ADMIN, rule_id, stock_areas=AREAS
    )
    assert sorted(report.added) == sorted(PREVIEW_ADDS)
    assert removed == []
    async with world.database.platform_transaction() as session:
        recorded = await session.scalar(
            text("SELECT count(*) FROM selection_records WHERE rule_id = :r"), {"r": rule_id}
        )
    assert recorded == len(PREVIEW_ADDS)


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


async def test_a_job_running_its_rule_again_repeats_nothing(world: World) -> None:
    rule_id = await _rule(world)
    first, _ = await rules.run_rule(
        world.database, world.adapter, ADMIN, rule_id, stock_areas=AREAS, job_id=41
    )
    again, removed = await rules.run_rule(
        world.database, world.adapter, ADMIN, rule_id, stock_areas=AREAS, job_id=41
    )
    assert first.added and (again.added, again.unchanged, removed) == ([], [], [])
    await rules.run_rule(world.database, world.adapter, ADMIN, rule_id, stock_areas=AREAS)
    async with world.database.platform_transaction() as session:
        runs = (
            await session.execute(
                text("SELECT job_id, status, added FROM rule_runs WHERE rule_id = :r ORDER BY id"),
                {"r": rule_id},
            )
        ).all()
        records = await session.scalar(
            text("SELECT count(*) FROM selection_records WHERE rule_run_id = :r"),
            {"r": await session.scalar(text("SELECT id FROM rule_runs WHERE job_id = 41"))},
        )
    # A run from the console (no job) is always a run of its own.
    assert runs[0] == (41, "finished", len(first.added))
    assert [run[:2] for run in runs[1:]] == [(None, "finished")]
    assert records == len(first.added)


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
