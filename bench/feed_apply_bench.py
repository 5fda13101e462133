"""Benchmark: 10,000 price messages through the change-feed path, each path beside a plain
UPDATE of the same rows batched like it, in the same run.

Real pieces: embedded PostgreSQL, the VOP simulator in its own process over HTTP, the VOP
adapter, the feed consumer (batch processing, message log), the pool's price handler and its
inline refresh (prices read 100 SKUs per call, applied with history rows and domain events),
and procrastinate for any refresh job left. Pool products are inserted directly in bulk with
stale prices, so every message leads to a real change.

Two paths are timed, each against a baseline that commits as often as it does:

- the goal's path, as production polls VOP: the price messages are put into the simulator's
  own feed, and the consumer fetches them with ``message/get`` (at most 100 per call, the
  simulator's and VOP's batch size), processes each fetched batch in one transaction and
  acknowledges it with ``message/del`` -- HTTP fetch and acknowledge included in the time.
  Baseline: the UPDATE, 100 rows per statement and transaction.
- for reference, the apply path alone: the same consumer over an in-memory feed of
  ``--fetch`` (1,000) messages per fetch, no HTTP for messages. Baseline: the UPDATE,
  ``--fetch`` rows per statement and transaction.

The clock runs from the first poll until the last refresh has finished. The machine is shared
and noisy, so the run has rounds (5 by default); each makes the prices stale again and
vacuums before each timed part. The ratios printed are medians of the rounds' ratios; the
RESULT line judges the VOP path (goal >= 0.5).

    .venv/bin/python bench/feed_apply_bench.py [--quick] [--messages 10000] [--rounds 5]
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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import psutil
from harness import adapter_factory, bench_environment, finish, print_conditions, vop_adapter
from sqlalchemy import text
from supplier_refresh_bench import collect_skus, register

from hive.catalog.freshness import apply as fresh_apply
from hive.catalog.freshness import handlers as freshness
from hive.catalog.freshness import refresh, tasks
from hive.catalog.freshness.tasks import FEED_QUEUE
from hive.feed import ingestion
from hive.feed import repository as log_repository
from hive.feed.polling import FeedConsumer
from hive.platform.collector import tune_for_batches
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.platform.jobs import JobRuntime, run_worker
from hive.simulators.vop.clock import Clock
from hive.simulators.vop.messages import MessageFeed
from hive.simulators.vop.store import Store
from hive.suppliers.models import Supplier
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.resilience.rate_limit import PostgresRateLimiter
from hive.suppliers.runtime import supplier_http_client
from hive.suppliers.types import Area, MessageType, SupplierMessage
from hive.suppliers.vop.adapter import VopAdapter

AREAS = [Area(1, 72, 2799, 0)]
# Rows per UPDATE and transaction of the VOP path's baseline: what one ``message/get`` returns
# and the consumer commits in one transaction.
VOP_FETCH = 100
GOAL = 0.5
QUICK_MESSAGES = 2_000
QUICK_ROUNDS = 3
VOP_PRICE_CHANGED = 2  # the wire type of a price message

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
    summed over the VOP feed paths only."""

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
            f"cpu seconds during the VOP feed paths ({self.wall:.2f} s wall, "
            f"{os.cpu_count()} cores):"
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


async def run_jobs(runtime: JobRuntime) -> None:
    await run_worker(runtime, wait=False, queues=[FEED_QUEUE])


async def feed_path(
    database: Database, runtime: JobRuntime, adapter: SupplierAdapter, count: int
) -> float:
    """Seconds to consume ``count`` messages from ``adapter``'s feed and apply them."""

    async def factory(_supplier: Supplier) -> SupplierAdapter:
        return adapter

    consumer = FeedConsumer(database, factory, runtime=runtime)
    acknowledged = 0
    started = time.perf_counter()
    while acknowledged < count:
        report = await consumer.poll_once()
        if report.failed_suppliers or not report.received:
            raise SystemExit(f"the feed stopped after {acknowledged} of {count} messages")
        acknowledged += report.acknowledged
    consumed = time.perf_counter()
    await consumer.drain()  # the inline refreshes still running
    drained = time.perf_counter()
    await run_jobs(runtime)  # any refresh job that is due (none when inline succeeded)
    finished = time.perf_counter()
    print(
        f"  phases: consumer {consumed - started:.2f} s, inline refresh after it "
        f"{drained - consumed:.2f} s, due jobs after that {finished - drained:.2f} s"
    )
    return finished - started


def put_into_simulator(state: Path, skus: list[str]) -> None:
    """One price message per SKU in the simulator's own feed (its state file, written while it
    runs, as its drift does), so ``message/get`` serves them like any other."""
    feed = MessageFeed(Store(state), Clock(manual=False))
    with feed.store.transaction():
        for sku in skus:
            feed.emit(VOP_PRICE_CHANGED, {"skuId": int(sku)})


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


@dataclass(frozen=True)
class Round:
    """Seconds of one round's four timed parts."""

    vop: float
    vop_baseline: float
    memory: float
    memory_baseline: float


async def stale_and_vacuum(database: Database, supplier_id: int) -> None:
    async with database.platform_transaction() as session:
        await session.execute(text(STALE), {"supplier": supplier_id})  # every message a change
    await vacuum(database)


