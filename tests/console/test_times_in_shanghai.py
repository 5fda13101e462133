"""Every time the console and the workbench show is Asia/Shanghai, written one way.

Not a spot check of known pages but a walk: a shop with orders, money movements, audit entries,
an export job, supplier messages, a selection rule and a webhook delivery; then *every*
``timestamptz`` column of every table is set to one known instant — a past one
(:data:`PAST`, 17:30 UTC, which is already the next day in Shanghai) and, for values still ahead
(expiries), a future one. Every role signs in and opens every page its menu links to and every
page those link to (one of each kind: an order, a job, an audit entry, a product, …), and on
each page:

* neither instant appears as UTC, in ISO form (``T…Z``, ``+00:00``) or as "UTC" at all;
* every time of day is written ``YYYY-MM-DD HH:MM[:SS]`` (no ``12-01 01:30``);
* the pages that list those rows show the Shanghai renderings.

The CSV exports write their time cells the same way (Asia/Shanghai, ``YYYY-MM-DD HH:MM:SS``;
hive.console.export), which the last test reads back from a finished export.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
from psycopg import sql
from sqlalchemy import insert, text

from hive.catalog.freshness.tasks import start_calibration
from hive.catalog.pricing import rules as pricing_rules
from hive.catalog.selection import rules
from hive.catalog.selection.schemas import RuleConditions, RuleCreate
from hive.feed.models import SupplierMessageLog
from hive.openapi import service as openapi
from hive.platform.config import Settings
from hive.platform.jobs import JobRuntime
from hive.platform.secret_key import load_secret_box
from tests.orders.order_pages_support import LOGINS, Orders, client_as, hcm, place_orders, suppliers
from tests.orders.test_order_acceptance import Shop, shop, world
from tests.support.exports import ask_export, exported, run_exports
from tests.support.factories import ADMIN
from tests.support.openapi import make_app
from tests.support.webhooks import dispatch_all, raise_price, subscribe

__all__ = ["hcm", "shop", "suppliers", "world"]

PAST = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
PAST_SHOWN = "2026-12-01 01:30"
FUTURE = datetime(2099, 12, 31, 17, 45, tzinfo=UTC)
# What a time shown raw, in UTC or half formatted looks like.
RAW = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"  # ISO 8601
    r"|\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]00:?00)\b"  # a UTC offset or Z
    r"|2026-11-30 17:30|2099-12-31 17:45"  # the instants as UTC
    r"|\bUTC\b"
)
# A time of day in visible text, with what comes before it.
TIME_OF_DAY = re.compile(r"(.{0,11})\b(\d{1,2}:\d{2})(?::\d{2})?\b")
DATED = re.compile(r"\d{4}-\d{2}-\d{2} $")
# A schedule's clock time names no day ("每晚 02:30", "every night at 02:30").
SCHEDULE = re.compile(r"(每晚|night at) $")
SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
LINK = re.compile(r'href="(/(?:admin|workbench|account)/[^"#]*)"')
# Links that are actions or files rather than pages.
NOT_A_PAGE = re.compile(r"/(export|file|logout|language|images)(/|$|\?)|\.(csv|json)$")
# Pages that list rows the test made, and must show the Shanghai rendering of their times.
SHOWS_TIMES = {
    "admin": {
        "/admin/orders",
        "/admin/audit-log",
        "/admin/jobs",
        "/admin/supplier-messages",
        "/admin/catalog/rules",
        "/admin/orders/N",
        "/admin/jobs/N",
        "/admin/catalog/products/N",
        "/admin/suppliers",
        "/",
    },
    "finance1": {"/admin/orders", "/admin/audit-log", "/admin/orders/N"},
    "acme-admin": {
        "/workbench/orders",
        "/workbench/orders/PO-1001",
        "/workbench/account",
        "/workbench/apps",
        "/workbench/webhooks",
        "/workbench/webhooks/N/deliveries",
    },
}


def kind_of(path: str) -> str:
    """A page's kind: its path with each number (an id) as N and no query."""
    return re.sub(r"/\d+(?=/|$)", "/N", urlsplit(path).path)


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", TAG.sub(" ", SCRIPT.sub(" ", html)))


def time_problems(html: str) -> list[str]:
    """What on a page is a time shown raw, in UTC, or not as ``YYYY-MM-DD HH:MM[:SS]``."""
    found = [match.group(0) for match in RAW.finditer(html)]
    for match in TIME_OF_DAY.finditer(visible_text(html)):
        if not DATED.search(match.group(1)) and not SCHEDULE.search(match.group(1)):
            found.append(match.group(0).strip())
    return found


def walk(client: httpx.Client, broken: dict[str, int]) -> Iterator[tuple[str, str]]:
    """(kind, html) of every page the menu links to and one page of each kind they link to;
    a link answered with anything but a page goes into ``broken`` (path -> status)."""
    home = client.get("/").text
    menu = re.findall(r'data-menu="([^"]+)"', home)
    assert len(menu) >= 5, menu
    seen: set[str] = set()
    queue = [(path, 0) for path in menu]
    while queue:
        path, depth = queue.pop(0)
        if kind_of(path) in seen or NOT_A_PAGE.search(path):
            continue
        seen.add(kind_of(path))
        answer = client.get(path.replace("&amp;", "&"))
        if answer.status_code != 200 or "text/html" not in answer.headers["content-type"]:
            broken[path] = answer.status_code
            continue
        yield kind_of(path), answer.text
        if depth < 2:
            queue += [(link, depth + 1) for link in LINK.findall(answer.text)]


