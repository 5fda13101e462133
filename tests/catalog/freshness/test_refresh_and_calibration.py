"""Active refresh, calibration, supplier failures, and the bulk apply's equivalence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from hive.catalog.freshness import calibration, refresh
from hive.catalog.freshness import repository as fresh_repo
from hive.catalog.freshness.apply import BULK_FIELDS, apply_bulk
from hive.catalog.models import Product
from hive.catalog.pool import service as pool
from hive.feed.polling import FeedConsumer
from hive.suppliers.types import MessageType
from tests.catalog.freshness.conftest import AREAS, World
from tests.catalog.freshness.test_feed_messages import make_stale, message, pooled, product
from tests.feed.conftest import InMemoryFeed, factory_for

FEED_JOBS = "WHERE queue_name = 'catalog_feed'"


async def test_active_refresh_picks_only_recently_viewed_or_ordered_products(
    world: World,
) -> None:
    viewed, ordered, idle = await pooled(world, 3)
    await make_stale(world, viewed, ordered, idle)
    now = datetime.now(UTC)
    await world.sql(
        "UPDATE products SET last_viewed_at = CASE supplier_sku WHEN :v THEN :now "
        "WHEN :i THEN :old END, last_ordered_at = CASE WHEN supplier_sku = :o THEN :now END",
        v=viewed,
        o=ordered,
        i=idle,
        now=now,
        old=now - timedelta(days=3),
    )

    report = await refresh.refresh_recent(
        world.database,
        world.kit.factory().for_supplier_id,
        since=now - timedelta(days=1),
        stock_areas=AREAS,
    )

    assert report.refreshed == 2 and sorted(report.changed) == sorted([viewed, ordered])
    quotes = {q.sku: q for q in await world.adapter.prices([viewed, ordered])}
    for sku in (viewed, ordered):
        assert (await product(world, sku))["retail_price_fen"] == quotes[sku].retail_fen
    assert (await product(world, idle))["retail_price_fen"] == 2
    refreshed = await world.sql(
        "SELECT p.supplier_sku FROM product_changes c JOIN products p ON p.id = c.product_id "
        "WHERE c.source = 'refresh' ORDER BY 1"
    )
    assert [row[0] for row in refreshed] == sorted([viewed, ordered])


async def test_calibration_fixes_simulator_drift_and_reports_it(world: World) -> None:
    added = await world.select(world.drifting_only(2, {"price", "tax", "shelf", "stock"})[:30])
    assert len(added) >= 15
    world.advance(2)  # drift happens; its messages are never consumed here

    report = await calibration.calibrate_supplier(
        world.database, world.adapter, in_flight=4, stock_areas=AREAS
    )

    assert report.checked == len(added) and report.failed == 0
    assert report.drifted_products >= 10
    assert set(report.drifted) <= BULK_FIELDS and report.examples
    examples = next(iter(report.examples.values()))
    assert examples[0]["from"] != examples[0]["to"]
    quotes = {q.sku: q for q in await world.adapter.prices(added)}
    for sku in added:
        assert (await product(world, sku))["retail_price_fen"] == quotes[sku].retail_fen
    stored = await world.sql(
        "SELECT payload FROM domain_events WHERE type = 'catalog.pool_calibrated'"
    )
    assert stored[0][0]["drifted"] == dict(report.drifted)
    uncalibrated = await world.sql("SELECT 1 FROM products WHERE calibrated_at IS NULL")
    assert uncalibrated == []
    again = await calibration.calibrate_supplier(
        world.database, world.adapter, in_flight=2, stock_areas=AREAS
    )
    assert again.drifted_products == 0


async def test_supplier_down_during_refresh_applies_nothing_and_retries_later(
    world: World,
) -> None:
    skus = await pooled(world, 3)
    await make_stale(world, *skus)
    history_before = await world.sql("SELECT count(*) FROM product_changes")
    feed = InMemoryFeed(world.supplier_id)
    feed.publish(*(message(str(n), MessageType.PRICE_CHANGED, s) for n, s in enumerate(skus)))
    world.simulator.set_faults(error_5001_rate=1.0)
    consumer = FeedConsumer(
        world.database, factory_for({world.supplier_id: feed}), runtime=world.runtime
    )
    await consumer.poll_once()
    await consumer.drain()  # the refresh right after the commit fails: the job stays, later

    waiting = await world.sql(f"SELECT scheduled_at > now() FROM procrastinate_jobs {FEED_JOBS}")
    assert waiting == [(True,)] and not feed.pending  # the messages are settled all the same
    assert await world.sql("SELECT count(*) FROM product_changes") == history_before
    await world.sql(f"UPDATE procrastinate_jobs SET scheduled_at = now() {FEED_JOBS}")
    await world.run_feed_jobs()

    job = await world.sql(f"SELECT status::text, attempts FROM procrastinate_jobs {FEED_JOBS}")
    assert job == [("todo", 1)]  # failed once, scheduled again later
    assert await world.sql("SELECT count(*) FROM product_changes") == history_before
    assert {(await product(world, s))["retail_price_fen"] for s in skus} == {2}

    world.simulator.set_faults(error_5001_rate=0.0)
    world.kit.clock.now += 3600  # later: the circuit breaker lets calls through again
    await world.sql(f"UPDATE procrastinate_jobs SET scheduled_at = now() {FEED_JOBS}")
    await world.run_feed_jobs()

    assert await world.sql(f"SELECT status::text FROM procrastinate_jobs {FEED_JOBS}") == [
        ("succeeded",)
    ]
    quotes = {q.sku: q for q in await world.adapter.prices(skus)}
    for sku in skus:
        assert (await product(world, sku))["retail_price_fen"] == quotes[sku].retail_fen


async def test_bulk_apply_records_what_pool_apply_changes_records(world: World) -> None:
    one, two = await pooled(world, 2)
    values = {
        "retail_price_fen": 123_456,
        "tax_rate_percent": 6,
        "on_shelf": False,
        "stock": {"1": {"state": "no_goods", "remaining": 0}},
    }
    await world.sql(  # both start from the same values
        "UPDATE products p SET retail_price_fen = o.retail_price_fen, "
        "tax_rate_percent = o.tax_rate_percent, on_shelf = o.on_shelf, stock = o.stock "
        "FROM products o WHERE o.supplier_sku = :one AND p.supplier_sku = :two",
        one=one,
        two=two,
    )
    async with world.database.platform_transaction() as session:
        ordinary = await session.scalar(select(Product).where(Product.supplier_sku == one))
        assert ordinary is not None
        expected = await pool.apply_changes(session, ordinary, values, source="refresh")
        applied = await apply_bulk(
            session, world.supplier_id, {two: values}, source="refresh", as_of=datetime.now(UTC)
        )
    assert applied.considered == 1 and applied.changed == {two: expected}
    events = await world.sql(
        "SELECT e.type, e.payload, p.supplier_sku FROM domain_events e "
        "JOIN products p ON p.id = e.subject_id WHERE e.type <> 'catalog.product_added' "
        "ORDER BY e.id"
    )
    by_product = {sku: [(t, payload) for t, payload, s in events if s == sku] for sku in (one, two)}
    assert by_product[one] == by_product[two] and len(by_product[one]) == 3
    changes = await world.sql("SELECT changes FROM product_changes WHERE source = 'refresh'")
    assert changes[0] == changes[1]


async def test_an_older_read_never_overwrites_a_newer_refresh(world: World) -> None:
    newer, older_only = await pooled(world, 2)
    await make_stale(world, newer, older_only)
    # ``newer`` got its prices from a read (another worker's) after the read below started.
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    await world.sql(
        "UPDATE products SET value_times = jsonb_build_object("
        "'purchase_price_fen', CAST(:t AS text), 'retail_price_fen', CAST(:t AS text), "
        "'tax_rate_percent', CAST(:t AS text)) WHERE supplier_sku = :s",
        s=newer,
        t=later,
    )
    report = await refresh.refresh_batch(
        world.database,
        world.adapter,
        [newer, older_only],
        [refresh.Aspect.PRICE],
        "refresh",
        AREAS,
    )
    assert sorted(report.changed) == [older_only]
    assert (await product(world, newer))["retail_price_fen"] == 2  # the stale test value


async def test_calibration_visits_each_supplier_with_pool_products_not_removed(
    world: World,
) -> None:
    first, second = await pooled(world, 2)

    async def supplier_ids() -> list[int]:
        async with world.database.platform_transaction() as session:
            return await fresh_repo.pooled_supplier_ids(session)

    assert await supplier_ids() == [world.supplier_id]  # once, however many products
    await world.sql("UPDATE products SET status = 'removed' WHERE supplier_sku = :s", s=first)
    assert await supplier_ids() == [world.supplier_id]
    await world.sql("UPDATE products SET status = 'removed' WHERE supplier_sku <> :s", s=second)
    assert await supplier_ids() == [world.supplier_id]  # one product left is enough
    await world.sql("UPDATE products SET status = 'removed'")
    assert await supplier_ids() == []
