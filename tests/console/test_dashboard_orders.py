"""The dashboards' order, money and webhook panels over real HTTP: the admin dashboard's orders
today by status with GMV and margin, the orders and GMV per day over 30 days, the failing webhook
endpoints; the workbench's orders today and this month, spend and unfinished orders — each value
computed here from the rows the test wrote (Asia/Shanghai days), an order of yesterday evening
(Shanghai time) counted on its own day only, and another tenant's orders never in a tenant's
workbench. Finance and operators see the admin dashboard; tenant users never do."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hive.console.dashboard import dashboard
from hive.orders import stats as order_stats
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.errors import PermissionDenied
from hive.platform.money import format_money
from tests.orders.order_pages_support import Orders, client_as, hcm, place_orders, suppliers
from tests.orders.test_order_acceptance import Shop, buyer, shop, world
from tests.support.openapi import make_app
from tests.support.webhooks import subscribe

__all__ = ["hcm", "shop", "suppliers", "world"]
SHANGHAI = ZoneInfo("Asia/Shanghai")
JSON = {"Accept": "application/json"}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI)


@dataclass
class Sub:
    status: str
    quantity: int
    unit_fen: int
    purchase_fen: int
    freight_fen: int = 0
    held: bool = False


async def insert_order(
    database: Database, tenant_id: int, product_id: int, number: str, at: datetime, *subs: Sub
) -> int:
    """An order written as rows (one item per sub-order), accepted at ``at``."""
    items = sum(s.quantity * s.unit_fen for s in subs)
    freight = sum(s.freight_fen for s in subs)
    status = subs[0].status if len(subs) == 1 else "partially_failed"
    async with database.platform_transaction() as session:
        supplier_id = await session.scalar(
            text("SELECT supplier_id FROM products WHERE id = :p"), {"p": product_id}
        )
        order_id = await session.scalar(
            text(
                "INSERT INTO orders (tenant_id, order_no, status, items_fen, freight_fen, "
                "total_fen, province_id, city_id, county_id, receiver_cipher, "
                "receiver_name_masked, receiver_mobile_masked, remark, request_hash, created_at, "
                "updated_at) VALUES (:t, :no, :status, :items, :freight, :total, 1, 72, 2819, "
                "'\\x00', '张*', '138****0000', '', 'h', :at, :at) RETURNING id"
            ),
            {
                "t": tenant_id,
                "no": number,
                "status": "accepted" if status == "pending" else status,
                "items": items,
                "freight": freight,
                "total": items + freight,
                "at": at,
            },
        )
        for n, sub in enumerate(subs, start=1):
            goods = sub.quantity * sub.unit_fen
            sub_id = await session.scalar(
                text(
                    "INSERT INTO sub_orders (tenant_id, order_id, sub_order_no, supplier_id, "
                    "status, items_fen, freight_fen, total_fen, held_reason, created_at, "
                    "updated_at) VALUES (:t, :o, :no, :s, :status, :items, :freight, :total, "
                    ":held, :at, :at) RETURNING id"
                ),
                {
                    "t": tenant_id,
                    "o": order_id,
                    "no": f"{number}-{n}",
                    "s": supplier_id,
                    "status": sub.status,
                    "items": goods,
                    "freight": sub.freight_fen,
                    "total": goods + sub.freight_fen,
                    "held": "third_order_mismatch" if sub.held else None,
                    "at": at,
                },
            )
            await session.execute(
                text(
                    "INSERT INTO order_items (tenant_id, order_id, sub_order_id, line_no, "
                    "product_id, quantity, unit_price_fen, amount_fen, purchase_price_fen) "
                    "VALUES (:t, :o, :s, :n, :p, :q, :u, :a, :c)"
                ),
                {
                    "t": tenant_id,
                    "o": order_id,
                    "s": sub_id,
                    "n": n,
                    "p": product_id,
                    "q": sub.quantity,
                    "u": sub.unit_fen,
                    "a": goods,
                    "c": sub.purchase_fen,
                },
            )
    return int(order_id)


@dataclass
class Rows:
    """Every order as the database holds it: (id, tenant, status, total, created at), and per
    order its goods margin, whether a sub-order is held, and the totals of its sub-orders
    cancelled or failed and whether one is still on its way."""

    orders: list[tuple[int, int, str, int, datetime]]
    margin: dict[int, int]
    held: set[int]
    released: dict[int, int]
    on_the_way: set[int]

    def day_of(self, at: datetime) -> date:
        return at.astimezone(SHANGHAI).date()


async def read_rows(database: Database) -> Rows:
    async with database.platform_transaction() as session:
        orders = [
            (int(i), int(t), s, int(total), at)
            for i, t, s, total, at in await session.execute(
                text("SELECT id, tenant_id, status, total_fen, created_at FROM orders")
            )
        ]
        margin: Counter[int] = Counter()
        for order_id, amount, quantity, purchase in await session.execute(
            text("SELECT order_id, amount_fen, quantity, purchase_price_fen FROM order_items")
        ):
            margin[order_id] += amount - quantity * purchase
        subs = (
            await session.execute(
                text("SELECT order_id, status, total_fen, held_reason FROM sub_orders")
            )
        ).all()
    released: Counter[int] = Counter()
    for order_id, status, total, _ in subs:
        if status in ("cancelled", "failed"):
            released[order_id] += total
    return Rows(
        orders,
        dict(margin),
        {o for o, _, _, held in subs if held is not None},
        dict(released),
        {
            o
            for o, s, _, _ in subs
            if s in ("pending", "submitted", "confirmed", "shipped", "delivered")
        },
    )


@pytest.fixture
async def placed(shop: Shop, settings: Settings) -> Orders:
    """acme: PO-1001 (accepted, one sub-order held) and PO-1002 (failed) today through the real
    acceptance, PO-1003 yesterday at 23:30 Shanghai time, PO-1004 (cancelled) today at 00:00
    sharp, PO-OLD 40 days ago; beta: a partially failed order with freight today and a
    completed one."""
    orders = await place_orders(shop, settings)
    world, database = shop.world, shop.world.database
    phone, charger = shop.phone, shop.charger
    today = datetime.now(SHANGHAI).date()
    async with database.platform_transaction() as session:
        await session.execute(
            text("UPDATE sub_orders SET status = 'failed' WHERE order_id = :o"),
            {"o": orders.second.id},
        )
        await session.execute(
            text("UPDATE orders SET status = 'failed' WHERE id = :o"), {"o": orders.second.id}
        )
        await session.execute(
            text(
                "UPDATE sub_orders SET held_reason = 'third_order_mismatch' WHERE id = "
                "(SELECT min(id) FROM sub_orders WHERE order_id = :o)"
            ),
            {"o": orders.first.id},
        )
    acme, beta = world.acme, world.beta
    yesterday_evening = _midnight(today) - timedelta(minutes=30)
    await insert_order(
        database, acme, phone, "PO-1003", yesterday_evening, Sub("shipped", 1, 3_000_00, 2_500_00)
    )
    await insert_order(
        database, acme, charger, "PO-1004", _midnight(today), Sub("cancelled", 2, 50_00, 30_00)
    )
    forty_days_ago = _midnight(today) - timedelta(days=40)
    await insert_order(
        database, acme, charger, "PO-OLD", forty_days_ago, Sub("completed", 1, 99_00, 60_00)
    )
    now = datetime.now(UTC)
    await insert_order(
        database,
        beta,
        phone,
        "B-1",
        now,
        Sub("shipped", 1, 2_000_00, 1_500_00, freight_fen=12_00, held=True),
        Sub("failed", 3, 10_00, 7_00, freight_fen=5_00),
    )
    await insert_order(
        database,
        beta,
        charger,
        "B-2",
        now - timedelta(minutes=1),
        Sub("completed", 4, 25_00, 20_00),
    )
    return orders


def _stat(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page)
    assert found, element_id
    return found.group(1)


def _table(page: str, table_id: str) -> str:
    found = re.search(rf'<table[^>]* id="{table_id}".*?</table>', page, re.S)
    assert found, table_id
    return found.group(0)


def _today_of(page: str) -> date:
    found = re.search(r'data-today="([0-9-]{10})"', page)
    assert found
    return date.fromisoformat(found.group(1))


async def test_the_admin_dashboard_shows_todays_orders_gmv_margin_and_the_last_30_days(
    placed: Orders, hcm: str
) -> None:
    database = placed.shop.world.database
    rows = await read_rows(database)
    for login in ("finance1", "operator1"):
        with client_as(hcm, login) as client:
            page = client.get("/").text
        today = _today_of(page)
        todays = [o for o in rows.orders if rows.day_of(o[4]) == today]
        assert _stat(page, "stat-orders-today") == f"{len(todays):,}"
        assert _stat(page, "stat-gmv-today") == format_money(sum(o[3] for o in todays))
        margin = sum(rows.margin.get(o[0], 0) for o in todays)
        assert _stat(page, "stat-margin-today") == format_money(margin)
        assert _stat(page, "stat-held-today") == str(sum(1 for o in todays if o[0] in rows.held))
        by_status = _table(page, "orders-today-by-status")
        statuses = Counter(o[2] for o in todays)
        assert len(re.findall(r"<tr data-status=", by_status)) == len(statuses)
        for status, n in statuses.items():
            total = sum(o[3] for o in todays if o[2] == status)
            cells = re.search(
                rf'<tr data-status="{status}">.*?</a></td><td class="num">([^<]*)</td>'
                r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td>'
                r'<td class="num">([^<]*)</td>',
                by_status,
            )
            assert cells, status
            held = sum(1 for o in todays if o[2] == status and o[0] in rows.held)
            status_margin = sum(rows.margin.get(o[0], 0) for o in todays if o[2] == status)
            assert cells.groups() == (
                f"{n:,}",
                format_money(total),
                format_money(status_margin),
                str(held),
            )
        per_day = _table(page, "orders-per-day")
        days = re.findall(
            r'<tr data-day="([0-9-]+)"><td>[^<]*</td><td class="num">(\d+)</td>'
            r'<td class="num">([^<]*)</td>',
            per_day,
        )
        assert [d for d, _, _ in days] == [
            (today - timedelta(days=n)).isoformat() for n in range(29, -1, -1)
        ]
        for day, n, gmv in days:
            of_day = [o for o in rows.orders if rows.day_of(o[4]).isoformat() == day]
            assert (int(n), gmv) == (len(of_day), format_money(sum(o[3] for o in of_day))), day
        chart = re.search(r'id="chart-orders" data-chart="([^"]*)"', page)
        assert chart
        data = json.loads(html.unescape(chart.group(1)))
        assert data["days"] == [d for d, _, _ in days]
        assert data["series"][0]["values"] == [int(n) for _, n, _ in days]
    # The order of yesterday evening (Shanghai) is on its own day and not today's.
    yesterday_order = next(o for o in rows.orders if o[4] < _midnight(today) and o[3] == 3_000_00)
    assert rows.day_of(yesterday_order[4]) == today - timedelta(days=1)
    assert f'<tr data-day="{today - timedelta(days=1)}"><td>' in page


async def test_the_platform_totals_include_every_tenant_and_exclude_yesterday(
    placed: Orders, hcm: str
) -> None:
    """The figures of the first test, checked against numbers written out by hand."""
    shop = placed.shop
    prices = shop.prices
    first = 2 * prices[shop.phone] + prices[shop.earphones] + 3 * prices[shop.charger]
    second = 3 * prices[shop.charger]  # PO-1002: the charger only, no freight asked
    with client_as(hcm, "admin") as client:
        page = client.get("/").text
    if _today_of(page) != datetime.now(SHANGHAI).date():
        pytest.skip("the Shanghai day turned while the test ran")
    # acme: PO-1001, PO-1002 (failed), PO-1004 (cancelled, midnight); beta: B-1, B-2.
    beta_b1 = 2_000_00 + 12_00 + 3 * 10_00 + 5_00
    gmv = first + second + 2 * 50_00 + beta_b1 + 4 * 25_00
    assert _stat(page, "stat-orders-today") == "5"
    assert _stat(page, "stat-gmv-today") == format_money(gmv)
    assert _stat(page, "stat-held-today") == "2"  # PO-1001 and B-1


async def test_tenant_users_never_see_the_admin_dashboard(
    placed: Orders, hcm: str, settings: Settings
) -> None:
    for login in ("acme-admin", "acme-user", "beta-admin"):
        with client_as(hcm, login) as client:
            page = client.get("/").text
        assert 'id="stat-gmv-today"' not in page and 'id="orders-per-day"' not in page
        assert 'id="order-figures"' in page  # the workbench's own panel
    database = placed.shop.world.database
    async with database.platform_transaction() as session:
        with pytest.raises(PermissionDenied):
            await dashboard(session, buyer(placed.shop.tenant))


def _workbench_expected(rows: Rows, tenant: int, today: date) -> tuple[str, str, str, str]:
    """The workbench's four figures of ``tenant`` as computed here from the order rows."""
    month = today.replace(day=1)
    own = [o for o in rows.orders if o[1] == tenant]
    this_month = [o for o in own if month <= rows.day_of(o[4]) <= today]
    todays = [o for o in own if rows.day_of(o[4]) == today]
    spend = sum(o[3] - rows.released.get(o[0], 0) for o in this_month)
    unfinished = [
        o
        for o in own
        if o[2] in ("accepted", "submitted", "confirmed", "shipped", "delivered")
        or (o[2] == "partially_failed" and o[0] in rows.on_the_way)
    ]
    return (f"{len(todays):,}", f"{len(this_month):,}", format_money(spend), f"{len(unfinished):,}")


