"""Pool freshness jobs: the feed's refresh of SKUs, the active refresh, the nightly calibration.

A job needs the database and supplier adapters. The worker installs its own with
:func:`use_runtime` (sharing its adapter factory and HTTP client); otherwise the first job of
the process builds one from the settings and the job's database, kept for the process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from procrastinate import PsycopgConnector, RetryStrategy
from procrastinate.job_context import JobContext

from hive.catalog import calibration, refresh
from hive.catalog import freshness_repository as fresh_repo
from hive.catalog.snapshot import parse_areas
from hive.platform.config import Settings, get_settings
from hive.platform.db import Database, create_engine
from hive.platform.errors import HiveError
from hive.platform.jobs import job_app
from hive.platform.logging import get_logger
from hive.suppliers import service as suppliers
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import Area

FEED_QUEUE = "catalog_feed"
POOL_QUEUE = "catalog"
ACTIVE_REFRESH_LOCK = "catalog_refresh_active_products"
CALIBRATION_LOCK = "catalog_calibrate_pool"
# Products viewed or ordered within this window are refreshed every 30 minutes.
ACTIVE_WINDOW = timedelta(days=1)
# A refresh the supplier failed is retried after 5 s, 10 s, 20 s … (about 3 hours in all).
FEED_RETRY = RetryStrategy(max_attempts=12, exponential_wait=5)

log = get_logger("hive.catalog.tasks")


class RefreshIncomplete(HiveError):
    code = "pool_refresh_incomplete"
    http_status = 503
    default_message = "供应商暂不可用，稍后重试 / Supplier unavailable, will retry"


@dataclass
class FreshnessRuntime:
    database: Database
    adapter_for: Callable[[int], Awaitable[SupplierAdapter]]
    settings: Settings
    stock_areas: list[Area] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.stock_areas:
            self.stock_areas = parse_areas(self.settings.pool_stock_areas)


_runtime: FreshnessRuntime | None = None
_owned = contextlib.AsyncExitStack()


def use_runtime(runtime: FreshnessRuntime | None) -> None:
    """Install the database and adapters the jobs of this process use (None: forget it)."""
    global _runtime
    _runtime = runtime


async def current_runtime(context: JobContext) -> FreshnessRuntime:
    global _runtime
    if _runtime is None:
        from hive.suppliers.runtime import supplier_runtime

        settings = get_settings()
        database = Database(create_engine(_database_url(context, settings), settings))
        factory = await _owned.enter_async_context(supplier_runtime(database, settings))
        _runtime = FreshnessRuntime(database, factory.for_supplier_id, settings)
    return _runtime


def _database_url(context: JobContext, settings: Settings) -> str:
    connector = context.app.connector
    if isinstance(connector, PsycopgConnector):
        conninfo = connector.pool.conninfo
        if isinstance(conninfo, str):
            return conninfo
    return settings.database_url


@job_app.task(
    name="hive.catalog.refresh_pool_skus", queue=FEED_QUEUE, pass_context=True, retry=FEED_RETRY
)
async def refresh_pool_skus(
    context: JobContext, supplier_id: int, skus: list[str], aspects: list[str]
) -> int:
    """Deferred by the feed handlers: read ``skus`` from the supplier and apply them.

    Raises (so the job is retried later) when any batch could not be read; batches that were
    read are applied whole, and applying them again later changes nothing.
    """
    runtime = await current_runtime(context)
    adapter = await runtime.adapter_for(supplier_id)
    report = await refresh.refresh_skus(
        runtime.database,
        adapter,
        skus,
        aspects=[refresh.Aspect(a) for a in aspects],
        source="feed",
        stock_areas=runtime.stock_areas,
    )
    if report.failed:
        raise RefreshIncomplete(details={"failed": len(report.failed), "skus": len(skus)})
    return len(report.changed)


@job_app.periodic(cron="*/30 * * * *", periodic_id=ACTIVE_REFRESH_LOCK)
@job_app.task(
    name="hive.catalog.refresh_active_products",
    queue=POOL_QUEUE,
    pass_context=True,
    queueing_lock=ACTIVE_REFRESH_LOCK,
)
async def refresh_active_products(context: JobContext, timestamp: int) -> int:
    """Every 30 minutes: price, shelf and stock of products viewed or ordered lately."""
    runtime = await current_runtime(context)
    since = datetime.fromtimestamp(timestamp, UTC) - ACTIVE_WINDOW
    report = await refresh.refresh_recent(
        runtime.database, runtime.adapter_for, since=since, stock_areas=runtime.stock_areas
    )
    log.info(
        "active products refreshed",
        refreshed=report.refreshed,
        changed=len(report.changed),
        failed=len(report.failed),
        fields=dict(report.fields),
    )
    return report.refreshed


@job_app.periodic(cron="30 2 * * *", periodic_id=CALIBRATION_LOCK)
@job_app.task(
    name="hive.catalog.calibrate_pool",
    queue=POOL_QUEUE,
    pass_context=True,
    queueing_lock=CALIBRATION_LOCK,
)
async def calibrate_pool(context: JobContext, timestamp: int) -> int:
    """Every night at 02:30: calibrate every supplier's pool within its rate budget."""
    runtime = await current_runtime(context)
    return await calibrate_all(runtime)


async def calibrate_all(runtime: FreshnessRuntime) -> int:
    """Calibrate the pool of each enabled supplier that has pool products; products checked."""
    async with runtime.database.platform_transaction() as session:
        pooled = await fresh_repo.pooled_supplier_ids(session)
        rows = {s.id: s for s in await suppliers.list_suppliers(session)}
    checked = 0
    for supplier_id in pooled:
        supplier = rows.get(supplier_id)
        if supplier is None or not supplier.enabled:
            continue
        adapter = await runtime.adapter_for(supplier_id)
        in_flight = calibration.in_flight_for(
            supplier.rate_limits, runtime.settings.supplier_default_qps
        )
        report = await calibration.calibrate_supplier(
            runtime.database, adapter, in_flight=in_flight, stock_areas=runtime.stock_areas
        )
        checked += report.checked
    return checked
