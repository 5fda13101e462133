"""The feed's refresh right after the commit: what it could not read is left to a job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from hive.platform.jobs import JobRuntime
from hive.suppliers.errors import SupplierUnavailable
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import MessageType
from tests.catalog.freshness.conftest import World
from tests.catalog.freshness.test_feed_messages import (
    FEED_JOB_PLANS,
    consumer,
    make_stale,
    message,
    pooled,
    product,
)
from tests.feed.conftest import InMemoryFeed


class ShelfDown:
    """The real adapter, except that shelf states cannot be read."""

    def __init__(self, inner: SupplierAdapter) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def shelf_states(self, skus: Sequence[str]) -> dict[str, bool]:
        raise SupplierUnavailable()


def install(world: World, adapter: SupplierAdapter) -> None:
    async def adapter_for(_supplier_id: int) -> SupplierAdapter:
        return adapter

    settings = world.kit.settings
    world.runtime = JobRuntime(settings.database_url, world.database, settings, adapter_for)


async def test_a_failed_read_leaves_only_its_skus_to_a_job_that_applies_them_later(
    world: World,
) -> None:
    a, b = await pooled(world, 2)
    feed = InMemoryFeed(world.supplier_id)
    feed.publish(message("1", MessageType.POOL_CHANGED, b, in_pool=False))
    await consumer(world, feed).poll_once()
    await make_stale(world, a, b)
    install(world, cast(SupplierAdapter, ShelfDown(world.adapter)))

    feed.publish(
        message("2", MessageType.PRICE_CHANGED, a),
        message("3", MessageType.POOL_CHANGED, b, in_pool=True),  # price + shelf re-read
    )
    feed_consumer = consumer(world, feed)
    await feed_consumer.poll_once()
    await feed_consumer.drain()

    quotes = {q.sku: q for q in await world.adapter.prices([a, b])}
    assert (await product(world, a))["retail_price_fen"] == quotes[a].retail_fen
    assert (await product(world, b))["retail_price_fen"] == 2  # its read failed: untouched
    assert [row[0] for row in await world.sql(FEED_JOB_PLANS)] == [{"price,shelf": b}]
    due = await world.sql(
        "SELECT scheduled_at <= now() FROM procrastinate_jobs WHERE "
        "queue_name = 'catalog_feed' AND status = 'todo'"
    )
    assert due == [(True,)]  # no waiting: the inline refresh already tried

    install(world, world.adapter)
    await world.run_feed_jobs()

    assert (await product(world, b))["retail_price_fen"] == quotes[b].retail_fen
    history = await world.sql(
        "SELECT p.supplier_sku, count(*) FROM product_changes c JOIN products p "
        "ON p.id = c.product_id WHERE c.source = 'feed' AND c.changes ? 'retail_price_fen' "
        "GROUP BY p.supplier_sku ORDER BY 1"
    )
    assert history == [(a, 1), (b, 1)]  # each price change recorded exactly once
