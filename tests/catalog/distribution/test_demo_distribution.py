"""The demo's distribution: three pools assigned at seed, their products and acme's library
filled by a job once every demo rule has run and selected products (and not before)."""

from __future__ import annotations

from sqlalchemy import text

from hive.catalog.distribution import service as distribution
from hive.demo import DEMO_GRADES, DEMO_RULES, fill_demo_distribution, seed_demo_data
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.jobs import JobRuntime, run_worker
from tests.catalog.search.conftest import Item, _prepared_pool

FILL_JOBS = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :name"
RULE_RAN = "UPDATE selection_rules SET last_run_at = now() WHERE name = :name"


async def test_the_demo_pools_fill_once_products_exist(
    database: Database, settings: Settings
) -> None:
    await seed_demo_data(database, settings)
    await seed_demo_data(database, settings)
    async with database.platform_transaction() as session:
        pools = {row.name: row for row in await distribution.list_pools(session)}
        jobs = await session.scalar(
            text(FILL_JOBS), {"name": "hive.catalog.fill_demo_distribution"}
        )
        assert await fill_demo_distribution(session) is False  # no products yet
    assert jobs == 1
    assert {name: (p.kind, p.assignments) for name, p in pools.items()} == {
        "全部商品": ("default", len(DEMO_GRADES)),
        "食品饮料专区": ("category", 1),
        "acme 专属商品": ("exclusive", 1),
    }
    pool = await _prepared_pool(database)  # categories 1-12, 10 is 食品饮料
    products = await pool.add(*(Item(f"商品{i}", category_id=12, sales=i) for i in range(25)))
    async with database.platform_transaction() as session:
        await session.execute(text("UPDATE categories SET name = '食品饮料' WHERE id = 10"))
        await session.execute(text(RULE_RAN), {"name": DEMO_RULES[0][0]})
        # Enough products, but the other demo rules have not run: the first rule to finish
        # would have filled acme's library with its own products alone.
        assert await fill_demo_distribution(session) is False
        for name, _ in DEMO_RULES[1:]:
            await session.execute(text(RULE_RAN), {"name": name})
        assert await fill_demo_distribution(session) is True
        orders_jobs = await session.scalar(
            text(FILL_JOBS), {"name": "hive.orders.seed_demo_orders"}
        )
        pools = {row.name: row for row in await distribution.list_pools(session)}
        counts = await session.execute(
            text(
                "SELECT t.code, count(*) FROM library_items li"
                " JOIN tenants t ON t.id = li.tenant_id GROUP BY t.code"
            )
        )
        held = {row[0]: row[1] for row in counts}
        codes = await session.execute(text("SELECT code, id FROM tenants"))
        tenant = {row.code: row.id for row in codes}
        reserved = set(products[:2])  # the two with the fewest sales
        assert await distribution.visible_product_ids(session, tenant["acme"], reserved) == reserved
        assert await distribution.visible_product_ids(session, tenant["globex"], reserved) == set()
    assert (pools["食品饮料专区"].categories, pools["acme 专属商品"].products) == (1, 2)
    assert held == {"acme": 10}
    assert orders_jobs == 1  # acme's demo orders follow (tests/cli/test_demo_orders.py)


async def test_the_fill_job_waits_by_deferring_its_next_look_not_by_failing(
    database: Database, settings: Settings, job_runtime: JobRuntime
) -> None:
    """Before the demo rules ran, the job schedules its next look 20 s on and succeeds: a
    fresh `hive up` logs no traceback for what is only waiting."""
    await seed_demo_data(database, settings)
    await run_worker(job_runtime, wait=False, queues=["catalog"])
    async with database.platform_transaction() as session:
        jobs = (
            await session.execute(
                text(
                    "SELECT status, args, scheduled_at > now() + interval '10 seconds' AS later"
                    " FROM procrastinate_jobs WHERE task_name = :name ORDER BY id"
                ),
                {"name": "hive.catalog.fill_demo_distribution"},
            )
        ).all()
    assert [(job.status, job.args, job.later) for job in jobs] == [
        ("succeeded", {}, None),
        ("todo", {"look": 2}, True),
    ]
