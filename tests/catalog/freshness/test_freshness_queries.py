"""The reads that choose what the active refresh and calibration look at, page by page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hive.catalog.freshness import repository as fresh_repo
from hive.platform.crypto import SecretBox
from hive.suppliers import service as suppliers
from hive.suppliers.schemas import SupplierCreate
from hive.suppliers.types import SupplierKind
from tests.catalog.freshness.conftest import World
from tests.catalog.freshness.test_feed_messages import pooled
from tests.support.factories import ADMIN

SINCE = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


async def _ids(world: World) -> list[int]:
    await pooled(world, 4)
    return [row[0] for row in await world.sql("SELECT id FROM products ORDER BY id")]


async def _recent(world: World, *, after_id: int = 0, limit: int = 100) -> list[int]:
    async with world.database.platform_transaction() as session:
        rows = await fresh_repo.recent_products(session, SINCE, after_id=after_id, limit=limit)
    return [row["id"] for row in rows]


async def _page(
    world: World, supplier_id: int, *, after_id: int = 0, limit: int = 100
) -> list[int]:
    async with world.database.platform_transaction() as session:
        rows = await fresh_repo.pool_page(session, supplier_id, after_id=after_id, limit=limit)
    return [row["id"] for row in rows]


async def test_recent_products_are_viewed_or_ordered_at_or_after_since_and_not_removed(
    world: World,
) -> None:
    viewed, ordered, removed, before, *_ = await _ids(world)
    await world.sql("UPDATE products SET last_viewed_at = NULL, last_ordered_at = NULL")
    await world.sql("UPDATE products SET last_viewed_at = :t WHERE id = :i", t=SINCE, i=viewed)
    await world.sql("UPDATE products SET last_ordered_at = :t WHERE id = :i", t=SINCE, i=ordered)
    await world.sql(
        "UPDATE products SET last_viewed_at = :t, status = 'removed' WHERE id = :i",
        t=SINCE,
        i=removed,
    )
    await world.sql(
        "UPDATE products SET last_viewed_at = :t, last_ordered_at = :t WHERE id = :i",
        t=SINCE - timedelta(microseconds=1),
        i=before,
    )

    assert await _recent(world) == [viewed, ordered]  # the boundary itself counts
    assert await _recent(world, limit=1) == [viewed]  # pages in id order
    assert await _recent(world, after_id=viewed, limit=1) == [ordered]
    assert await _recent(world, after_id=ordered) == []


async def test_a_pool_page_is_the_suppliers_products_not_removed_in_id_order(
    world: World,
) -> None:
    ids = await _ids(world)
    removed, elsewhere = ids[1], ids[2]
    async with world.database.platform_transaction() as session:
        data = SupplierCreate(name="另一家", kind=SupplierKind.WAREHOUSE)
        other = (await suppliers.create_supplier(session, ADMIN, data, SecretBox("x" * 32))).id
    await world.sql("UPDATE products SET status = 'removed' WHERE id = :i", i=removed)
    await world.sql("UPDATE products SET supplier_id = :s WHERE id = :i", s=other, i=elsewhere)
    expected = [i for i in ids if i not in (removed, elsewhere)]

    assert await _page(world, world.supplier_id) == expected
    assert await _page(world, world.supplier_id, limit=2) == expected[:2]
    assert await _page(world, world.supplier_id, after_id=expected[1], limit=2) == expected[2:4]
    assert await _page(world, other) == [elsewhere]
