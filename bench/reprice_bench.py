"""Benchmark: a full reprice of N products × 5 customer grades beside one plain set-based SQL
statement doing the same arithmetic, in the same run.

Real pieces: embedded PostgreSQL, the migrated schema, the pricing rules and grades as an
operator would leave them (category rules inherited down a 3-level tree, brand rules, bands,
category floors, all three rounding modes), and the full reprice job's own function
(:func:`hive.catalog.pricing.tasks.run_full_reprice`: chunks of ``pricing_reprice_chunk``
products, one statement and transaction each, progress written after each chunk, change
detection against stored prices, special prices and tenant events in the same statement).

Baseline: the same arithmetic (``reprice_sql.baseline_statement``) as one ``INSERT … SELECT``
of every price into a table shaped like ``product_prices`` (same primary key and foreign
keys: their checks are most of the cost of writing a price), in one transaction, with no
change detection, progress, special prices or events.

Each round empties both tables and vacuums, then times the baseline and the reprice (in
alternating order); the two results must agree price for price. The ratio printed is the
median of the rounds' baseline time / reprice time (goal >= 0.5).

    .venv/bin/python bench/reprice_bench.py [--quick] [--products 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from harness import REPO, finish, print_conditions
from sqlalchemy import text

from hive.catalog.pricing import reprice_sql
from hive.catalog.pricing.rules import REPRICE_KIND
from hive.catalog.pricing.tasks import run_full_reprice
from hive.platform.actor import SYSTEM
from hive.platform.config import Settings
from hive.platform.database_server import create_database_if_missing, start_embedded
from hive.platform.db import Database, create_engine
from hive.platform.migrations import upgrade_to_head
from hive.platform.progress import start_progress

GOAL = 0.5
QUICK_PRODUCTS = 20_000
QUICK_ROUNDS = 2
GRADES = [("普通", "1.00"), ("银牌", "0.98"), ("金牌", "0.95"), ("钻石", "0.92"), ("战略", "0.90")]

SEED = [
    "INSERT INTO suppliers (id, name, kind, base_url, credentials_encrypted, rate_limits, "
    "enabled) VALUES (1, 'bench', 'warehouse', '', '', '{}', true)",
    # 10 roots × 10 × 10: ids 1-10, 11-110, 111-1110.
    "INSERT INTO categories (id, parent_id, name, level, sort_order, active) "
    "SELECT g, NULL, 'c' || g, 1, 0, true FROM generate_series(1, 10) AS g",
    "INSERT INTO categories (id, parent_id, name, level, sort_order, active) "
    "SELECT 10 + g, 1 + (g - 1) / 10, 'c' || (10 + g), 2, 0, true "
    "FROM generate_series(1, 100) AS g",
    "INSERT INTO categories (id, parent_id, name, level, sort_order, active) "
    "SELECT 110 + g, 11 + (g - 1) / 10, 'c' || (110 + g), 3, 0, true "
    "FROM generate_series(1, 1000) AS g",
    # The grades are constants of this module.
    "INSERT INTO customer_grades (name, price_coefficient, description) VALUES "  # noqa: S608
    + ", ".join(f"('{name}', {coefficient}, '')" for name, coefficient in GRADES),
    # Rules: default retail −5 % to a .9 ending with bands; cost-plus on 5 roots (inherited),
    # overridden on 50 leaves; 20 brands to 0.1 yuan; floors on 3 roots.
    "UPDATE pricing_rules SET base = 'retail_discount', percent = 5, rounding = 'nine'",
    "INSERT INTO pricing_bands (rule_id, min_fen, max_fen, adjust_percent) "
    "SELECT id, 0, 5000, 3 FROM pricing_rules UNION ALL "
    "SELECT id, 500000, NULL, -2.5 FROM pricing_rules",
    "INSERT INTO pricing_rules (scope, category_id, base, percent, rounding, allow_above_retail) "
    "SELECT 'category', g, 'cost_plus', 12.5, 'fen', false FROM generate_series(1, 5) AS g",
    "INSERT INTO pricing_rules (scope, category_id, base, percent, rounding, allow_above_retail) "
    "SELECT 'category', 110 + g * 20, 'cost_plus', 30, 'jiao', true "
    "FROM generate_series(1, 50) AS g",
    "INSERT INTO pricing_rules (scope, brand, base, percent, rounding, allow_above_retail) "
    "SELECT 'brand', 'brand' || g, 'retail_discount', 8, 'jiao', false "
    "FROM generate_series(1, 20) AS g",
    "INSERT INTO pricing_category_floors (category_id, min_margin_percent) "
    "VALUES (1, 3), (6, 5), (9, 0)",
]
PRODUCTS = """
INSERT INTO products (supplier_id, supplier_sku, name, brand, category_id, image_url, images,
                      attributes, purchase_price_fen, retail_price_fen, sales, on_shelf,
                      in_supplier_pool, stock, status)
SELECT 1, 's' || g, '商品' || g, 'brand' || (g % 200), 111 + (g * 7) % 1000, '', '[]', '{}',
       p, CASE WHEN g % 50 = 0 THEN 0 ELSE p * (105 + g % 40) / 100 END, 0, true, true, '{}',
       'active'
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g,
     LATERAL (SELECT 100 + (g * 7919) % 200000 AS p) AS x
