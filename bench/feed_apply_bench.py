"""Benchmark: 10,000 price messages applied through the change-feed path, beside a plain
batched UPDATE of the same rows in the same run.

Real pieces: embedded PostgreSQL, the VOP simulator in its own process over HTTP, the feed
consumer (batch processing, message log), the pool's price handler deferring refresh jobs in
the message transactions, and procrastinate running those jobs (prices read 100 SKUs per call,
applied with history rows and domain events). Pool products are inserted directly in bulk with
stale prices, so every message leads to a real change. The clock runs from the first poll
until the last refresh job has finished.

The machine is shared and noisy, so the run has rounds (5 by default): each makes the prices
stale again, vacuums, times the feed path with new message ids, vacuums and times the baseline.
The ratio printed is the median of the rounds' ratios.

    .venv/bin/python bench/feed_apply_bench.py [--messages 10000] [--fetch 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any, cast

import psutil
from harness import adapter_factory, bench_environment, vop_adapter
from sqlalchemy import text
from supplier_refresh_bench import collect_skus, register

from hive.catalog import fresh_apply, freshness, refresh, tasks
from hive.catalog.tasks import FEED_QUEUE, FreshnessRuntime, use_runtime
from hive.events import ingestion
from hive.events import repository as log_repository
from hive.events.feed import FeedConsumer
from hive.platform.collector import tune_for_batches
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.platform.jobs import connector_for, job_app
from hive.suppliers.models import Supplier
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.resilience.rate_limit import PostgresRateLimiter
from hive.suppliers.runtime import supplier_http_client
from hive.suppliers.types import Area, MessageType, SupplierMessage
from hive.suppliers.vop.adapter import VopAdapter

AREAS = [Area(1, 72, 2799, 0)]
# Rows per UPDATE and transaction in the baseline: the supplier's unit (one price call reads
# 100 SKUs), so the baseline writes each read as it comes. The feed path writes a whole feed
# batch (1,000) in one statement; a baseline batched like that is printed too, for reference.
BASELINE_BATCH = 100
REFERENCE_BATCH = 1000

INSERT_POOL = """
INSERT INTO products (supplier_id, supplier_sku, name, brand, image_url, images, attributes,
                      purchase_price_fen, retail_price_fen, tax_rate_percent, sales, on_shelf,
                      in_supplier_pool, stock, status)
SELECT :supplier, sku, 'bench product', '', '', '[]', '{}', 1, 2, 1, 0, true, true, '{}', 'active'
FROM unnest(CAST(:skus AS text[])) AS sku
"""
BASELINE_UPDATE = """
UPDATE products SET purchase_price_fen = purchase_price_fen + 1,
                    retail_price_fen = retail_price_fen + 1
