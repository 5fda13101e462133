"""Change-feed messages keep pool products fresh: applied once, with history and events."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

from hive.catalog.freshness import handlers as freshness
from hive.catalog.freshness import refresh
from hive.catalog.models import Product
from hive.feed.ingestion import Outcome
from hive.feed.polling import FeedConsumer
from hive.suppliers.types import MessageType, SupplierMessage
from tests.catalog.freshness.conftest import AREAS, World
from tests.feed.conftest import InMemoryFeed, factory_for


def message(
    mid: str, kind: MessageType, sku: str, *, at: datetime | None = None, **payload: object
) -> SupplierMessage:
    """A message of now (the supplier's time), unless ``at`` says otherwise: a message older
    than a product's selection is, rightly, not applied to it."""
    return SupplierMessage(mid, kind, at or datetime.now(UTC), {"sku": sku, **payload})


async def pooled(world: World, count: int) -> list[str]:
    page = (await world.adapter.pool_pages())[0]
    skus, _ = await world.adapter.pool_page_skus(page, 1)
    shelf = await world.adapter.shelf_states(skus[:100])
    added = await world.select([sku for sku in skus[:100] if shelf.get(sku)][: count + 5])
    assert len(added) >= count
    return sorted(added)[:count]


async def make_stale(world: World, *skus: str) -> None:
    await world.sql(
        "UPDATE products SET purchase_price_fen = 1, retail_price_fen = 2, "
        "tax_rate_percent = 1, name = 'stale' WHERE supplier_sku = ANY(:skus)",
        skus=list(skus),
    )


async def product(world: World, sku: str) -> dict[str, object]:
    rows = await world.sql("SELECT * FROM products WHERE supplier_sku = :sku", sku=sku)
    return dict(rows[0]._mapping)


FEED_JOB_PLANS = (
    "SELECT args->'plan' FROM procrastinate_jobs WHERE queue_name = 'catalog_feed' "
    "AND status = 'todo' ORDER BY id"
)


async def poll_until_empty(feed: FeedConsumer, deadline_s: float = 120.0) -> None:
    """Poll until a cycle finds the feed empty. A cycle whose supplier call failed (a slow
    answer on a loaded machine) received nothing but did not see the feed empty: poll again."""
    deadline = time.monotonic() + deadline_s
    while True:
        report = await feed.poll_once()
        if report.received == 0 and not report.failed_suppliers:
            return
        assert time.monotonic() < deadline, f"the feed was not empty after {deadline_s} s"


def consumer(world: World, feed: InMemoryFeed) -> FeedConsumer:
    return FeedConsumer(
        world.database, factory_for({world.supplier_id: feed}), runtime=world.runtime
    )


async def test_price_tax_and_info_messages_share_one_refresh_applied_after_the_commit(
    world: World,
) -> None:
    a, b, c = await pooled(world, 3)
    await make_stale(world, a, b, c)
    feed = InMemoryFeed(world.supplier_id)
    feed.publish(
        message("1", MessageType.PRICE_CHANGED, a),
        message("2", MessageType.TAX_CHANGED, b),
        message("3", MessageType.PRICE_CHANGED, "999999999"),  # not in the pool
        message("4", MessageType.PRODUCT_INFO_CHANGED, c),
    )
    feed_consumer = consumer(world, feed)
    report = await feed_consumer.poll_once()
    assert report.outcomes == {Outcome.PROCESSED: 4} and not feed.pending
    jobs = await world.sql(FEED_JOB_PLANS)
    assert [row[0] for row in jobs] == [{"price": f"{a} {b}", "info": c}]  # one for the batch

    await feed_consumer.drain()  # prices were read and applied right after the commit
    jobs = await world.sql(FEED_JOB_PLANS)
    assert [row[0] for row in jobs] == [{"info": c}]  # what is left: the details
    assert (await product(world, a))["retail_price_fen"] != 2
    assert (await product(world, c))["name"] == "stale"
    await world.run_feed_jobs()

    quotes = {q.sku: q for q in await world.adapter.prices([a, b])}
    for sku in (a, b):
        row = await product(world, sku)
        assert (row["purchase_price_fen"], row["retail_price_fen"], row["tax_rate_percent"]) == (
            quotes[sku].purchase_fen,
            quotes[sku].retail_fen,
            quotes[sku].tax_rate_percent,
        )
        assert row["name"] == "stale"  # a price message does not touch the details
    detail = (await world.adapter.product_details([c]))[0]
    assert (await product(world, c))["name"] == detail.name[:255]
    history = await world.sql(
        "SELECT p.supplier_sku, c.changes FROM product_changes c JOIN products p "
        "ON p.id = c.product_id WHERE c.source = 'feed' ORDER BY p.supplier_sku"
    )
    assert [h[0] for h in history] == [a, b, c]
    assert history[0][1]["retail_price_fen"] == [2, quotes[a].retail_fen]
    events = await world.sql("SELECT type, payload FROM domain_events ORDER BY id")
    kinds = [e[0] for e in events]
    assert kinds.count("catalog.price_changed") == 2 and "catalog.info_changed" in kinds


async def test_shelf_and_pool_messages_apply_their_state_and_pool_exit_makes_unsellable(
    world: World,
) -> None:
    a, b = await pooled(world, 2)
    feed = InMemoryFeed(world.supplier_id)
    feed.publish(
        message("10", MessageType.SHELF_CHANGED, a, on_shelf=False),
        message("11", MessageType.POOL_CHANGED, b, in_pool=False),
        message("12", MessageType.SHELF_CHANGED, "999999999", on_shelf=False),
    )
    await consumer(world, feed).poll_once()

    left = cast(Product, Product(**await product(world, b)))
    assert (await product(world, a))["on_shelf"] is False
    assert left.in_supplier_pool is False and left.status == "active"
    assert not freshness.is_sellable(left)
    events = [e[0] for e in await world.sql("SELECT type FROM domain_events WHERE id > 2")]
    assert "catalog.shelf_changed" in events and "catalog.pool_membership_changed" in events
    assert (
        await world.sql("SELECT 1 FROM procrastinate_jobs WHERE queue_name = 'catalog_feed'") == []
    )  # nothing to fetch

    await make_stale(world, b)
    feed.publish(message("13", MessageType.POOL_CHANGED, b, in_pool=True))
    back_consumer = consumer(world, feed)
    await back_consumer.poll_once()
    back = Product(**await product(world, b))
    assert back.in_supplier_pool is True and freshness.is_sellable(back)
    assert [row[0] for row in await world.sql(FEED_JOB_PLANS)] == [{"price,shelf": b}]
    await back_consumer.drain()  # prices and shelf state are re-read after a return
    quote = (await world.adapter.prices([b]))[0]
    assert (await product(world, b))["retail_price_fen"] == quote.retail_fen
    assert await world.sql(FEED_JOB_PLANS) == []  # the fallback job is gone


async def test_redelivered_messages_are_applied_once(world: World) -> None:
    (a,) = await pooled(world, 1)
    await make_stale(world, a)
    feed = InMemoryFeed(world.supplier_id, duplicate=True)
    feed.publish(
        message("20", MessageType.SHELF_CHANGED, a, on_shelf=False),
        message("21", MessageType.PRICE_CHANGED, a),
    )
    feed.fail_next_ack = True
    feed_consumer = consumer(world, feed)
    first = await feed_consumer.poll_once()
    second = await feed_consumer.poll_once()
    await feed_consumer.drain()
    await world.run_feed_jobs()  # nothing is due: the inline refresh deleted its fallback

    assert first.outcomes == {Outcome.PROCESSED: 2} and feed.pending == {}
    assert second.outcomes == {Outcome.DUPLICATE: 2}
    changes = [r[0] for r in await world.sql(_FEED_CHANGES)]
    assert changes[0] == {"on_shelf": [True, False]}
    assert len(changes) == 2 and changes[1]["retail_price_fen"][0] == 2  # the price, once
    assert (
        await world.sql("SELECT 1 FROM procrastinate_jobs WHERE queue_name = 'catalog_feed'") == []
    )


_FEED_CHANGES = "SELECT changes FROM product_changes WHERE source = 'feed' ORDER BY id"


async def test_drift_of_the_simulator_reaches_the_pool_through_its_feed(world: World) -> None:
    wanted = world.drifting_only(3, {"price", "shelf", "tax"})
    added = await world.select(wanted[:40])
    assert len(added) >= 20
    before = {row[0]: tuple(row[1:]) for row in await world.sql(_VALUES)}
    world.advance(3)

    feed = FeedConsumer(world.database, world.kit.factory(), runtime=world.runtime)
    await poll_until_empty(feed)
    await feed.drain()
    await world.run_feed_jobs()

    after = {row[0]: tuple(row[1:]) for row in await world.sql(_VALUES)}
    quotes = {q.sku: q for q in await world.adapter.prices(added)}
    shelf = await world.adapter.shelf_states(added)
    for sku in added:
        quote = quotes[sku]
        expected = (quote.purchase_fen, quote.retail_fen, quote.tax_rate_percent, shelf[sku])
        assert after[sku] == expected, sku
    assert sum(before[s] != after[s] for s in added) >= 10


_VALUES = (
    "SELECT supplier_sku, purchase_price_fen, retail_price_fen, tax_rate_percent, on_shelf "
    "FROM products"
)


async def test_an_older_shelf_message_in_a_later_batch_never_undoes_a_newer_one(
    world: World,
) -> None:
    (a,) = await pooled(world, 1)
    now = datetime.now(UTC)
    feed = InMemoryFeed(world.supplier_id)
    feed_consumer = consumer(world, feed)
    feed.publish(message("30", MessageType.SHELF_CHANGED, a, on_shelf=False, at=now))
    await feed_consumer.poll_once()
    # Delivered later, but the supplier says it happened a minute before the shelf-off.
    feed.publish(
        message("31", MessageType.SHELF_CHANGED, a, on_shelf=True, at=now - timedelta(minutes=1))
    )
    report = await feed_consumer.poll_once()

    assert report.outcomes == {Outcome.PROCESSED: 1}  # recorded, but not applied
    row = await product(world, a)
    assert row["on_shelf"] is False
    assert datetime.fromisoformat(row["value_times"]["on_shelf"]) == now
    assert [r[0] for r in await world.sql(_FEED_CHANGES)] == [{"on_shelf": [True, False]}]


async def test_a_message_older_than_the_last_refresh_is_not_applied_and_a_newer_one_is(
    world: World,
) -> None:
    (a,) = await pooled(world, 1)
    before = datetime.now(UTC)
    await refresh.refresh_batch(
        world.database, world.adapter, [a], [refresh.Aspect.SHELF], "refresh", AREAS
    )
    on_shelf = (await product(world, a))["on_shelf"]
    feed = InMemoryFeed(world.supplier_id)
    feed_consumer = consumer(world, feed)
    feed.publish(message("40", MessageType.SHELF_CHANGED, a, on_shelf=not on_shelf, at=before))
    await feed_consumer.poll_once()
    assert (await product(world, a))["on_shelf"] is on_shelf  # the refresh read later

    feed.publish(message("41", MessageType.SHELF_CHANGED, a, on_shelf=not on_shelf))
    await feed_consumer.poll_once()
    assert (await product(world, a))["on_shelf"] is (not on_shelf)


async def test_a_refresh_read_before_a_newer_message_does_not_undo_it(world: World) -> None:
    (a,) = await pooled(world, 1)
    on_shelf = (await product(world, a))["on_shelf"]
    feed = InMemoryFeed(world.supplier_id)
    # The supplier's message comes from the future of the refresh below (its read starts now).
    feed.publish(
        message(
            "50",
            MessageType.SHELF_CHANGED,
            a,
            on_shelf=not on_shelf,
            at=datetime.now(UTC) + timedelta(minutes=5),
        )
    )
    await consumer(world, feed).poll_once()
    report = await refresh.refresh_batch(
        world.database, world.adapter, [a], [refresh.Aspect.SHELF], "refresh", AREAS
    )
    assert report.refreshed == 1 and a not in report.changed
    assert (await product(world, a))["on_shelf"] is (not on_shelf)


@pytest.mark.parametrize("path", ["selection", "info refresh"])
async def test_selection_and_info_refresh_keep_a_value_newer_than_their_read(
    world: World, path: str
) -> None:
    (a,) = await pooled(world, 1)
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    await world.sql(
        "UPDATE products SET on_shelf = NOT on_shelf, name = 'stale', "
        "value_times = value_times || jsonb_build_object('on_shelf', CAST(:t AS text)) "
        "WHERE supplier_sku = :s",
        s=a,
        t=later,
    )
    flipped = (await product(world, a))["on_shelf"]
    if path == "selection":
        await world.select([a])
    else:
        await refresh.refresh_batch(
            world.database, world.adapter, [a], [refresh.Aspect.INFO], "refresh", AREAS
        )
    row = await product(world, a)
    assert row["name"] != "stale"  # the read was applied …
    assert row["on_shelf"] is flipped  # … but not over the newer shelf state
    assert row["value_times"]["on_shelf"] == later