def _workbench_figures(page: str) -> tuple[str, str, str, str]:
    ids = ("orders-today", "orders-month", "spend-month", "orders-unfinished")
    a, b, c, d = (_stat(page, i) for i in ids)
    return a, b, c, d


async def test_the_workbench_shows_its_own_orders_spend_and_unfinished_only(
    placed: Orders, hcm: str
) -> None:
    world = placed.shop.world
    rows = await read_rows(world.database)
    seen = {}
    for login, tenant in (("acme-user", world.acme), ("beta-admin", world.beta)):
        with client_as(hcm, login) as client:
            page = client.get("/").text
        figures = _workbench_figures(page)
        assert figures == _workbench_expected(rows, tenant, _today_of(page)), login
        seen[login] = figures
    assert seen["acme-user"] != seen["beta-admin"]


TENANT_DAYS = "SELECT to_char(day, 'YYYY-MM-DD'), orders, total_fen FROM tenant_order_day_totals"


async def _figures_at(database: Database, tenant: int, now: datetime) -> tuple[str, ...]:
    """The workbench's figures of ``tenant`` at ``now``, read in the tenant's transaction."""
    async with database.tenant_transaction(tenant) as session:
        f = await order_stats.tenant_figures(session, buyer(tenant), tenant, now)
    money = format_money(f.spend_month_fen)
    return (f"{f.orders_today:,}", f"{f.orders_month:,}", money, f"{f.unfinished:,}")