"""
DISAGREE = """
SELECT count(*) FROM product_prices AS p FULL JOIN bench_prices AS b USING (product_id, grade_id)
WHERE p.price_fen IS DISTINCT FROM b.price_fen OR p.floor_fen IS DISTINCT FROM b.floor_fen
"""


@contextmanager
def bench_database() -> Iterator[str]:
    """A migrated database on a throw-away embedded PostgreSQL (no simulator needed)."""
    work = REPO / ".hive" / f"bench-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    server = None
    try:
        server = start_embedded(work / "pgdata")
        create_database_if_missing(server.get_uri("postgres"), "bench")
        url = server.get_uri("bench")
        upgrade_to_head(url)
        yield url
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(work, ignore_errors=True)


async def owner(database: Database, *statements: str, **params: object) -> None:
    """Statements as the schema owner, outside the platform's roles (setup, TRUNCATE, VACUUM)."""
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for statement in statements:
            await autocommit.execute(text(statement), params)


async def seed(database: Database, products: int) -> None:
    await owner(database, *SEED)
    for first in range(1, products + 1, 100_000):
        await owner(database, PRODUCTS, first=first, last=min(first + 99_999, products))
    await owner(
        database,
        "CREATE TABLE bench_prices (LIKE product_prices INCLUDING DEFAULTS INCLUDING INDEXES)",
        # The same foreign keys as product_prices: both sides pay the same integrity checks.
        "ALTER TABLE bench_prices ADD FOREIGN KEY (product_id) REFERENCES products (id), "
        "ADD FOREIGN KEY (grade_id) REFERENCES customer_grades (id), "
        "ADD FOREIGN KEY (rule_id) REFERENCES pricing_rules (id)",
        "VACUUM ANALYZE",
    )


async def baseline(database: Database, margin: Decimal) -> float:
    """Seconds for the one plain statement over every product."""
    statement = text(reprice_sql.baseline_statement("bench_prices"))
    params = {"after_id": 0, "upto_id": 2**62, "default_margin": margin}
    started = time.perf_counter()
    async with database.engine.begin() as connection:
        await connection.execute(statement, params)
    return time.perf_counter() - started


async def reprice(database: Database, settings: Settings) -> float:
    """Seconds for the full reprice job's work (its progress row made beforehand)."""
    async with database.platform_transaction() as session:
        progress_id = (await start_progress(session, SYSTEM, REPRICE_KIND, params={})).id
    started = time.perf_counter()
    await run_full_reprice(
        database,
        progress_id,
        chunk=settings.pricing_reprice_chunk,
        margin=settings.pricing_min_margin_percent,
    )
    return time.perf_counter() - started


async def one_round(number: int, database: Database, settings: Settings) -> tuple[float, float]:
    await owner(database, "TRUNCATE product_prices, bench_prices", "VACUUM ANALYZE")
    margin = settings.pricing_min_margin_percent
    if number % 2:
        base = await baseline(database, margin)
        ours = await reprice(database, settings)
    else:
        ours = await reprice(database, settings)
        base = await baseline(database, margin)
    async with database.engine.connect() as connection:
        disagree = (await connection.execute(text(DISAGREE))).scalar_one()
    if disagree:
        raise SystemExit(f"the reprice and the baseline disagree on {disagree} prices")
    return base, ours


async def run(args: argparse.Namespace, url: str) -> None:
    # No statement timeout: the baseline is one INSERT … SELECT of every price (5,000,000 at
    # full size), far beyond a request's 30 s; the reprice job's chunks stay well within it.
    settings = Settings(
        database_url=url, log_format="json", log_level="WARNING", db_statement_timeout_ms=0
    )
    database = Database(create_engine(url, settings))
    try:
        started = time.perf_counter()
        await seed(database, args.products)
        print(f"seeded {args.products:,} products in {time.perf_counter() - started:.1f} s")
        rounds = []
        for number in range(1, args.rounds + 1):
            base, ours = await one_round(number, database, settings)
            rounds.append((base, ours))
            print(
                f"round {number}: baseline {base:.2f} s, reprice {ours:.2f} s "
                f"(ratio {base / ours:.3f})"
            )
    finally:
        await database.dispose()
    rows = args.products * len(GRADES)
    base = statistics.median(b for b, _ in rounds)
    ours = statistics.median(o for _, o in rounds)
    ratio = statistics.median(b / o for b, o in rounds)
    print(f"{rows:,} prices ({args.products:,} products × {len(GRADES)} grades), medians:")
    print(f"  baseline, one INSERT … SELECT: {base:.2f} s = {rows / base:,.0f} prices/s")
    print(
        f"  full reprice ({settings.pricing_reprice_chunk:,} products per statement, progress, "
        f"change detection, events): {ours:.2f} s = {rows / ours:,.0f} prices/s (one process)"
    )
    finish("reprice", "ratio", f"{ratio:.3f}", f">= {GOAL}", ratio >= GOAL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_PRODUCTS:,} products, {QUICK_ROUNDS} rounds"
    )
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.quick:
        args.products = min(args.products, QUICK_PRODUCTS)
        args.rounds = min(args.rounds, QUICK_ROUNDS)
    size = "quick" if args.quick else "full"
    print_conditions(
        f"{size}: {args.products:,} products × {len(GRADES)} grades, {args.rounds} rounds"
    )
    with bench_database() as url:
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main()
