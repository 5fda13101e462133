"""Benchmark: nightly calibration of 100,000 pool products, as a fraction of the supplier's
rate budget used (calls per second / configured QPS, per method; goal >= 0.9), and never
above it.

Real pieces: embedded PostgreSQL (pool, history, shared rate-limit buckets), the VOP
simulator in its own process over HTTP, the VOP adapter with its full guard, and
``calibration.calibrate_supplier`` with the concurrency it derives from the registry's limits.
Pool products are inserted in bulk with stale prices, so every product drifts. The three
methods calibration uses are each limited to ``--qps`` (default 10: 1,000 calls per method
for 100,000 products, about 100 s, which keeps the whole run under 3 minutes on 2 cores).

The baseline is the configured limit: a constant, not measured. Calls are counted at the HTTP
client (only those that reached the simulator and were answered). Per method the run checks
the ceiling (at most ``burst + qps x elapsed`` calls, the bucket starting full with one
second's worth) and the achieved rate after the burst window (the first second) as a fraction
of the limit. The RESULT line says met only when both hold; otherwise the exit status is 1.

    .venv/bin/python bench/calibration_bench.py [--quick] [--products 100000] [--qps 10]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from feed_apply_bench import AREAS, INSERT_POOL
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
from sqlalchemy import text
from supplier_refresh_bench import SUPPLIER_NAME, collect_skus

from hive.catalog.freshness import calibration
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.suppliers.factory import AdapterFactory
from hive.suppliers.runtime import supplier_http_client

METHODS = ("price/getSellPrice", "product/skuState", "stock/getNewStockById")
GOAL = 0.9
QUICK_PRODUCTS = 20_000


async def run(args: argparse.Namespace, url: str, sim_url: str) -> None:
    settings = Settings(database_url=url, log_format="json", log_level="WARNING")
    database = Database(create_engine(url, settings))
    calls = SupplierCalls()
    try:
        supplier_id = await register_vop(
            database, sim_url, SUPPLIER_NAME, {"*": 1000, **dict.fromkeys(METHODS, args.qps)}
        )
        async with supplier_http_client() as http:  # the worker's own client
            calls.attach(http)
            factory = adapter_factory(database, settings, http)
            adapter = await vop_adapter(factory, supplier_id)
            skus = await collect_skus(adapter, args.products)
            async with database.platform_transaction() as session:
                await session.execute(text(INSERT_POOL), {"supplier": supplier_id, "skus": skus})
            limits = {"*": 1000.0, **dict.fromkeys(METHODS, args.qps)}
            in_flight = calibration.in_flight_for(limits, settings.supplier_default_qps)
            probe = skus[: max(len(skus) // PROBE_SHARE, 100)]
            unlimited = await probe_unlimited(database, sim_url, factory, calls, probe, in_flight)
            started = time.perf_counter()
            report = await calibration.calibrate_supplier(
                database, adapter, in_flight=in_flight, stock_areas=AREAS
            )
            finished = time.perf_counter()
    finally:
        await database.dispose()
    print(f"calibrated {report.checked} of {len(skus)} products in {report.elapsed_s:.1f} s")
    print(f"  drifted products {report.drifted_products}, per field {dict(report.drifted)}")
    print(f"  failed {report.failed}, in flight {in_flight}")
    budgets = [rate_budget(calls, m, args.qps, started, finished) for m in METHODS]
    report_budgets("calibration", budgets, GOAL, unlimited, report.errors)  # failed batches


async def probe_unlimited(
    database: Database,
    sim_url: str,
    factory: AdapterFactory,
    calls: SupplierCalls,
    skus: list[str],
    in_flight: int,
) -> float:
    """The same calibration of a pool of ``skus`` through a supplier without a limit: calls/s
    per method (the slowest) that this machine manages at the moment."""
    supplier_id = await register_vop(
        database, sim_url, f"{SUPPLIER_NAME}-unlimited", {"*": UNLIMITED_QPS}
    )
    adapter = await vop_adapter(factory, supplier_id)
    async with database.platform_transaction() as session:
        await session.execute(text(INSERT_POOL), {"supplier": supplier_id, "skus": skus})
    await adapter.prices(skus[:1])  # its token, outside the timed part
    started = time.perf_counter()
    await calibration.calibrate_supplier(database, adapter, in_flight=in_flight, stock_areas=AREAS)
    return unlimited_rate(calls, METHODS, started, time.perf_counter())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PRODUCTS:,} products")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--qps", type=float, default=10.0)
    args = parser.parse_args()
    if args.quick:
        args.products = min(args.products, QUICK_PRODUCTS)
    size = f"{'quick' if args.quick else 'full'}: {args.products:,} products at {args.qps} QPS"
    print_conditions(size)
    with bench_environment() as env:
        asyncio.run(run(args, env.database_url, env.simulator_url))


if __name__ == "__main__":
    main()