async def test_the_tenant_roll_up_equals_the_orders_after_cancellations_and_failures(
    placed: Orders,
) -> None:
    """The workbench keeps acme's closed days of the month in tenant_order_day_totals and
    reads them back; sub-orders cancelled or failed later, status changes and new orders
    leave the figures equal to the ones counted from the orders. Seen on the 15th of this
    month at noon (whatever today is), so the month has closed days."""
    world, shop = placed.shop.world, placed.shop
    database, acme = world.database, world.acme
    ref = datetime.now(SHANGHAI).date().replace(day=15)
    now = _midnight(ref) + timedelta(hours=12)
    earlier = [ref - timedelta(days=k) for k in (1, 2, 5)]
    ids = []
    for n, day in enumerate(earlier):
        at = _midnight(day) + timedelta(hours=10)
        subs = (Sub("shipped", 1, 300_00, 200_00), Sub("confirmed", 2, 50_00, 40_00, 8_00))
        ids.append(await insert_order(database, acme, shop.phone, f"PO-R{n}", at, *subs))
    figures = await _figures_at(database, acme, now)
    assert figures == _workbench_expected(await read_rows(database), acme, ref)
    rows = await read_rows(database)
    async with database.platform_transaction() as session:
        kept = {d: (n, fen) for d, n, fen in await session.execute(text(TENANT_DAYS))}
        assert set(kept) == {
            (ref.replace(day=1) + timedelta(days=k)).isoformat() for k in range(14)
        }
        for day in earlier:
            of_day = [o for o in rows.orders if o[1] == acme and rows.day_of(o[4]) == day]
            assert kept[day.isoformat()] == (len(of_day), sum(o[3] for o in of_day))
        # Later: a closed day's sub-order cancelled, another failed, an order completed.
        for order_id, status in zip(ids, ("cancelled", "failed"), strict=False):
            await session.execute(
                text(
                    "UPDATE sub_orders SET status = :s WHERE id = "
                    "(SELECT max(id) FROM sub_orders WHERE order_id = :o)"
                ),
                {"s": status, "o": order_id},
            )
            await session.execute(
                text("UPDATE orders SET status = 'partially_failed' WHERE id = :o"),
                {"o": order_id},
            )
        await session.execute(
            text("UPDATE orders SET status = 'completed' WHERE id = :o"), {"o": ids[-1]}
        )
    late = now - timedelta(minutes=5)
    await insert_order(database, acme, shop.charger, "PO-NOW", late, Sub("pending", 1, 9_00, 7_00))
    again = await _figures_at(database, acme, now)
    assert again == _workbench_expected(await read_rows(database), acme, ref)
    assert again[2] != figures[2]  # the spend did change
    # The closed days are read from the roll-up, not counted again.
    async with database.platform_transaction() as session:
        await session.execute(text("UPDATE tenant_order_day_totals SET orders = orders + 5"))
    tampered = await _figures_at(database, acme, now)
    assert int(tampered[1].replace(",", "")) == int(again[1].replace(",", "")) + 5 * 14


