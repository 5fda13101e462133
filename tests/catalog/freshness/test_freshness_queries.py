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


async def _sort_last_by_sku(world: World, product_id: int) -> None:
    """Give a product the SKU that sorts last (rewriting its row, too): the ids were given in
    SKU order, so a read by the supplier's SKU index, or in storage order, would return id
    order by chance and a page without its ORDER BY id would pass."""
    await world.sql(
        "UPDATE products SET supplier_sku = 'zz-' || supplier_sku WHERE id = :i", i=product_id
    )


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
    await _sort_last_by_sku(world, viewed)

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
    await _sort_last_by_sku(world, expected[0])

    assert await _page(world, world.supplier_id) == expected
    assert await _page(world, world.supplier_id, limit=2) == expected[:2]
    assert await _page(world, world.supplier_id, after_id=expected[1], limit=2) == expected[2:4]
    assert await _page(world, other) == [elsewhere]


async def test_pool_size_counts_the_given_suppliers_products_not_removed(world: World) -> None:
    """What a calibration plans to read: the listed suppliers' pool products, not removed."""
    ids = await _ids(world)
    removed, elsewhere, further = ids[1], ids[2], ids[3]
    async with world.database.platform_transaction() as session:
        other, third = [
            (await suppliers.create_supplier(session, ADMIN, data, SecretBox("x" * 32))).id
            for data in (
                SupplierCreate(name="另一家", kind=SupplierKind.WAREHOUSE),
                SupplierCreate(name="第三家", kind=SupplierKind.WAREHOUSE),
            )
        ]
    await world.sql("UPDATE products SET status = 'removed' WHERE id = :i", i=removed)
    await world.sql("UPDATE products SET supplier_id = :s WHERE id = :i", s=other, i=elsewhere)
    await world.sql("UPDATE products SET supplier_id = :s WHERE id = :i", s=third, i=further)
    own = len(ids) - 3

    async with world.database.platform_transaction() as session:
        assert await fresh_repo.pool_size(session, [world.supplier_id]) == own
        assert await fresh_repo.pool_size(session, [world.supplier_id, other]) == own + 1
        assert await fresh_repo.pool_size(session, [third]) == 1
        assert await fresh_repo.pool_size(session, []) == 0