WHERE id = ANY(CAST(:ids AS bigint[]))
"""


class Stages:
    """Time spent in named stages of the real path (sums over concurrent calls)."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def wrap(self, owner: object, name: str, stage: str) -> None:
        """Time every call of ``owner.name`` (skipped when the path no longer has it)."""
        original = getattr(owner, name, None)
        if original is None:
            return

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await cast(Callable[..., Awaitable[Any]], original)(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - started
                self.calls[stage] += 1

        setattr(owner, name, timed)

    def report(self) -> None:
        print("stages (seconds summed over calls; concurrent calls overlap):")
        for stage, seconds in self.seconds.items():
            calls = self.calls[stage]
            print(
                f"  {stage:<34} {seconds:7.3f} s {calls:6d} calls {seconds / calls * 1e3:8.2f} ms"
            )


def instrument() -> Stages:
    stages = Stages()
    stages.wrap(ingestion.MessageProcessor, "_handle_batch", "feed transaction (with commit)")
    stages.wrap(log_repository, "insert_messages", "  log-row insert")
    stages.wrap(ingestion.MessageProcessor, "_run_batch_handlers", "  batch handlers")
    stages.wrap(tasks, "defer_feed_refresh", "  refresh job enqueue (pool filter)")
    stages.wrap(freshness, "defer_in_transaction", "  refresh job enqueue (old path)")
    stages.wrap(ingestion.MessageProcessor, "_start_after_commit", "wait for an after-commit slot")
    stages.wrap(tasks, "refresh_inline", "inline refresh after commit")
    stages.wrap(refresh, "refresh_batch", "job refresh batch (fetch + apply)")
    stages.wrap(refresh, "fetch_values", "  supplier read (100-SKU chunk)")
    stages.wrap(VopAdapter, "_result", "    supplier call (with rate limit)")
    stages.wrap(PostgresRateLimiter, "acquire", "      rate-limit token")
    stages.wrap(refresh, "_apply_fetched", "  apply (in transaction)")
    stages.wrap(fresh_apply, "apply_bulk", "    apply_bulk (update+history+events)")

    stages.wrap(fresh_apply.repository, "apply_values", "      one statement (lock+diff+write)")
    stages.wrap(tasks, "_delete_job", "  fallback job delete")
    return stages


class CpuMeter:
    """CPU seconds used by this process, the simulator and PostgreSQL (with their children),
    summed over the feed paths only."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = {"hive (consumer + inline refresh)": os.getpid(), **pids}
        self.used: Counter[str] = Counter()
        self.wall = 0.0

    def sample(self) -> dict[str, float]:
        return {name: _cpu(pid) for name, pid in self.pids.items()}

    @asynccontextmanager
    async def measure(self) -> AsyncIterator[None]:
        start, started = self.sample(), time.perf_counter()
        yield
        self.wall += time.perf_counter() - started
        self.used.update({name: seconds - start[name] for name, seconds in self.sample().items()})

    def report(self) -> None:
        print(
            f"cpu seconds during the feed paths ({self.wall:.2f} s wall, {os.cpu_count()} cores):"
        )
        for name in self.pids:
            print(f"  {name:<34} {self.used[name]:6.2f} s")


def _cpu(pid: int) -> float:
    process = psutil.Process(pid)
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        with suppress(psutil.Error):
            times = each.cpu_times()
            total += times.user + times.system
    return total


class BenchFeed:
    """A supplier feed in memory: ``fetch`` returns up to ``size`` unacknowledged messages."""

    def __init__(self, supplier_id: int, messages: list[SupplierMessage], size: int) -> None:
        self.supplier_id = supplier_id
        self.pending = {m.message_id: m for m in messages}
        self.size = size

    async def fetch_messages(self, types: Sequence[MessageType]) -> list[SupplierMessage]:
        return list(self.pending.values())[: self.size]

    async def ack_messages(self, message_ids: Sequence[str]) -> None:
        for message_id in message_ids:
            self.pending.pop(message_id, None)


async def run_jobs(database_url: str, settings: Settings) -> None:
    with job_app.replace_connector(connector_for(database_url)) as app:
        async with app.open_async():
            await app.run_worker_async(
                queues=[FEED_QUEUE],
                wait=False,
                install_signal_handlers=False,
                concurrency=settings.worker_concurrency,
            )


async def feed_path(database: Database, url: str, settings: Settings, feed: BenchFeed) -> float:
    async def factory(_supplier: Supplier) -> SupplierAdapter:
        return cast(SupplierAdapter, feed)

    consumer = FeedConsumer(database, factory)
    started = time.perf_counter()
    while feed.pending:
        await consumer.poll_once()
    consumed = time.perf_counter()
    await consumer.drain()  # the inline refreshes still running
    drained = time.perf_counter()
    await run_jobs(url, settings)  # any refresh job that is due (none when inline succeeded)
    finished = time.perf_counter()
    print(
        f"phases: consumer {consumed - started:.2f} s, inline refresh after it "
        f"{drained - consumed:.2f} s, due jobs after that {finished - drained:.2f} s"
    )
    return finished - started


PICKUP = """
SELECT count(*), avg(s.at - d.at), max(s.at - d.at)
FROM procrastinate_events d JOIN procrastinate_events s ON s.job_id = d.job_id
WHERE d.type = 'deferred' AND s.type = 'started'
"""


JOBS_BY_STATUS = """
SELECT coalesce(jsonb_object_agg(status, n), '{}') FROM (
    SELECT status::text, count(*) AS n FROM procrastinate_jobs
    WHERE queue_name = 'catalog_feed' GROUP BY status
) AS s
"""


async def job_pickup(database: Database) -> None:
    async with database.platform_transaction() as session:
        count, average, longest = (await session.execute(text(PICKUP))).one()
    if count:
        print(
            f"jobs: {count} run, pickup latency avg {average.total_seconds():.2f} s, "
            f"max {longest.total_seconds():.2f} s (deferred -> started)"
        )


async def baseline(database: Database, batch: int) -> float:
    """Seconds for the plain UPDATE of every pool row, ``batch`` rows per transaction."""
    async with database.platform_transaction() as session:
        ids = [r[0] for r in await session.execute(text("SELECT id FROM products ORDER BY id"))]
    started = time.perf_counter()
    for start in range(0, len(ids), batch):
        async with database.platform_transaction() as session:
            await session.execute(text(BASELINE_UPDATE), {"ids": ids[start : start + batch]})
    return time.perf_counter() - started


async def scalar(database: Database, sql: str) -> Any:
    async with database.platform_transaction() as session:
        return await session.scalar(text(sql))


STALE = """
UPDATE products SET purchase_price_fen = 1, retail_price_fen = 2 WHERE supplier_id = :supplier
"""
TABLES = ("products", "product_changes", "domain_events", "supplier_messages")


async def vacuum(database: Database) -> None:
    """Dead rows of the previous round out of the way (for both sides alike)."""
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text(f"VACUUM ANALYZE {', '.join(TABLES)}"))


async def one_round(
    number: int,
    args: argparse.Namespace,
    database: Database,
    url: str,
    settings: Settings,
    supplier_id: int,
    skus: list[str],
) -> tuple[float, float, float]:
    """Seconds of the feed path, the baseline and the reference baseline (each on freshly
    vacuumed tables)."""
    async with database.platform_transaction() as session:
        await session.execute(text(STALE), {"supplier": supplier_id})  # every message a change
    await vacuum(database)
    now = datetime.now(UTC)
    messages = [
        SupplierMessage(f"{number}-{n}", MessageType.PRICE_CHANGED, now, {"sku": sku})
        for n, sku in enumerate(skus, start=1)
    ]
    async with args.cpu.measure():
        elapsed = await feed_path(
            database, url, settings, BenchFeed(supplier_id, messages, args.fetch)
        )
    await vacuum(database)
    base = await baseline(database, BASELINE_BATCH)
    await vacuum(database)
    return elapsed, base, await baseline(database, REFERENCE_BATCH)


async def run(args: argparse.Namespace, url: str, sim_url: str) -> None:
    settings = Settings(database_url=url, log_format="json", log_level="WARNING")
    database = Database(create_engine(url, settings))
    try:
        supplier_id = await register(database, sim_url, 1000.0)
        async with supplier_http_client() as http:  # the worker's own client
            factory = adapter_factory(database, settings, http)
            adapter = await vop_adapter(factory, supplier_id)
            skus = await collect_skus(adapter, args.messages)
            async with database.platform_transaction() as session:
                await session.execute(text(INSERT_POOL), {"supplier": supplier_id, "skus": skus})
            use_runtime(FreshnessRuntime(database, factory.for_supplier_id, settings, AREAS))
            stages = instrument()
            # The worker's collector settings (HIVE_WORKER_GC_THRESHOLD; 0 = Python's own).
            tune_for_batches(settings.worker_gc_threshold if not args.python_gc else 0)
            args.cpu = CpuMeter(args.pids)
            profiler = cProfile.Profile() if args.profile else None
            if profiler is not None:
                profiler.enable()
            rounds = []
            for number in range(1, args.rounds + 1):
                rounds.append(
                    await one_round(number, args, database, url, settings, supplier_id, skus)
                )
                feed, base, reference = rounds[-1]
                print(
                    f"round {number}: feed path {feed:.2f} s, baseline {base:.2f} s "
                    f"(ratio {base / feed:.3f}), {REFERENCE_BATCH}-row baseline "
                    f"{reference:.2f} s (ratio {reference / feed:.3f})"
                )
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats("feed_apply.prof")
                pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
            args.cpu.report()
            stages.report()
            await job_pickup(database)
        jobs = await scalar(database, JOBS_BY_STATUS)
        print(f"refresh jobs by status (none when every inline refresh succeeded): {jobs}")
        changed = await scalar(database, "SELECT count(*) FROM product_changes")
        events = await scalar(database, "SELECT count(*) FROM domain_events")
        logged = await scalar(database, "SELECT count(*) FROM supplier_messages")
        report(len(skus), rounds, changed, events, logged)
    finally:
        await database.dispose()


def report(
    count: int, rounds: list[tuple[float, float, float]], changed: int, events: int, logged: int
) -> None:
    feed, base, reference = (statistics.median(r[k] for r in rounds) for k in range(3))
    ratio = statistics.median(b / f for f, b, _ in rounds)
    reference_ratio = statistics.median(r / f for f, _, r in rounds)
    print(f"over {len(rounds)} rounds of {count} price messages (medians):")
    print(f"  feed path: {feed:.2f} s = {count / feed:,.0f} messages/s")
    print(f"    ({logged} logged, {changed} products changed with history, {events} events)")
    print(f"  baseline: plain UPDATE of the same rows, {BASELINE_BATCH} per statement and")
    print(f"    transaction: {base:.2f} s = {count / base:,.0f} rows/s")
    print(
        f"  reference: {REFERENCE_BATCH} rows per statement and transaction: {reference:.2f} s "
        f"= {count / reference:,.0f} rows/s (ratio {reference_ratio:.3f})"
    )
    print(f"ratio feed path / baseline: {ratio:.3f} (median of the rounds; goal >= 0.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--fetch", type=int, default=1000, help="messages per feed fetch")
    parser.add_argument("--rounds", type=int, default=5, help="feed path + baseline pairs")
    parser.add_argument("--profile", action="store_true", help="print the hottest functions")
    parser.add_argument(
        "--python-gc", action="store_true", help="keep Python's collector defaults (comparison)"
    )
    args = parser.parse_args()
    with bench_environment() as env:
        args.pids = {"simulator": env.simulator_pid, "postgresql": env.postgres_pid}
        asyncio.run(run(args, env.database_url, env.simulator_url))


if __name__ == "__main__":
    main()