async def test_a_tenant_reads_and_writes_only_its_own_roll_up_rows(placed: Orders) -> None:
    world = placed.shop.world
    database = world.database
    day = datetime.now(SHANGHAI).date() - timedelta(days=3)
    async with database.platform_transaction() as session:
        for tenant in (world.acme, world.beta):
            await session.execute(
                text(
                    "INSERT INTO tenant_order_day_totals (tenant_id, day, orders, total_fen) "
                    "VALUES (:t, :d, 1, 100)"
                ),
                {"t": tenant, "d": day},
            )
    async with database.tenant_transaction(world.beta) as session:
        seen = await session.execute(text("SELECT tenant_id FROM tenant_order_day_totals"))
        assert [t for (t,) in seen] == [world.beta]
        changed = await session.execute(
            text("UPDATE tenant_order_day_totals SET orders = 99 WHERE tenant_id = :t"),
            {"t": world.acme},
        )
        assert changed.rowcount == 0  # type: ignore[attr-defined]
    with pytest.raises(DBAPIError, match="row-level security"):
        async with database.tenant_transaction(world.beta) as session:
            await session.execute(
                text(
                    "INSERT INTO tenant_order_day_totals (tenant_id, day, orders, total_fen) "
                    "VALUES (:t, :d, 1, 1)"
                ),
                {"t": world.acme, "d": day - timedelta(days=1)},
            )
    async with database.platform_transaction() as session:
        kept = await session.execute(text("SELECT tenant_id, orders FROM tenant_order_day_totals"))
        assert sorted(kept.all()) == sorted([(world.acme, 1), (world.beta, 1)])


