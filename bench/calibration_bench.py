"""Benchmark: nightly calibration of 100,000 pool products, as a fraction of the supplier's
rate budget used (calls made per second / configured QPS, per method; goal >= 0.9).

Real pieces: embedded PostgreSQL (pool, history, shared rate-limit buckets), the VOP
simulator in its own process over HTTP, the VOP adapter with its full guard, and
``calibration.calibrate_supplier`` with the concurrency it derives from the registry's limits.
Pool products are inserted in bulk with stale prices, so every product drifts. The three
methods calibration uses are each limited to ``--qps`` (default 10: 1,000 calls per method
for 100,000 products, about 100 s, which keeps the whole run under 3 minutes on 2 cores).

    .venv/bin/python bench/calibration_bench.py [--products 100000] [--qps 10]
"""

from __future__ import annotations

import argparse
import asyncio

from feed_apply_bench import AREAS, INSERT_POOL
from harness import adapter_factory, bench_environment, register_vop, vop_adapter
from sqlalchemy import text
from supplier_refresh_bench import SUPPLIER_NAME, collect_skus

from hive.catalog import calibration
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.suppliers.resilience.metrics import SUPPLIER_CALLS
from hive.suppliers.runtime import supplier_http_client

METHODS = ("price/getSellPrice", "product/skuState", "stock/getNewStockById")


def calls(method: str) -> float:
    return float(SUPPLIER_CALLS.labels(SUPPLIER_NAME, method)._value.get())


async def run(args: argparse.Namespace, url: str, sim_url: str) -> None:
    settings = Settings(database_url=url, log_format="json", log_level="WARNING")
    database = Database(create_engine(url, settings))
    try:
        supplier_id = await register_vop(
            database, sim_url, SUPPLIER_NAME, {"*": 1000, **dict.fromkeys(METHODS, args.qps)}
        )
        async with supplier_http_client() as http:  # the worker's own client
            factory = adapter_factory(database, settings, http)
            adapter = await vop_adapter(factory, supplier_id)
            skus = await collect_skus(adapter, args.products)
            async with database.platform_transaction() as session:
                await session.execute(text(INSERT_POOL), {"supplier": supplier_id, "skus": skus})
            limits = {"*": 1000.0, **dict.fromkeys(METHODS, args.qps)}
            in_flight = calibration.in_flight_for(limits, settings.supplier_default_qps)
            before = {m: calls(m) for m in METHODS}
            report = await calibration.calibrate_supplier(
                database, adapter, in_flight=in_flight, stock_areas=AREAS
            )
            made = {m: calls(m) - before[m] for m in METHODS}
        print(f"calibrated {report.checked} of {len(skus)} products in {report.elapsed_s:.1f} s")
        print(f"  drifted products {report.drifted_products}, per field {dict(report.drifted)}")
        print(f"  failed {report.failed}, in flight {in_flight}")
        print(f"budget (configured per method): {args.qps:.1f} calls/s")
        for method, count in made.items():
            rate = count / report.elapsed_s
            print(
                f"{method:<24} {count:6.0f} calls {rate:6.2f}/s  budget used {rate / args.qps:.3f}"
            )
        total = sum(made.values()) / report.elapsed_s / (args.qps * len(METHODS))
        print(f"overall fraction of the rate budget used: {total:.3f} (goal >= 0.9)")
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--qps", type=float, default=10.0)
    args = parser.parse_args()
    with bench_environment() as env:
        asyncio.run(run(args, env.database_url, env.simulator_url))


if __name__ == "__main__":
    main()
