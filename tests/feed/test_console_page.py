"""The operators' message log page over real HTTP: access, filters, paging, both languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import insert

from hive.apps.hcm import STATIC_DIR
from hive.console import callers
from hive.console.routes import router as console_router
from hive.feed.handlers import HandlerRegistry
from hive.feed.ingestion import MessageProcessor
from hive.feed.models import SupplierMessageLog
from hive.feed.routes import router as messages_router
from hive.platform.browser_session import BrowserSessionMiddleware
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.http import create_app
from hive.platform.permissions import Role
from hive.platform.secret_key import load_secret_key
from hive.suppliers.types import MessageType, SupplierMessage
from tests.feed.conftest import make_supplier, price_changed
from tests.support.console import signed_in
from tests.support.factories import make_tenant, make_user
from tests.support.servers import running_server

PAGE = "/admin/supplier-messages"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
ROW_ID = re.compile(r'<td class="message-id">([^<]+)</td>')


def _app(settings: Settings) -> FastAPI:
    secret = load_secret_key(settings)

    def configure(app: FastAPI) -> None:
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
        app.add_middleware(
            BrowserSessionMiddleware, secret_key=secret, max_age_s=3600, https_only=False
        )
        callers.install(app)

    return create_app(
        name="hcm",
        settings=settings,
        database_url=settings.database_url,
        routers=[console_router, messages_router],
        configure=configure,
    )


async def _messages(database: Database) -> dict[str, int]:
    """Two suppliers: processed, failed and ignored messages."""
    first, second = await make_supplier(database), await make_supplier(database)

    async def broken(*_: object) -> None:
        raise ValueError("sku unknown")

    registry = HandlerRegistry()
    registry.register(MessageType.PRICE_CHANGED, broken)
    processor = MessageProcessor(database, registry=registry)
    await processor.process(first, price_changed("901"))
    shelf = SupplierMessage("902", MessageType.SHELF_CHANGED, datetime.now(UTC), {"sku": "1"})
    await processor.process(first, shelf)
    await processor.process(
        second, SupplierMessage("903", MessageType.ORDER_SHIPPED, datetime.now(UTC), {})
    )
    return {"first": first, "second": second}


@pytest.fixture
async def data(database: Database) -> dict[str, int]:
    tenant = await make_tenant(database, "acme")
    await make_user(database, "admin", "admin-pass-1", role=Role.PLATFORM_ADMIN)
    await make_user(database, "ops", "ops-pass-1", role=Role.OPERATOR)
    await make_user(database, "acme-admin", "acme-pass-1", tenant_id=tenant)
    return await _messages(database)


@pytest.fixture
def url(settings: Settings, data: dict[str, int]) -> Iterator[str]:
    with running_server(_app(settings)) as base_url:
        yield base_url


def _ids(html: str) -> list[str]:
    return ROW_ID.findall(html)


def test_signed_out_visitor_is_sent_to_login(url: str) -> None:
    response = httpx.get(url + PAGE)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_tenant_user_is_refused(url: str) -> None:
    with signed_in(url, "acme-admin", "acme-pass-1") as client:
        response = client.get(PAGE)
    assert response.status_code == 403
    assert "没有权限访问此页面" in response.text  # the console's 403 page
    assert _ids(response.text) == [] and "sku unknown" not in response.text


def test_platform_staff_see_every_message_in_chinese_by_default(url: str) -> None:
    with signed_in(url, "ops", "ops-pass-1") as client:
        response = client.get(PAGE)
    html = response.text
    assert response.status_code == 200
    assert "供应商消息日志" in html and "共 3 条" in html
    assert sorted(_ids(html)) == ["901", "902", "903"]
    assert "ValueError: sku unknown" in html and '<td class="attempts">1</td>' in html
    assert "已忽略" in html and "失败" in html and "2 价格变更" in html
    assert "&#34;skuId&#34;: 100012" in html  # the raw message, escaped


def test_filters_by_supplier_type_and_status(url: str, data: dict[str, int]) -> None:
    with signed_in(url, "admin", "admin-pass-1") as client:
        failed = client.get(PAGE, params={"status": "failed"}).text
        second = client.get(PAGE, params={"supplier": data["second"]}).text
        shelf = client.get(PAGE, params={"type": "4", "supplier": data["first"]}).text
        none = client.get(PAGE, params={"type": "4", "supplier": data["second"]}).text
        nonsense = client.get(PAGE, params={"type": "x", "status": "weird", "supplier": "²"})
    assert _ids(failed) == ["901"]
    assert _ids(second) == ["903"]
    assert _ids(shelf) == ["902"]
    assert _ids(none) == [] and "没有符合筛选条件的记录" in none
    # Unknown filter values are refused with each field named, not silently ignored.
    assert nonsense.status_code == 422
    problems = nonsense.json()["details"]["problems"]
    assert [(p["field"], p["code"]) for p in problems] == [
        ("supplier", "not_an_integer"),
        ("type", "not_an_integer"),
        ("status", "not_a_choice"),
    ]


def test_english_page(url: str) -> None:
    with signed_in(url, "admin", "admin-pass-1") as client:
        html = client.get(PAGE, params={"lang": "en"}).text
    assert "Supplier message log" in html and "3 in all" in html and "Price changed" in html


async def test_pages_through_a_long_log(url: str, database: Database, data: dict[str, int]) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    rows = [
        {
            "supplier_id": data["second"],
            "message_id": f"p{n:03d}",
            "type": 2,
            "occurred_at": start,
            "received_at": start + timedelta(seconds=n),
            "status": "processed",
            "error": "",
            "raw": {},
        }
        for n in range(60)
    ]
    async with database.platform_transaction() as session:
        await session.execute(insert(SupplierMessageLog), rows)
    filters = {"supplier": data["second"], "status": "processed"}
    with signed_in(url, "admin", "admin-pass-1") as client:
        first = client.get(PAGE, params=filters).text
        second = client.get(PAGE, params={**filters, "page": 2}).text
    assert "共 60 条" in first and "第 1 / 2 页" in first
    assert _ids(first) == [f"p{n:03d}" for n in range(59, 9, -1)]  # newest first
    assert f'href="{PAGE}?supplier={data["second"]}&amp;status=processed&amp;page=2"' in first
    assert _ids(second) == [f"p{n:03d}" for n in range(9, -1, -1)]
    assert 'id="next"' not in second and 'id="previous"' in second


async def test_message_ids_sort_as_numbers_and_no_page_is_past_the_last(
    url: str, database: Database, data: dict[str, int]
) -> None:
    received = datetime.now(UTC) - timedelta(minutes=5)
    rows = [
        {
            "supplier_id": data["second"],
            "message_id": message_id,
            "type": 2,
            "occurred_at": received,
            "received_at": received,  # one poll: the same time, so the ids decide
            "status": "processed",
            "error": "",
            "raw": {},
        }
        for message_id in ("9", "30", "3", "100")  # inserted in text order by a poll
    ]
    async with database.platform_transaction() as session:
        await session.execute(insert(SupplierMessageLog), rows)
    filters = {"supplier": data["second"], "status": "processed"}
    with signed_in(url, "admin", "admin-pass-1") as client:
        newest = client.get(PAGE, params=filters).text
        ascending = client.get(
            PAGE, params={**filters, "sort": "message_id", "direction": "asc"}
        ).text
        far = client.get(PAGE, params={**filters, "page": 5})
        unknown = client.get(PAGE, params={**filters, "colour": "red"})
    assert _ids(newest) == ["100", "30", "9", "3"]
    assert _ids(ascending) == ["3", "9", "30", "100"]
    assert far.status_code == 200 and "第 1 / 1 页" in far.text and _ids(far.text)
    assert unknown.status_code == 422 and "colour" in unknown.text
