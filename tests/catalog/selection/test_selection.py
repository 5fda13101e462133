"""Selecting supplier SKUs into the pool: whole products or nothing, every attempt recorded."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from hive.catalog import reference
from hive.catalog.pool import service as pool
from hive.catalog.selection import service as selection
from hive.catalog.snapshot import NOT_IN_SUPPLIER_POOL, fetch_snapshots
from hive.platform.db import Database
from tests.catalog.selection.conftest import AREAS, World
from tests.support.factories import ADMIN


async def _rows(database: Database, sql: str) -> list[tuple[object, ...]]:
    async with database.platform_transaction() as session:
        return [tuple(row) for row in (await session.execute(text(sql))).all()]


async def test_selected_skus_become_complete_pool_products(world: World) -> None:
    await reference.sync_categories(world.database, world.adapter)
    skus = await world.orderable_skus("手机", 5)
    report = await selection.select_skus(
        world.database, world.adapter, ADMIN, skus, stock_areas=AREAS
    )
    assert sorted(report.added) == sorted(skus)
    assert not report.failed
    products = await _rows(
        world.database,
        "SELECT supplier_sku, purchase_price_fen, retail_price_fen, category_id, status, "
        "search_vector::text, stock FROM products ORDER BY id",
    )
    assert sorted(p[0] for p in products) == sorted(skus)
    for _sku, purchase, retail, category, status, vector, stock in products:
        assert 0 < purchase <= retail
        assert category is not None
        assert status == "active"
        assert "手机" in str(vector)
        assert "1" in stock  # Beijing's stock is tracked
    assert len(await _rows(world.database, "SELECT 1 FROM product_changes")) == 5
    events = await _rows(world.database, "SELECT type FROM domain_events")
    assert [e[0] for e in events] == ["catalog.product_added"] * 5
    records = await _rows(world.database, "SELECT outcome, actor_name FROM selection_records")
    assert records == [("added", "test-admin")] * 5


async def test_unknown_skus_fail_with_a_reason_and_write_nothing_else(world: World) -> None:
    good = await world.orderable_skus("笔记本", 2)
    report = await selection.select_skus(
        world.database, world.adapter, ADMIN, [*good, "999999999999"], stock_areas=AREAS
    )
    assert report.failed == {"999999999999": NOT_IN_SUPPLIER_POOL}
    assert sorted(report.added) == sorted(good)
    failed = await _rows(
        world.database,
        "SELECT supplier_sku, outcome, reason, product_id FROM selection_records "
        "WHERE outcome = 'failed'",
    )
    assert failed == [("999999999999", "failed", NOT_IN_SUPPLIER_POOL, None)]
    assert len(await _rows(world.database, "SELECT 1 FROM products")) == 2


async def test_supplier_down_during_selection_imports_nothing(world: World) -> None:
    skus = await world.orderable_skus("手机", 3)
    world.simulator.set_faults(error_5001_rate=1.0)
    report = await selection.select_skus(
        world.database, world.adapter, ADMIN, skus, stock_areas=AREAS
    )
    assert report.added == []
    # The first failures are the supplier's own; then the breaker cuts the method off.
    assert set(report.failed.values()) <= {"supplier_unavailable", "supplier_circuit_open"}
    assert set(report.failed) == set(skus)
    assert await _rows(world.database, "SELECT 1 FROM products") == []
    outcomes = await _rows(world.database, "SELECT DISTINCT outcome FROM selection_records")
    assert outcomes == [("failed",)]


async def test_removed_products_come_back_when_selected_again(world: World) -> None:
    skus = await world.orderable_skus("手机", 1)
    await selection.select_skus(world.database, world.adapter, ADMIN, skus, stock_areas=AREAS)
    product_id = (await _rows(world.database, "SELECT id FROM products"))[0][0]
    async with world.database.platform_transaction() as session:
        await pool.change_status(session, ADMIN, int(str(product_id)), "removed", reason="test")
    again = await selection.select_skus(
        world.database, world.adapter, ADMIN, skus, stock_areas=AREAS
    )
    assert again.restored == skus
    statuses = await _rows(world.database, "SELECT status FROM products")
    assert statuses == [("active",)]
    history = await _rows(world.database, "SELECT source FROM product_changes ORDER BY id")
    assert [h[0] for h in history] == ["selection", "operator", "selection"]


async def test_reference_data_sync_mirrors_categories_and_stores_areas(world: World) -> None:
    first = await reference.sync_categories(world.database, world.adapter)
    second = await reference.sync_categories(world.database, world.adapter)
    assert first.categories == second.categories > 0
    assert first.newly_mapped == first.categories
    assert second.newly_mapped == 0
    mapped = await _rows(
        world.database,
        "SELECT c.name, c.level FROM supplier_categories s "
        "JOIN categories c ON c.id = s.mapped_category_id WHERE s.category_id = 655",
    )
    assert mapped == [("手机", 3)]
    areas = await reference.sync_areas(world.database, world.adapter, depth=2)
    assert areas.areas > 34
    provinces = await _rows(world.database, "SELECT name FROM areas WHERE id = 1")
    assert provinces == [("北京",)]


async def test_concurrent_category_syncs_mirror_each_category_once(world: World) -> None:
    """The three demo rules ran at once on a fresh platform and each mirrored the first
    supplier category (数码) and its subtree: three 数码 roots in every category picker."""
    reports = await asyncio.gather(
        *(reference.sync_categories(world.database, world.adapter) for _ in range(3))
    )
    assert sum(r.newly_mapped for r in reports) == reports[0].categories
    duplicates = await _rows(
        world.database,
        "SELECT parent_id, name FROM categories GROUP BY parent_id, name HAVING count(*) > 1",
    )
    assert duplicates == []
    orphans = await _rows(
        world.database,
        "SELECT c.name FROM categories c WHERE NOT EXISTS "
        "(SELECT 1 FROM supplier_categories s WHERE s.mapped_category_id = c.id)",
    )
    assert orphans == []


async def test_the_first_selection_learns_the_supplier_categories_and_provinces(
    world: World,
) -> None:
    """Nobody synced reference data before: the category facet and the tenant's category
    column were empty on a fresh platform. Selecting learns them."""
    skus = await world.orderable_skus("智能手机", 3)
    await selection.select_skus(world.database, world.adapter, ADMIN, skus, stock_areas=AREAS)
    named = await _rows(
        world.database,
        "SELECT c.name FROM products p JOIN categories c ON c.id = p.category_id",
    )
    assert len(named) == 3 and all(name == "手机" for (name,) in named)
    provinces = await _rows(world.database, "SELECT name FROM areas WHERE level = 1")
    assert ("北京",) in provinces
    more = await world.orderable_skus("笔记本电脑", 2)
    batch = await fetch_snapshots(world.adapter, more, AREAS)
    assert not await reference.ensure_categories(  # the whole tree is known: no second sync
        world.database, world.adapter, batch.snapshots.values()
    )
