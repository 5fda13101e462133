"""Open API test helpers: apps made through the real service, a HAG served over real HTTP
(the ``open_settings`` and ``gateway`` fixtures, loaded for every test by the root conftest; a
module that needs other settings overrides ``open_settings``), signed requests to it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from hive.apps.hag import create_hag_app
from hive.catalog.distribution import service as distribution
from hive.catalog.distribution.models import PoolKind
from hive.catalog.distribution.schemas import AssignmentCreate, PoolCreate, PoolMembers
from hive.openapi import service as openapi
from hive.openapi.client import OpenApiClient
from hive.openapi.schemas import AppCreate
from hive.openapi.scopes import ALL_SCOPES, Scope
from hive.platform.config import Settings
from hive.platform.crypto import SecretBox
from hive.platform.db import Database
from hive.platform.secret_key import load_secret_box
from hive.suppliers import service as suppliers
from hive.suppliers.schemas import SupplierCreate
from hive.suppliers.types import SupplierKind
from tests.support.factories import ADMIN
from tests.support.platform import START_DEADLINE_S, free_port, wait_for
from tests.support.servers import running_server

SECRET_KEY = "open-api-tests-secret-key-0123456789abcdef"


def gateway_settings(settings: Settings, **changes: object) -> Settings:
    """The test settings with a fixed secret key and no app cache (revocations act at once)."""
    values: dict[str, object] = {"secret_key": SecretStr(SECRET_KEY), "open_api_app_cache_s": 0}
    return settings.model_copy(update=values | changes)


@dataclass(frozen=True)
class IssuedApp:
    app_id: int
    app_key: str
    app_secret: str
    tenant_id: int


async def make_app(
    database: Database,
    settings: Settings,
    tenant_id: int,
    *,
    scopes: Sequence[Scope] = ALL_SCOPES,
    ip_allow: Sequence[str] = (),
    name: str = "集成测试",
) -> IssuedApp:
    data = AppCreate(name=name, scopes=list(scopes), ip_allow=list(ip_allow))
    async with database.platform_transaction() as session:
        issued = await openapi.create_app(
            session, ADMIN, tenant_id, data, load_secret_box(settings)
        )
    return IssuedApp(issued.app_id, issued.app_key, issued.app_secret, tenant_id)


@contextmanager
def running_gateway(settings: Settings) -> Iterator[str]:
    """HAG with every domain, served on a free loopback port."""
    with running_server(create_hag_app(settings, settings.database_url)) as url:
        yield url


@pytest.fixture
def open_settings(settings: Settings) -> Settings:
    return gateway_settings(settings)


@pytest.fixture
def gateway(open_settings: Settings) -> Iterator[str]:
    """The base URL of a HAG running with ``open_settings``."""
    with running_gateway(open_settings) as url:
        yield url


def client_for(url: str, app: IssuedApp, **options: object) -> OpenApiClient:
    return OpenApiClient(url, app.app_key, app.app_secret, **options)  # type: ignore[arg-type]


def signed_request(
    url: str,
    app: IssuedApp,
    method: str,
    path: str,
    *,
    timeout_s: float = 30.0,
    clock: Callable[[], float] = time.time,
    **request: Any,
) -> httpx.Response:
    """One request signed as ``app``, from a client of its own."""
    with client_for(url, app, timeout_s=timeout_s, clock=clock) as client:
        return client.request(method, path, **request)


async def call(url: str, app: IssuedApp, method: str, path: str, **options: Any) -> httpx.Response:
    """:func:`signed_request` in a thread, so that the test's event loop runs on meanwhile."""
    return await asyncio.to_thread(signed_request, url, app, method, path, **options)


@contextmanager
def gateway_processes(
    count: int, database_url: str, data_dir: Path, **settings: str
) -> Iterator[list[str]]:
    """``count`` real ``hive hag`` processes on one database (and whatever ``settings`` add,
    e.g. ``HIVE_REDIS_URL``); their base URLs once each answers /healthz."""
    processes: list[subprocess.Popen[bytes]] = []
    urls = []
    try:
        for index in range(count):
            port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("HIVE_")}
            env |= {
                "HIVE_DATABASE_URL": database_url,
                "HIVE_DATA_DIR": str(data_dir),
                "HIVE_HAG_PORT": str(port),
                "HIVE_SECRET_KEY": SECRET_KEY,
                "HIVE_OPEN_API_APP_CACHE_S": "0",
                **settings,
            }
            log = (data_dir / f"hag-{index}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "hive", "hag"], env=env, stdout=log, stderr=log
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            wait_for(lambda url=url: _healthy(url), START_DEADLINE_S, f"hive hag at {url}")
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


async def sql(database: Database, statement: str, **params: object) -> list[Any]:
    """Run one statement as the platform role; its rows (empty for none)."""
    async with database.platform_transaction() as session:
        result = await session.execute(text(statement), params)
        return list(result.all()) if result.returns_rows else []


async def make_priced_product(
    database: Database, grade_id: int, price_fen: int, *, sku: str, supplier_id: int | None = None
) -> int:
    """A pool product of a warehouse supplier, priced at ``price_fen`` for ``grade_id``."""
    if supplier_id is None:
        rows = await sql(database, "SELECT id FROM suppliers ORDER BY id LIMIT 1")
        if rows:
            supplier_id = int(rows[0][0])
        else:
            async with database.platform_transaction() as session:
                data = SupplierCreate(name="自营仓", kind=SupplierKind.WAREHOUSE)
                supplier_id = (
                    await suppliers.create_supplier(session, ADMIN, data, SecretBox("k" * 32))
                ).id
    rows = await sql(
        database,
        "INSERT INTO products (supplier_id, supplier_sku, name, brand, category_id, image_url, "
        "images, attributes, purchase_price_fen, retail_price_fen, sales, on_shelf, "
        "in_supplier_pool, stock, status) VALUES (:s, :sku, '测试商品', '品牌', NULL, '', '[]', "
        "'{}', :p, :r, 0, true, true, '{}', 'active') RETURNING id",
        s=supplier_id,
        sku=sku,
        p=price_fen // 2,
        r=price_fen * 2,
    )
    product_id = int(rows[0][0])
    await sql(
        database,
        "INSERT INTO product_prices (product_id, grade_id, price_fen, floor_fen, floor_hit, "
        "ceiling_hit, below_cost, no_fit) "
        "VALUES (:p, :g, :price, :floor, false, false, false, false)",
        p=product_id,
        g=grade_id,
        price=price_fen,
        floor=price_fen // 2,
    )
    return product_id


async def make_visible(
    database: Database, tenant_id: int, product_ids: list[int], name: str
) -> None:
    """An exclusive distribution pool of ``product_ids`` assigned to the tenant."""
    async with database.platform_transaction() as session:
        pool = await distribution.create_pool(
            session, ADMIN, PoolCreate(name=name, kind=PoolKind.EXCLUSIVE)
        )
        await distribution.add_members(session, ADMIN, pool.id, PoolMembers(ids=product_ids))
        await distribution.assign_pool(
            session, ADMIN, pool.id, AssignmentCreate(tenant_id=tenant_id)
        )