async def _more_rows(orders: Orders, settings: Settings) -> None:
    """Rows the order shop does not have: supplier messages, a selection rule run once, an
    audit entry whose details carry a time (an app's old secrets' expiry), a webhook delivery,
    a calibration and a reprice job."""
    database, tenant = orders.shop.world.database, orders.shop.tenant
    async with database.platform_transaction() as session:
        supplier_id = int(await session.scalar(text("SELECT min(id) FROM suppliers")))
        for n in range(3):
            await session.execute(
                insert(SupplierMessageLog).values(
                    supplier_id=supplier_id, message_id=f"m-{n}", type=2, occurred_at=PAST,
                    status="processed", attempts=1, error="", raw={"sku": "1"},
                )
            )  # fmt: skip
        conditions = RuleConditions(keywords=["手机"])
        rule = await rules.create_rule(
            session,
            ADMIN,
            RuleCreate(name="时间规则", supplier_id=supplier_id, conditions=conditions),
        )
        await session.execute(
            text("UPDATE selection_rules SET last_run_at = now() WHERE id = :id"), {"id": rule.id}
        )
        await start_calibration(session, ADMIN)  # jobs of the jobs and the pricing page
        await pricing_rules.start_reprice_job(session, ADMIN, "grade")
        for statement in (  # each product's history, a supplier's failing access and breaker
            "INSERT INTO product_changes (product_id, source, changes) SELECT id, 'feed', "
            "'{\"price_fen\": [100, 200]}' FROM products",
            "INSERT INTO supplier_access_states (supplier_id, activity, code, message) VALUES "
            f"({supplier_id}, 'refresh', 'supplier_unavailable', '超时')",
            "INSERT INTO supplier_breaker_states (supplier_id, method, state, changed_at, "
            "last_failure_at, last_failure_code, last_failure_message) VALUES "
            f"({supplier_id}, 'stock', 'open', now(), now(), 'timeout', '超时')",
        ):
            await session.execute(text(statement))
    app = await make_app(database, settings, tenant)
    async with database.platform_transaction() as session:
        await openapi.rotate_secret(
            session, ADMIN, app.app_id, load_secret_box(settings), now=PAST, overlap=timedelta(0)
        )  # an audit entry whose details hold a time
    loopback = settings.model_copy(update={"webhook_allow_loopback": True})
    await subscribe(database, loopback, tenant, app.app_id, "http://127.0.0.1:9/hook")
    await raise_price(database, tenant, orders.shop.phone, 1)
    await dispatch_all(database, 1)


def _all_times_set(database_url: str) -> None:
    """Every ``timestamptz`` column of every Hive table: a past value becomes :data:`PAST`, a
    value still ahead :data:`FUTURE` (so sessions and exports stay valid). A session's last
    sight stays as it is: the idle timeout would end it. As the database's owner: the ledger
    is append-only for the application's roles."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        columns = connection.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type = 'timestamp with time zone' "
            "AND table_name NOT LIKE 'procrastinate%'"
        ).fetchall()
        assert len(columns) > 40, columns
        for table, column in columns:
            if (table, column) == ("user_sessions", "last_seen_at"):
                continue
            connection.execute(
                sql.SQL(
                    "UPDATE {t} SET {c} = CASE WHEN {c} <= now() THEN %s ELSE %s END "
                    "WHERE {c} IS NOT NULL"
                ).format(t=sql.Identifier(table), c=sql.Identifier(column)),
                (PAST, FUTURE),
            )


@pytest.fixture
async def shown(
    shop: Shop, settings: Settings, hcm: str, job_runtime: JobRuntime, database_url: str
) -> str:
    """The audit log export's page, the shop's rows and more, every time at PAST or FUTURE."""
    orders = await place_orders(shop, settings)
    await _more_rows(orders, settings)
    _all_times_set(database_url)
    with client_as(hcm, "admin") as client:
        export = ask_export(client, "/admin/audit-log/export", {})
    await run_exports(job_runtime)  # the export's own times stay now's: its file is kept
    return export


def test_every_page_of_every_role_shows_times_in_shanghai_one_way(shown: str, hcm: str) -> None:
    for username in LOGINS:
        broken: dict[str, int] = {}
        with client_as(hcm, username) as client:
            pages = dict(walk(client, broken))
        assert broken == {}, username  # a link its user may not follow, or a failing page
        problems = {kind: found for kind, html in pages.items() if (found := time_problems(html))}
        assert problems == {}, username
        showing = {kind for kind, html in pages.items() if PAST_SHOWN in html}
        assert SHOWS_TIMES.get(username, set()) <= showing, (username, sorted(showing))


def test_an_export_writes_its_times_in_shanghai(shown: str, hcm: str) -> None:
    with client_as(hcm, "admin") as client:
        page = client.get(shown).text
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", page) and not time_problems(page)
        rows = exported(client, shown)
    cells = [cell for row in rows[1:] for cell in row]
    assert [cell for cell in cells if RAW.search(cell)] == []
    times = [row[0] for row in rows[1:]]  # the entries' times (the sign-in and export: now)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", at) for at in times), times
    assert times.count(PAST_SHOWN + ":00") >= len(times) - 2 > 10, times
    details = [row[-1] for row in rows[1:] if "old_secrets_expire_at" in row[-1]]
    assert details and f'"old_secrets_expire_at": "{PAST_SHOWN}:00"' in details[0]
