"""The set-based apply of supplier values: exactly what changed, nothing else, in one go."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from hive.catalog.freshness.apply import apply_bulk
from tests.catalog.freshness.conftest import World
from tests.catalog.freshness.test_feed_messages import pooled, product

STATE = (
    "SELECT supplier_sku, purchase_price_fen, retail_price_fen, tax_rate_percent, "
    "in_supplier_pool, stock, refreshed_at, updated_at FROM products ORDER BY supplier_sku"
)


async def test_each_product_gets_only_the_fields_it_names_and_removed_ones_none(
    world: World,
) -> None:
    priced, left_pool, unchanged, removed = await pooled(world, 4)
    await world.sql(
        "UPDATE products SET purchase_price_fen = 100, retail_price_fen = 150, "
        "tax_rate_percent = 13, stock = '{}'"
    )
    await world.sql("UPDATE products SET status = 'removed' WHERE supplier_sku = :s", s=removed)
    before = {row[0]: row for row in await world.sql(STATE)}
    values = {
        priced: {"purchase_price_fen": 90, "retail_price_fen": 150, "tax_rate_percent": None},
        left_pool: {"in_supplier_pool": False},
        unchanged: {"purchase_price_fen": 100, "stock": {}},
        removed: {"purchase_price_fen": 1},
        "no-such-sku": {"purchase_price_fen": 1},
    }
    async with world.database.platform_transaction() as session:
        result = await apply_bulk(
            session, world.supplier_id, values, source="refresh", as_of=datetime.now(UTC)
        )

    assert result.considered == 3  # the removed product and the unknown SKU are left out
    assert result.changed == {
        priced: {"purchase_price_fen": [100, 90], "tax_rate_percent": [13, None]},
        left_pool: {"in_supplier_pool": [True, False]},
    }
    after = {row[0]: row for row in await world.sql(STATE)}
    assert after[priced][1:4] == (90, 150, None)  # a JSON null is a value: no tax rate now
    assert after[left_pool][1:5] == (100, 150, 13, False)  # fields not named are kept
    assert after[unchanged] == before[unchanged] and after[removed] == before[removed]
    assert after[priced].updated_at > before[priced].updated_at
    assert after[priced].refreshed_at == before[priced].refreshed_at  # no stamp asked for
    events = await world.sql(
        "SELECT e.type, e.payload, p.supplier_sku FROM domain_events e "
        "JOIN products p ON p.id = e.subject_id WHERE e.type <> 'catalog.product_added' "
        "ORDER BY e.id"
    )
    assert [tuple(e) for e in events] == [
        *sorted(
            [
                (
                    "catalog.price_changed",
                    {"changes": {"purchase_price_fen": [100, 90], "tax_rate_percent": [13, None]}},
                    priced,
                ),
                (
                    "catalog.pool_membership_changed",
                    {"changes": {"in_supplier_pool": [True, False]}},
                    left_pool,
                ),
            ],
            key=lambda e: e[2],  # in product order (the SKUs were pooled in id order)
        )
    ]
    history = await world.sql("SELECT count(*) FROM product_changes WHERE source = 'refresh'")
    assert history == [(2,)]


async def test_a_stamp_marks_every_product_read_even_the_unchanged_ones(world: World) -> None:
    (sku,) = await pooled(world, 1)
    before = await product(world, sku)
    values = {sku: {"purchase_price_fen": before["purchase_price_fen"]}}
    async with world.database.platform_transaction() as session:
        result = await apply_bulk(
            session,
            world.supplier_id,
            values,
            source="calibration",
            stamp="calibrated_at",
            as_of=datetime.now(UTC),
        )
    after = await product(world, sku)
    assert result.considered == 1 and not result.changed
    assert after["calibrated_at"] is not None and after["updated_at"] == before["updated_at"]


async def test_a_stamp_alone_marks_products_read_and_changes_nothing_else(world: World) -> None:
    (sku,) = await pooled(world, 1)
    before = await product(world, sku)
    async with world.database.platform_transaction() as session:
        result = await apply_bulk(
            session,
            world.supplier_id,
            {sku: {}},
            source="refresh",
            stamp="refreshed_at",
            as_of=datetime.now(UTC),
        )
    after = await product(world, sku)
    assert result.considered == 1 and not result.changed
    assert after["refreshed_at"] > before["refreshed_at"]
    assert {k: v for k, v in after.items() if k != "refreshed_at"} == {
        k: v for k, v in before.items() if k != "refreshed_at"
    }


async def test_a_field_outside_the_bulk_set_is_refused_before_anything_is_written(
    world: World,
) -> None:
    (sku,) = await pooled(world, 1)
    async with world.database.platform_transaction() as session:
        with pytest.raises(ValueError, match="not settable in bulk"):
            await apply_bulk(
                session,
                world.supplier_id,
                {sku: {"name": "x"}},
                source="refresh",
                as_of=datetime.now(UTC),
            )
    assert await world.sql("SELECT count(*) FROM product_changes WHERE source = 'refresh'") == [
        (0,)
    ]


async def sessions_waiting_for_a_lock(world: World) -> int:
    """Sessions of this database blocked by another one's lock (a row lock shows as a wait
    for the holder's transaction), seen from a connection of its own."""
    rows = await world.sql(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0"
    )
    return int(rows[0][0])


