"""Benchmark: purchase-price changes through the change feed to updated tenant prices and
raised tenant events; p99 of the time from a message to its event row (goal <= 1 s).

Real pieces: embedded PostgreSQL, the VOP simulator in its own process over HTTP, the feed
consumer polling ``message/get`` (100 per call), the pool's price handler and its inline
refresh (prices read from the simulator), the bulk apply, the reprice it triggers in the same
transaction, and the tenant events raised by that statement. Every tenant holds every product
in its library (``--tenants``, spread over 5 customer grades), so each message yields one
event per tenant; prices are cost-plus, so a purchase-price change moves every price.

Pool products are inserted with stale prices and priced from them, so each message's refresh
finds a new purchase price. Messages are put into the simulator's own feed at ``--rate`` per
second (as a supplier sends them); an observer reads the events the way the pull feed does
(rows of finished transactions only, in (txid, id) order) every 20 ms. A message's latency is
from when it was put into the feed to when the first event of its product was readable.

    .venv/bin/python bench/price_feed_bench.py [--quick] [--messages 10000] [--rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from decimal import Decimal
from pathlib import Path

from feed_apply_bench import INSERT_POOL, put_into_simulator
from harness import adapter_factory, bench_environment, finish, print_conditions, vop_adapter
from sqlalchemy import text
from supplier_refresh_bench import collect_skus, register

from hive.catalog.pricing.rules import REPRICE_KIND
from hive.catalog.pricing.tasks import run_full_reprice
from hive.events.repository import HORIZON
from hive.feed.polling import FeedConsumer
from hive.platform.actor import SYSTEM
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.platform.jobs import JobRuntime
from hive.platform.progress import start_progress
from hive.suppliers.models import Supplier
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.runtime import supplier_http_client

GOAL_S = 1.0
QUICK_MESSAGES = 2_000
OBSERVE_EVERY_S = 0.02
PUT_EVERY_S = 0.1
GRADES = [("普通", "1.00"), ("银牌", "0.98"), ("金牌", "0.95"), ("钻石", "0.92"), ("战略", "0.90")]

SETUP = [
    "UPDATE pricing_rules SET base = 'cost_plus', percent = 10, rounding = 'fen'",
    "INSERT INTO customer_grades (name, price_coefficient, description) VALUES "  # noqa: S608
    + ", ".join(f"('{name}', {coefficient}, '')" for name, coefficient in GRADES),
    "INSERT INTO tenants (code, name, status, grade_id, contact_name, contact_phone, "
    "contact_email) SELECT 't' || n, '客户' || n, 'active', "
    "(SELECT id FROM customer_grades ORDER BY id OFFSET (n % 5) LIMIT 1), '', '', '' "
    "FROM generate_series(1, CAST(:tenants AS int)) AS n",
    "INSERT INTO library_items (tenant_id, product_id, retail_price_fen, status) "
    "SELECT t.id, p.id, 999999, 'available' FROM tenants AS t CROSS JOIN products AS p",
]
# What the pull feed can read: rows of finished transactions, after the last one read.
READABLE = f"""
SELECT txid, id, entity_id FROM tenant_events
WHERE (txid, id) > (:txid, :id) AND txid < {HORIZON} ORDER BY txid, id
"""  # noqa: S608 (a constant of hive.events)


async def sql(database: Database, statement: str, **params: object) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text(statement), params)


async def prepare(database: Database, supplier_id: int, skus: list[str], tenants: int) -> None:
    """Pool products at stale prices, priced from them; tenants holding all of them."""
    await sql(database, INSERT_POOL, supplier=supplier_id, skus=skus)
    for statement in SETUP:
        await sql(database, statement, tenants=tenants)
    async with database.platform_transaction() as session:
        progress_id = (await start_progress(session, SYSTEM, REPRICE_KIND, params={})).id
    await run_full_reprice(database, progress_id, chunk=20_000, margin=Decimal(1))
    await sql(database, "ANALYZE")


async def produce(state: Path, skus: list[str], rate: float, put_at: dict[str, float]) -> None:
    """Put the messages into the simulator's feed at ``rate`` per second."""
    per_tick = max(1, int(rate * PUT_EVERY_S))
    started = time.perf_counter()
    for tick, start in enumerate(range(0, len(skus), per_tick)):
        await asyncio.sleep(max(0.0, started + tick * PUT_EVERY_S - time.perf_counter()))
        chunk = skus[start : start + per_tick]
        await asyncio.to_thread(put_into_simulator, state, chunk)
        now = time.perf_counter()
        put_at.update(dict.fromkeys(chunk, now))


