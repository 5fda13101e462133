"""Benchmark: price + stock refresh of 100,000 SKUs through the VOP adapter, rate-limited.

Everything is real: an embedded PostgreSQL (token store and the shared rate-limit buckets),
the VOP simulator in its own process over HTTP on 127.0.0.1, and the adapter with its full
guard (rate limit, bulkhead, breaker, retries). Each of the two methods is limited to
``--qps`` calls per second.

The baseline is that configured limit: a constant, not measured. Calls are counted at the HTTP
client (only those that reached the simulator and were answered), and the run checks both
sides of the limit, per method:

- ceiling: at most ``burst + qps x elapsed`` calls (the bucket starts full with one second's
  worth); more means the limiter let calls through that the supplier would refuse;
- achieved rate after the burst window (the first second) as a fraction of the limit, goal
  >= 0.9.

The RESULT line says met only when both hold; otherwise the exit status is 1.

    .venv/bin/python bench/supplier_refresh_bench.py [--quick] [--skus 100000] [--qps 50]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

from harness import (
    PROBE_SHARE,
    UNLIMITED_QPS,
    SupplierCalls,
    adapter_factory,
    bench_environment,
    print_conditions,
    rate_budget,
    register_vop,
    report_budgets,
    unlimited_rate,
    vop_adapter,
)

from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.suppliers.errors import SupplierError
from hive.suppliers.factory import AdapterFactory
from hive.suppliers.runtime import supplier_http_client
from hive.suppliers.types import Area
from hive.suppliers.vop.adapter import VopAdapter, chunks

AREA = Area(1, 72, 2799, 0)
GOAL = 0.9
QUICK_SKUS = 50_000
METHODS = ("price/getSellPrice", "stock/getNewStockById")
SUPPLIER_NAME = "bench-vop"


async def register(database: Database, url: str, qps: float, secrets: object = None) -> int:
    """The benchmark supplier with ``qps`` on the refreshed methods (used by other benches)."""
    return await register_vop(
        database, url, SUPPLIER_NAME, {"*": 1000, **dict.fromkeys(METHODS, qps)}
    )


async def collect_skus(adapter: VopAdapter, wanted: int) -> list[str]:
    skus: list[str] = []
    for page_num in await adapter.pool_pages():
        page_no, page_count = 1, 1
        while page_no <= page_count and len(skus) < wanted:
            ids, page_count = await adapter.pool_page_skus(page_num, page_no)
            skus += ids
            page_no += 1
        if len(skus) >= wanted:
            return skus[:wanted]
    return skus


async def refresh(
    adapter: VopAdapter, skus: list[str], in_flight: int, failed: Counter[str] | None = None
) -> tuple[int, int]:
    """Price and stock of every SKU, a chunk at a time; a call that failed is counted in
    ``failed`` by error code and the run goes on (its RESULT then says not met)."""
    gate = asyncio.Semaphore(in_flight)
    priced = stocked = 0
    failures: Counter[str] = Counter() if failed is None else failed

    async def one(chunk: list[str]) -> None:
        nonlocal priced, stocked
        async with gate:
            quotes, levels = await asyncio.gather(
                adapter.prices(chunk),
                adapter.stock([(s, 1) for s in chunk], AREA),
                return_exceptions=True,
            )
        for answer in (quotes, levels):
            if isinstance(answer, SupplierError):
                failures[answer.code] += 1
            elif isinstance(answer, BaseException):
                raise answer
        priced += 0 if isinstance(quotes, BaseException) else len(quotes)
        stocked += 0 if isinstance(levels, BaseException) else len(levels)

    await asyncio.gather(*(one(list(chunk)) for chunk in chunks(skus)))
    return priced, stocked


async def run(args: argparse.Namespace, database_url: str, sim_url: str) -> None:
    settings = Settings(database_url=database_url, log_format="json")
    database = Database(create_engine(database_url, settings))
    calls = SupplierCalls()
    try:
        supplier_id = await register(database, sim_url, args.qps)
        async with supplier_http_client() as http:  # the worker's own client
            calls.attach(http)
            factory = adapter_factory(database, settings, http)
            adapter = await vop_adapter(factory, supplier_id)
            skus = await collect_skus(adapter, args.skus)
            unlimited = await probe_unlimited(database, sim_url, factory, calls, skus, args)
            failed: Counter[str] = Counter()
            started = time.perf_counter()
            priced, stocked = await refresh(adapter, skus, args.in_flight, failed)
            finished = time.perf_counter()
    finally:
        await database.dispose()
    print(
        f"refreshed {len(skus)} SKUs ({priced} prices, {stocked} stock levels) "
        f"in {finished - started:.1f} s"
    )
    budgets = [rate_budget(calls, m, args.qps, started, finished) for m in METHODS]
    report_budgets("supplier_refresh", budgets, GOAL, unlimited, failed)


async def probe_unlimited(
    database: Database,
    sim_url: str,
    factory: AdapterFactory,
    calls: SupplierCalls,
    skus: list[str],
    args: argparse.Namespace,
) -> float:
    """The same refresh of a fifth of the SKUs through a supplier without a limit: calls/s
    per method (the slowest) that this machine manages at the moment."""
    supplier_id = await register_vop(
        database, sim_url, f"{SUPPLIER_NAME}-unlimited", {"*": UNLIMITED_QPS}
    )
    adapter = await vop_adapter(factory, supplier_id)
    await adapter.prices(skus[:1])  # its token, outside the timed part
    started = time.perf_counter()
    await refresh(adapter, skus[: max(len(skus) // PROBE_SHARE, 100)], args.in_flight)
    return unlimited_rate(calls, METHODS, started, time.perf_counter())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SKUS:,} SKUs (~1 min)")
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--qps", type=float, default=50.0)
    parser.add_argument("--in-flight", type=int, default=32)
    args = parser.parse_args()
    if args.quick:
        args.skus = min(args.skus, QUICK_SKUS)
    print_conditions(f"{'quick' if args.quick else 'full'}: {args.skus:,} SKUs at {args.qps} QPS")
    with bench_environment() as env:
        asyncio.run(run(args, env.database_url, env.simulator_url))


if __name__ == "__main__":
    main()
