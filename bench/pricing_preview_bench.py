"""Benchmark: previewing a change of the default pricing rule over N products × 5 grades, as
the request did it (one statement) beside the preview job (chunks with progress), same run.

The pool, grades and rules are the reprice benchmark's (``reprice_bench.py``), priced once by
the full reprice. The change previewed is the default rule's discount 5 % → 7 %, which touches
every product. Printed: the one statement's time (over the request's 30 s statement timeout it
would fail in a request), the job's total time and its slowest chunk (one transaction each:
what must stay well inside the timeout), and whether both give the same preview.

    .venv/bin/python bench/pricing_preview_bench.py [--quick] [--products 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from harness import finish, print_conditions
from reprice_bench import GRADES, bench_database, reprice, seed

from hive.catalog.pricing import forms, preview_job, repository, rules
from hive.catalog.pricing.engine import Scope
from hive.platform import progress
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.platform.permissions import Role

QUICK_PRODUCTS = 20_000
REQUEST_TIMEOUT_S = 30.0
ACTOR = Actor(user_id=None, username="bench", role=Role.PLATFORM_ADMIN.value)
FORM = {"scope": Scope.DEFAULT.value, "base": "retail_discount", "percent": "7"}
FORM |= {"rounding": "nine"}
BANDS = [("0", "50", "3"), ("5000", "", "-2.5")]


async def default_rule_id(database: Database) -> int:
    async with database.platform_transaction() as session:
        found = await repository.list_rules(session)
    return next(rule.id for rule in found if rule.scope == Scope.DEFAULT)


async def one_statement(database: Database, rule_id: int) -> tuple[float, rules.Preview]:
    data = forms.read_rule(FORM, BANDS)
    started = time.perf_counter()
    async with database.platform_transaction() as session:
        found = await rules.preview_rule(session, ACTOR, data, rule_id=rule_id)
    return time.perf_counter() - started, found


async def as_job(
    database: Database, rule_id: int, chunk: int
) -> tuple[float, float, rules.Preview]:
    """Total seconds, slowest chunk's seconds, and the preview the job found."""
    async with database.platform_transaction() as session:
        started = await preview_job.start_preview(
            session, ACTOR, FORM, BANDS, rule_id=rule_id, inline_max=0
        )
    assert isinstance(started, int)
    chunks: list[float] = []
    original = rules.preview_rule

    async def timed(*args: object, **kwargs: object) -> rules.Preview:
        began = time.perf_counter()
        found = await original(*args, **kwargs)  # type: ignore[arg-type]
        chunks.append(time.perf_counter() - began)
        return found

    rules.preview_rule = timed  # type: ignore[assignment]
    began = time.perf_counter()
    try:
        await preview_job.run_preview(database, started, chunk=chunk)
    finally:
        rules.preview_rule = original  # type: ignore[assignment]
    total = time.perf_counter() - began
    async with database.platform_transaction() as session:
        row = await progress.get_progress(session, started)
    return total, max(chunks), preview_job.preview_of(row)


async def run(products: int, url: str) -> None:
    # No statement timeout here: the one statement is measured however long it takes.
    settings = Settings(
        database_url=url, log_format="json", log_level="WARNING", db_statement_timeout_ms=0
    )
    database = Database(create_engine(url, settings))
    try:
        began = time.perf_counter()
        await seed(database, products)
        priced = await reprice(database, settings)
        print(f"seeded and priced {products:,} products in {time.perf_counter() - began:.1f} s")
        print(f"  (full reprice {priced:.1f} s)")
        rule_id = await default_rule_id(database)
        single, expected = await one_statement(database, rule_id)
        chunk = settings.pricing_reprice_chunk
        total, slowest, found = await as_job(database, rule_id, chunk)
    finally:
        await database.dispose()
    print(
        f"one statement (the request before): {single:.2f} s "
        f"({'over' if single > REQUEST_TIMEOUT_S else 'within'} the request's 30 s)"
    )
    print(f"job: {total:.2f} s in chunks of {chunk:,} products; slowest chunk {slowest:.2f} s")
    print(f"prices that move: {expected.prices_moved:,} of {products * len(GRADES):,}")
    same = found == expected
    print(f"the job's preview equals the one statement's: {same}")
    met = same and slowest < REQUEST_TIMEOUT_S
    finish("pricing_preview", "slowest_chunk_s", f"{slowest:.2f}", "< 30 and same preview", met)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PRODUCTS:,} products")
    parser.add_argument("--products", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.quick:
        args.products = min(args.products, QUICK_PRODUCTS)
    size = "quick" if args.quick else "full"
    print_conditions(f"{size}: {args.products:,} products × {len(GRADES)} grades")
    with bench_database() as url:
        asyncio.run(run(args.products, url))


if __name__ == "__main__":
    main()
