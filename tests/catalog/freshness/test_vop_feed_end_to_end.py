"""The default change-feed path end to end: the worker's polling consumer (``run_feed_consumer``)
fetches the simulator's own messages through the VOP adapter (``message/get``, 100 a call),
maps them from the wire, processes them and acknowledges them (``message/del``) — drift of
pooled products and the messages of a split order alike — and the database shows the effect.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Subscribe the pool and the orders, as the worker does (orders unknown to Hive: processed).
import hive.catalog.freshness.handlers
import hive.orders.messages  # noqa: F401
from hive.feed.polling import run_feed_consumer
from hive.simulators.vop.app import create_app
from hive.simulators.vop.config import SimulatorConfig
from hive.simulators.vop.simulator import Simulator as SimulatorState
from tests.catalog.freshness.conftest import World
from tests.support.servers import running_server
from tests.support.vop import FAST_ORDERS, Simulator
from tests.support.vop_orders import orderable_skus, place_order

# Generous: the whole feed (a few hundred messages) drains in seconds on an idle machine.
DEADLINE_S = 180.0
ORDER_TYPES = {1, 5, 12, 25, 31}
DRIFT_TYPES = {2, 4, 6, 16, 100}


@pytest.fixture
def sim_server(tmp_path: Path) -> Iterator[tuple[Simulator, SimulatorState]]:
    """The freshness world's simulator, with orders that split, ship and arrive in a minute."""
    config = SimulatorConfig(
        data_dir=tmp_path / "vop",
        manual_clock=True,
        min_sku_count=1,
        drift_fraction=0.001,
        drift_max_per_tick=100,  # two ticks: about 200 drift messages
        orders=FAST_ORDERS,
    )
    app = create_app(config)
    with running_server(app) as url:
        yield Simulator(url, config), app.state.simulator


def simulator_messages(world: World) -> dict[str, tuple[int, bool, str]]:
    """Every message the simulator emitted: id → (type, acknowledged, result JSON)."""
    rows = world.state.store.query("SELECT id, type, deleted, result FROM messages")
    return {str(r[0]): (int(str(r[1])), bool(r[2]), str(r[3])) for r in rows}


async def consume_until_acknowledged(world: World) -> None:
    """Run the worker's consumer until the simulator has nothing left unacknowledged."""
    stop = asyncio.Event()
    consumer = asyncio.create_task(
        run_feed_consumer(
            world.database,
            world.kit.factory(),
            stop_event=stop,
            poll_interval_s=0.05,
            runtime=world.runtime,
        )
    )
    deadline = time.monotonic() + DEADLINE_S
    try:
        while any(not acked for _, acked, _ in simulator_messages(world).values()):
            assert time.monotonic() < deadline, "the feed did not drain in time"
            assert not consumer.done(), consumer
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await consumer  # waits for the after-commit refreshes too


async def test_the_worker_consumes_the_simulators_own_drift_and_order_messages(
    world: World,
) -> None:
    wanted = world.drifting_only(2, {"price", "shelf", "tax"})
    added = await world.select(wanted[:30])
    assert len(added) >= 15
    skus = await orderable_skus(world.adapter, world.simulator, 2, distinct_warehouses=True)
    placed = await place_order(world.adapter, skus, "HV-FEED-1")
    world.advance(2)  # two drift ticks; the order splits, ships, arrives and completes

    await consume_until_acknowledged(world)
    await world.run_feed_jobs()

    emitted = simulator_messages(world)
    kinds = {kind for kind, _, _ in emitted.values()}
    assert kinds >= ORDER_TYPES and kinds & DRIFT_TYPES
    logged = {
        row[0]: row[1:]
        for row in await world.sql(
            "SELECT message_id, type, status, raw FROM supplier_messages WHERE supplier_id = :s",
            s=world.supplier_id,
        )
    }
    assert set(logged) == set(emitted)  # every message, once, by the supplier's own id
    for message_id, (kind, _, _) in emitted.items():
        kind_logged, status, _ = logged[message_id]
        assert kind_logged == kind
        # Order created (25) has no handler; the others are the orders' (an order Hive does
        # not know: logged and acknowledged).
        assert status == ("ignored" if kind == 25 else "processed"), (kind, status)

    family = await world.adapter.order_detail(placed.supplier_order_id)
    children = {c.supplier_order_id for c in family.children}
    raws: dict[int, list[dict[str, Any]]] = {}
    for kind, _, raw in logged.values():
        raws.setdefault(kind, []).append(raw["result"])
    assert raws[1] == [{"pOrder": int(placed.supplier_order_id)}]
    assert {str(r["orderId"]) for r in raws[12]} == children
    assert {str(r["orderId"]) for r in raws[31]} == children

    await assert_pool_matches_the_supplier(world, added)


async def assert_pool_matches_the_supplier(world: World, added: list[str]) -> None:
    values = await world.sql(
        "SELECT supplier_sku, purchase_price_fen, retail_price_fen, tax_rate_percent, on_shelf "
        "FROM products WHERE supplier_sku = ANY(:skus)",
        skus=added,
    )
    after = {row[0]: tuple(row[1:]) for row in values}
    quotes = {q.sku: q for q in await world.adapter.prices(added)}
    shelf = await world.adapter.shelf_states(added)
    for sku in added:
        quote = quotes[sku]
        assert after[sku] == (
            quote.purchase_fen,
            quote.retail_fen,
            quote.tax_rate_percent,
            shelf[sku],
        ), sku