async def test_failing_webhooks_show_on_both_dashboards_each_tenant_its_own(
    placed: Orders, hcm: str, settings: Settings
) -> None:
    world = placed.shop.world
    database = world.database
    now = datetime.now(UTC)
    acme_app = await make_app(database, settings, world.acme)
    beta_app = await make_app(database, settings, world.beta)
    dead_recent, _ = await subscribe(
        database, settings, world.acme, acme_app.app_id, "http://127.0.0.1:9/a/dead"
    )
    dead_old, _ = await subscribe(
        database, settings, world.acme, acme_app.app_id, "http://127.0.0.1:9/a/old"
    )
    retrying, _ = await subscribe(
        database, settings, world.acme, acme_app.app_id, "http://127.0.0.1:9/a/retry"
    )
    healthy, _ = await subscribe(
        database, settings, world.acme, acme_app.app_id, "http://127.0.0.1:9/a/ok"
    )
    paused, _ = await subscribe(
        database, settings, world.beta, beta_app.app_id, "http://127.0.0.1:9/b/paused"
    )
    deliveries = [
        (dead_recent, world.acme, "dead", now - timedelta(hours=2), 0, 410, "gone"),
        (dead_recent, world.acme, "dead", now - timedelta(hours=23), 0, 500, None),
        (dead_old, world.acme, "dead", now - timedelta(hours=25), 0, 500, None),
        (retrying, world.acme, "pending", None, 2, None, "timeout"),
        (healthy, world.acme, "delivered", None, 0, 200, None),
        (healthy, world.acme, "pending", None, 0, None, None),  # not tried yet: not failing
    ]
    async with database.platform_transaction() as session:
        for n, (sub, tenant, status, dead_at, rounds, code, error) in enumerate(deliveries):
            await session.execute(
                text(
                    "INSERT INTO webhook_deliveries (uid, tenant_id, subscription_id, event_id, "
                    "event_type, entity_type, entity_id, sequence, body, status, dead_at, "
                    "dead_reason, attempt_count, round_attempts, last_status_code, last_error, "
                    "updated_at) VALUES (gen_random_uuid(), :t, :s, :n, 'order.status_changed', "
                    "'order', 1, :n, '{}', :status, :dead_at, :reason, :rounds, :rounds, :code, "
                    ":error, :updated)"
                ),
                {
                    "t": tenant,
                    "s": sub,
                    "n": n + 1,
                    "status": status,
                    "dead_at": dead_at,
                    "reason": "final_answer" if dead_at else None,
                    "rounds": rounds,
                    "code": code,
                    "error": error,
                    "updated": dead_at or now,
                },
            )
        await session.execute(
            text(
                "UPDATE webhook_subscriptions SET status = 'paused', paused_at = now() "
                "WHERE id = :s"
            ),
            {"s": paused},
        )
    with client_as(hcm, "operator1") as client:
        page = client.get("/").text
    table = _table(page, "failing-webhooks")
    shown = [int(s) for s in re.findall(r'data-subscription="(\d+)"', table)]
    assert shown == [paused, dead_recent, retrying]  # paused first, then by dead letters
    row = re.search(rf'data-subscription="{dead_recent}">.*?</tr>', table, re.S)
    assert row and '<td class="num">2</td><td class="num">0</td>' in row.group(0)
    assert "HTTP 410" in row.group(0) and "企业 beta" in table  # the paused one's tenant
    assert f'href="/admin/webhooks/{dead_recent}/deliveries"' in table
    for login in ("operator1", "finance1"):  # the delivery log, read only
        with client_as(hcm, login) as client:
            log = client.get(f"/admin/webhooks/{dead_recent}/deliveries")
            assert log.status_code == 200
            assert len(re.findall(r"<tr data-delivery-id=", log.text)) == 2
            assert "/replay" not in log.text and "http://127.0.0.1:9/a/dead" in log.text
            assert client.get(f"/admin/webhooks/{healthy + 100}/deliveries").status_code == 404
            refused = client.get("/admin/webhooks/abc/deliveries", headers=JSON)
            assert refused.status_code == 422 and refused.json()["code"] == "validation_failed"
            unknown = client.get(
                f"/admin/webhooks/{dead_recent}/deliveries?stauts=dead", headers=JSON
            )
            assert unknown.status_code == 422 and unknown.json()["code"] == "validation_failed"
            problem = unknown.json()["details"]["problems"][0]
            assert (problem["field"], problem["code"]) == ("stauts", "not_allowed")
    with client_as(hcm, "acme-admin") as client:
        assert client.get(f"/admin/webhooks/{dead_recent}/deliveries").status_code == 403
        page = client.get("/").text
    table = _table(page, "failing-webhooks")
    assert [int(s) for s in re.findall(r'data-subscription="(\d+)"', table)] == [
        dead_recent,
        retrying,
    ]
    assert f'href="/workbench/webhooks/{dead_recent}/deliveries"' in table
    with client_as(hcm, "beta-admin") as client:
        table = _table(client.get("/").text, "failing-webhooks")
    assert [int(s) for s in re.findall(r'data-subscription="(\d+)"', table)] == [paused]
    with client_as(hcm, "acme-user") as client:  # endpoints are the tenant admin's
        assert 'id="failing-webhooks"' not in client.get("/").text