async def consume(consumer: FeedConsumer, stop: asyncio.Event) -> None:
    while not stop.is_set():
        report = await consumer.poll_once()
        if report.failed_suppliers:
            raise SystemExit("the feed failed")
        if not report.received:
            await asyncio.sleep(0.02)
    await consumer.drain()


async def observe(
    database: Database, product_of: dict[int, str], seen_at: dict[str, float], deadline: float
) -> None:
    """Read events as the pull feed does; note when each product's first event was readable."""
    position = (0, 0)
    while len(seen_at) < len(product_of) and time.perf_counter() < deadline:
        async with database.engine.connect() as connection:
            rows = (
                await connection.execute(text(READABLE), {"txid": position[0], "id": position[1]})
            ).all()
        now = time.perf_counter()
        for txid, event_id, product_id in rows:
            seen_at.setdefault(product_of[product_id], now)
            position = (txid, event_id)
        await asyncio.sleep(OBSERVE_EVERY_S)


async def run(args: argparse.Namespace, url: str, sim_url: str, state: Path) -> None:
    settings = Settings(database_url=url, log_format="json", log_level="WARNING")
    database = Database(create_engine(url, settings))
    try:
        supplier_id = await register(database, sim_url, 1000.0)
        async with supplier_http_client() as http:
            factory = adapter_factory(database, settings, http)
            adapter = await vop_adapter(factory, supplier_id)
            skus = await collect_skus(adapter, args.messages)
            await prepare(database, supplier_id, skus, args.tenants)
            async with database.engine.connect() as connection:
                rows = await connection.execute(text("SELECT id, supplier_sku FROM products"))
                product_of = {int(pid): str(sku) for pid, sku in rows.all()}
            runtime = JobRuntime(url, database, settings, factory.for_supplier_id)

            async def for_supplier(_supplier: Supplier) -> SupplierAdapter:
                return adapter

            consumer = FeedConsumer(database, for_supplier, runtime=runtime)
            put_at: dict[str, float] = {}
            seen_at: dict[str, float] = {}
            stop = asyncio.Event()
            started = time.perf_counter()
            deadline = started + len(skus) / args.rate + 120
            consuming = asyncio.create_task(consume(consumer, stop))
            observing = asyncio.create_task(observe(database, product_of, seen_at, deadline))
            await produce(state, skus, args.rate, put_at)
            await observing
            stop.set()
            await consuming
            elapsed = time.perf_counter() - started
        async with database.engine.connect() as connection:
            events = (await connection.execute(text("SELECT count(*) FROM tenant_events"))).one()
    finally:
        await database.dispose()
    report(args, skus, put_at, seen_at, elapsed, int(events[0]))


def report(
    args: argparse.Namespace,
    skus: list[str],
    put_at: dict[str, float],
    seen_at: dict[str, float],
    elapsed: float,
    events: int,
) -> None:
    latencies = sorted(seen_at[s] - put_at[s] for s in skus if s in seen_at and s in put_at)
    missing = len(skus) - len(latencies)
    print(
        f"{len(skus):,} messages at {args.rate:g}/s, {args.tenants} tenants holding every "
        f"product: {events:,} tenant events in {elapsed:.1f} s; {missing} messages without an event"
    )
    if not latencies:
        finish("price_feed", "p99_s", "n/a", f"<= {GOAL_S}", False)
        return
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"message -> readable event: p50 {quantiles[49]:.3f} s, p90 {quantiles[89]:.3f} s, "
        f"p99 {quantiles[98]:.3f} s, max {latencies[-1]:.3f} s"
    )
    p99 = quantiles[98]
    met = p99 <= GOAL_S and missing == 0
    finish("price_feed", "p99_s", f"{p99:.3f}", f"<= {GOAL_S}", met)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_MESSAGES:,} messages")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=200.0, help="messages put per second")
    parser.add_argument("--tenants", type=int, default=10, help="tenants holding every product")
    args = parser.parse_args()
    if args.quick:
        args.messages = min(args.messages, QUICK_MESSAGES)
    size = "quick" if args.quick else "full"
    print_conditions(
        f"{size}: {args.messages:,} messages at {args.rate:g}/s, {args.tenants} tenants"
    )
    with bench_environment({"HIVE_VOP_SIM_DRIFT_FRACTION": "0"}) as env:
        asyncio.run(run(args, env.database_url, env.simulator_url, env.simulator_state))


if __name__ == "__main__":
    main()