async def test_concurrent_batches_over_the_same_products_apply_one_after_the_other(
    world: World,
) -> None:
    skus = await pooled(world, 6)
    holding, release = asyncio.Event(), asyncio.Event()

    async def apply(order: list[str], price: int, as_of: datetime, *, hold: bool) -> int:
        values = {sku: {"purchase_price_fen": price} for sku in order}
        async with world.database.platform_transaction() as session:
            result = await apply_bulk(
                session, world.supplier_id, values, source="refresh", as_of=as_of
            )
            if hold:  # keep the row locks until the test has seen the other batch wait
                holding.set()
                await release.wait()
        return len(result.changed)

    # Opposite orders, several times: the second batch provably waits for the first one's row
    # locks (seen blocked by it through pg_blocking_pids), then reads the rows as the first
    # left them (its history's "old" values are those).
    loop = asyncio.get_running_loop()
    for round_ in range(5):
        holding.clear()
        release.clear()
        low, high = 100 + 2 * round_, 101 + 2 * round_
        read_at = datetime.now(UTC)  # both read at once: neither is older than the other
        first = asyncio.create_task(apply(skus, low, read_at, hold=True))
        await holding.wait()
        second = asyncio.create_task(apply(skus[::-1], high, read_at, hold=False))
        deadline = loop.time() + 30
        while await sessions_waiting_for_a_lock(world) == 0:  # poll with a deadline, never a margin
            assert loop.time() < deadline, "the second batch never waited for the first"
            await asyncio.sleep(0.01)
        assert not second.done()  # blocked, not finished
        release.set()
        assert await asyncio.gather(first, second) == [6, 6]  # the later batch changed all
        prices = await world.sql(
            "SELECT DISTINCT purchase_price_fen FROM products WHERE supplier_sku = ANY(:s)",
            s=skus,
        )
        assert prices == [(high,)]  # the waiting batch applied last, over the first one
    history = await world.sql("SELECT count(*) FROM product_changes WHERE source = 'refresh'")
    assert history == [(60,)]
    for sku in skus:  # each change starts from the value the one before it left
        rows = await world.sql(
            "SELECT c.changes -> 'purchase_price_fen' FROM product_changes c "
            "JOIN products p ON p.id = c.product_id "
            "WHERE p.supplier_sku = :s AND c.source = 'refresh' ORDER BY c.id",
            s=sku,
        )
        changes = [row[0] for row in rows]
        assert all(later[0] == earlier[1] for earlier, later in itertools.pairwise(changes))


async def test_each_value_holds_as_of_its_own_supplier_time_not_the_batchs(world: World) -> None:
    """A batch of feed messages is judged SKU by SKU, each by its own message's time: the
    batch's latest time (its ``as_of``) must not let an older message beat a newer value."""
    older, newer = await pooled(world, 2)
    stored_at = datetime.now(UTC)
    async with world.database.platform_transaction() as session:
        await apply_bulk(
            session,
            world.supplier_id,
            {older: {"purchase_price_fen": 100}, newer: {"purchase_price_fen": 100}},
            source="refresh",
            as_of=stored_at,
        )
    times = {older: stored_at - timedelta(minutes=1), newer: stored_at + timedelta(seconds=30)}
    async with world.database.platform_transaction() as session:
        result = await apply_bulk(
            session,
            world.supplier_id,
            {sku: {"purchase_price_fen": 90} for sku in times},
            source="feed",
            times=times,
            as_of=stored_at + timedelta(minutes=1),
        )

    assert result.changed == {newer: {"purchase_price_fen": [100, 90]}}
    rows = {sku: await product(world, sku) for sku in times}
    assert {sku: row["purchase_price_fen"] for sku, row in rows.items()} == {
        older: 100,
        newer: 90,
    }
    # The time a value holds as of is its own message's, not the batch's.
    assert {
        sku: datetime.fromisoformat(row["value_times"]["purchase_price_fen"])
        for sku, row in rows.items()
    } == {older: stored_at, newer: times[newer]}