async def one_round(
    number: int,
    args: argparse.Namespace,
    database: Database,
    runtime: JobRuntime,
    adapter: SupplierAdapter,
    supplier_id: int,
    skus: list[str],
) -> Round:
    """The VOP path and its baseline, then the in-memory path and its baseline, each on
    freshly vacuumed tables with every price stale."""
    await stale_and_vacuum(database, supplier_id)
    put_into_simulator(args.state, skus)
    async with args.cpu.measure():
        vop = await feed_path(database, runtime, adapter, len(skus))
    await vacuum(database)
    vop_baseline = await baseline(database, VOP_FETCH)
    await stale_and_vacuum(database, supplier_id)
    now = datetime.now(UTC)
    messages = [
        SupplierMessage(f"{number}-{n}", MessageType.PRICE_CHANGED, now, {"sku": sku})
        for n, sku in enumerate(skus, start=1)
    ]
    feed = cast(SupplierAdapter, BenchFeed(supplier_id, messages, args.fetch))
    memory = await feed_path(database, runtime, feed, len(skus))
    await vacuum(database)
    return Round(vop, vop_baseline, memory, await baseline(database, args.fetch))


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
            runtime = JobRuntime(url, database, settings, factory.for_supplier_id)
            stages = instrument()
            # The worker's collector settings (HIVE_WORKER_GC_THRESHOLD; 0 = Python's own).
            tune_for_batches(settings.worker_gc_threshold if not args.python_gc else 0)
            args.cpu = CpuMeter(args.pids)
            profiler = cProfile.Profile() if args.profile else None
            if profiler is not None:
                profiler.enable()
            rounds: list[Round] = []
            for number in range(1, args.rounds + 1):
                print(f"round {number}:")
                rounds.append(
                    await one_round(number, args, database, runtime, adapter, supplier_id, skus)
                )
                r = rounds[-1]
                print(
                    f"  VOP path {r.vop:.2f} s, {VOP_FETCH}-row baseline {r.vop_baseline:.2f} s "
                    f"(ratio {r.vop_baseline / r.vop:.3f}); in-memory path {r.memory:.2f} s, "
                    f"{args.fetch}-row baseline {r.memory_baseline:.2f} s "
                    f"(ratio {r.memory_baseline / r.memory:.3f})"
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
    finally:
        await database.dispose()
    report(len(skus), args.fetch, rounds, changed, events, logged)


def report(
    count: int, fetch: int, rounds: list[Round], changed: int, events: int, logged: int
) -> None:
    def median(values: list[float]) -> float:
        return statistics.median(values)

    vop, vop_base = median([r.vop for r in rounds]), median([r.vop_baseline for r in rounds])
    memory = median([r.memory for r in rounds])
    memory_base = median([r.memory_baseline for r in rounds])
    vop_ratio = median([r.vop_baseline / r.vop for r in rounds])
    memory_ratio = median([r.memory_baseline / r.memory for r in rounds])
    print(f"over {len(rounds)} rounds of {count} price messages (medians):")
    print(f"  ({logged} logged, {changed} products changed with history, {events} events)")
    print(
        f"  VOP path (message/get {VOP_FETCH} per call, HTTP fetch + ack timed): {vop:.2f} s = "
        f"{count / vop:,.0f} messages/s"
    )
    print(
        f"    baseline, plain UPDATE {VOP_FETCH} rows per statement and transaction: "
        f"{vop_base:.2f} s = {count / vop_base:,.0f} rows/s; ratio {vop_ratio:.3f}"
    )
    print(
        f"  in-memory feed ({fetch} per fetch, no HTTP for messages): {memory:.2f} s = "
        f"{count / memory:,.0f} messages/s"
    )
    print(
        f"    baseline, plain UPDATE {fetch} rows per statement and transaction: "
        f"{memory_base:.2f} s = {count / memory_base:,.0f} rows/s; ratio {memory_ratio:.3f} "
        f"({'at or above' if memory_ratio >= GOAL else 'below'} {GOAL}, for reference)"
    )
    finish("feed_apply", "vop_path_ratio", f"{vop_ratio:.3f}", f">= {GOAL}", vop_ratio >= GOAL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_MESSAGES:,} messages, {QUICK_ROUNDS} rounds"
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument(
        "--fetch", type=int, default=1000, help="messages per fetch of the in-memory feed"
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the four timed parts")
    parser.add_argument("--profile", action="store_true", help="print the hottest functions")
    parser.add_argument(
        "--python-gc", action="store_true", help="keep Python's collector defaults (comparison)"
    )
    args = parser.parse_args()
    if args.quick:
        args.messages = min(args.messages, QUICK_MESSAGES)
        args.rounds = min(args.rounds, QUICK_ROUNDS)
    size = "quick" if args.quick else "full"
    print_conditions(f"{size}: {args.messages:,} messages, {args.rounds} rounds")
    # No drift: the simulator's feed holds only the benchmark's messages.
    with bench_environment({"HIVE_VOP_SIM_DRIFT_FRACTION": "0"}) as env:
        args.pids = {"simulator": env.simulator_pid, "postgresql": env.postgres_pid}
        args.state = env.simulator_state
        asyncio.run(run(args, env.database_url, env.simulator_url))


if __name__ == "__main__":
    main()