async def test_closed_days_are_kept_once_and_read_back_while_today_stays_live(
    placed: Orders, hcm: str
) -> None:
    world = placed.shop.world
    database = world.database
    today = datetime.now(SHANGHAI).date()
    three_days_ago = today - timedelta(days=3)
    at = _midnight(three_days_ago) + timedelta(hours=20)
    await insert_order(
        database, world.beta, placed.shop.charger, "B-OLD", at, Sub("completed", 2, 40_00, 30_00)
    )
    with client_as(hcm, "admin") as client:
        client.get("/")
    rows = await read_rows(database)
    of_day = [o for o in rows.orders if rows.day_of(o[4]) == three_days_ago]
    async with database.platform_transaction() as session:
        kept = (
            await session.execute(
                text("SELECT orders, gmv_fen FROM order_day_totals WHERE day = :d"),
                {"d": three_days_ago},
            )
        ).one()
        assert tuple(kept) == (len(of_day), sum(o[3] for o in of_day))
        assert not await session.scalar(
            text("SELECT count(*) FROM order_day_totals WHERE day >= :d"), {"d": today}
        )
        # The page reads the kept totals back rather than counting the day's orders again.
        await session.execute(
            text("UPDATE order_day_totals SET orders = orders + 7 WHERE day = :d"),
            {"d": three_days_ago},
        )
    await insert_order(
        database,
        world.acme,
        placed.shop.charger,
        "PO-LATE",
        datetime.now(UTC),
        Sub("pending", 1, 10_00, 8_00),
    )
    with client_as(hcm, "admin") as client:
        page = client.get("/").text
    per_day = _table(page, "orders-per-day")
    old = re.search(
        rf'<tr data-day="{three_days_ago}"><td>[^<]*</td><td class="num">(\d+)<', per_day
    )
    assert old and int(old.group(1)) == len(of_day) + 7
    if _today_of(page) == today:
        todays = [o for o in (await read_rows(database)).orders if rows.day_of(o[4]) == today]
        now_row = re.search(
            rf'<tr data-day="{today}"><td>[^<]*</td><td class="num">(\d+)<', per_day
        )
        assert now_row and int(now_row.group(1)) == len(todays)
