"""An export's page shows the filters it was asked with in words: each with its field's
label, a status by its name, a tenant by its name, a day as the language writes it and a
time in Asia/Shanghai, in Chinese and in English; a filter a source does not name keeps its
name, and a value that can no longer be worded shows as it was asked."""

from __future__ import annotations

from sqlalchemy import text

from hive.billing.export_sources import TENANT_STATEMENT
from hive.catalog.pool import forms as pool_forms
from hive.catalog.pool.exports import POOL_PRODUCTS
from hive.catalog.selection.export_sources import RULE_RUN_RECORDS
from hive.console import audit_log
from hive.console.audit_export import AUDIT_LOG
from hive.console.export_filters import describe
from hive.console.export_pages import back_of
from hive.console.i18n import translator
from hive.feed import routes as feed_routes
from hive.feed.exports import MESSAGES
from hive.orders import search
from hive.orders.export_sources import STAFF_ORDERS
from hive.platform.db import Database
from tests.support.factories import make_tenant

ASKED = {
    "status": "accepted",
    "from": "2026-11-03",
    "to": "2026-11-30T16:30:00+00:00",
    "sort": "total",
    "direction": "asc",
    "number": "PO-1001",
    "colour": "red",
}


async def test_an_exports_filters_are_shown_with_labels_and_values_in_words(
    database: Database,
) -> None:
    tenant_id = await make_tenant(database, "acme")
    asked = {"tenant": str(tenant_id), **ASKED}
    async with database.platform_transaction() as session:
        zh = await describe(session, STAFF_ORDERS.filters, asked, translator("zh"))
        en = await describe(session, STAFF_ORDERS.filters, asked, translator("en"))
        gone = await describe(session, STAFF_ORDERS.filters, {"tenant": "999999"}, translator("zh"))
    assert zh == [
        ("tenant", "客户", "企业 acme（acme）"),
        ("status", "状态", "已受理"),
        ("from", "下单日期从", "2026年11月3日"),
        ("to", "下单日期至", "2026-12-01 00:30:00（北京时间）"),  # UTC 16:30 is the next day
        ("sort", "排序", "金额"),
        ("direction", "顺序", "从小到大"),
        ("number", "订单号 / 子订单号 / 供应商订单号", "PO-1001"),
        ("colour", "colour", "red"),
    ]
    assert en == [
        ("tenant", "Customer", "企业 acme（acme）"),
        ("status", "Status", "Accepted"),
        ("from", "Ordered from", "03 Nov 2026"),
        ("to", "Ordered until", "2026-12-01 00:30:00 (Beijing time)"),
        ("sort", "Sorted by", "Total"),
        ("direction", "Order", "ascending"),
        ("number", "Order no / sub-order no / supplier order id", "PO-1001"),
        ("colour", "colour", "red"),
    ]
    assert gone == [("tenant", "客户", "999999")]


async def test_the_pool_audit_and_message_exports_show_their_filters_in_words(
    database: Database,
) -> None:
    async with database.platform_transaction() as session:
        await session.execute(
            text(
                "INSERT INTO categories (id, parent_id, name, level, sort_order, active) VALUES "
                "(920001, NULL, '家用电器', 1, 0, true)"
            )
        )
        await session.execute(
            text("INSERT INTO areas (id, parent_id, name, level) VALUES (920002, NULL, '浙江', 1)")
        )
        supplier_id = (
            await session.execute(
                text(
                    "INSERT INTO suppliers (name, kind, base_url, credentials_encrypted, "
                    "rate_limits, enabled) VALUES ('京东 VOP', 'vop', '', '', '{}', true) "
                    "RETURNING id"
                )
            )
        ).scalar_one()
        zh, en = translator("zh"), translator("en")
        pool = {
            "keyword": "空调",
            "category_id": "920001",
            "brand": "格力",
            "province": "920002",
            "min_yuan": "100",
            "max_yuan": "2000.50",
            "status": "paused",
            "sort": "price_asc",
        }
        pool_zh = await describe(session, POOL_PRODUCTS.filters, pool, zh)
        pool_en = await describe(session, POOL_PRODUCTS.filters, pool, en)
        gone = await describe(
            session, POOL_PRODUCTS.filters, {"category_id": "999999", "province": "x1"}, zh
        )
        audit = {
            "actor": "admin",
            "action": "tenant.create",
            "target_type": "tenant",
            "target_id": "7",
            "from": "2026-11-03",
            "to": "2026-11-30",
            "sort": "at",
            "direction": "asc",
        }
        audit_zh = await describe(session, AUDIT_LOG.filters, audit, zh)
        audit_en = await describe(session, AUDIT_LOG.filters, audit, en)
        messages = {
            "supplier": str(supplier_id),
            "type": "2",
            "status": "gave_up",
            "sort": "message_id",
            "direction": "desc",
        }
        messages_zh = await describe(session, MESSAGES.filters, messages, zh)
        messages_en = await describe(session, MESSAGES.filters, messages, en)
    assert pool_zh == [
        ("keyword", "关键词", "空调"),
        ("category_id", "分类", "家用电器"),
        ("brand", "品牌", "格力"),
        ("province", "有货省份", "浙江"),
        ("min_yuan", "最低价（元）", "100"),
        ("max_yuan", "最高价（元）", "2000.50"),
        ("status", "状态", "已暂停"),
        ("sort", "排序", "价格从低到高"),
    ]
    assert [(label, value) for _, label, value in pool_en] == [
        ("Keyword", "空调"),
        ("Category", "家用电器"),
        ("Brand", "格力"),
        ("In stock in", "浙江"),
        ("Min price (yuan)", "100"),
        ("Max price (yuan)", "2000.50"),
        ("Status", "Paused"),
        ("Sorted by", "Price, low to high"),
    ]
    assert gone == [("category_id", "分类", "999999"), ("province", "有货省份", "x1")]
    assert audit_zh == [
        ("actor", "操作人", "admin"),
        ("action", "操作", "新建客户"),
        ("target_type", "对象类型", "客户"),
        ("target_id", "对象编号", "7"),
        ("from", "日期从", "2026年11月3日"),
        ("to", "日期至", "2026年11月30日"),
        ("sort", "排序", "时间"),
        ("direction", "顺序", "从小到大"),
    ]
    assert [(label, value) for _, label, value in audit_en] == [
        ("Who", "admin"),
        ("Action", "Tenant created"),
        ("Entity kind", "Tenant"),
        ("Entity id", "7"),
        ("From", "03 Nov 2026"),
        ("Until", "30 Nov 2026"),
        ("Sorted by", "When"),
        ("Order", "ascending"),
    ]
    assert messages_zh == [
        ("supplier", "供应商", "京东 VOP"),
        ("type", "类型", "2 价格变更"),
        ("status", "状态", "已放弃"),
        ("sort", "排序", "消息 ID"),
        ("direction", "顺序", "从大到小"),
    ]
    assert [(label, value) for _, label, value in messages_en] == [
        ("Supplier", "京东 VOP"),
        ("Type", "2 Price changed"),
        ("Status", "Gave up"),
        ("Sorted by", "Message ID"),
        ("Order", "descending"),
    ]


def test_every_filter_a_list_reads_has_a_label_on_its_export_page() -> None:
    """A filter added to a list's page without a label on its export's page fails here."""
    accepted = {
        STAFF_ORDERS.name: {*search.FILTERS, "sort", "direction"},
        POOL_PRODUCTS.name: set(pool_forms.KNOWN_PARAMETERS) - {"page", "lang"},
        AUDIT_LOG.name: {*audit_log.FILTERS, "sort", "direction"},
        MESSAGES.name: set(feed_routes.KNOWN_PARAMETERS) - {"page"},
    }
    for source in (STAFF_ORDERS, POOL_PRODUCTS, AUDIT_LOG, MESSAGES):
        assert set(source.filters) == accepted[source.name], source.name
        for language in ("zh", "en"):
            t = translator(language)
            unworded = [f.label for f in source.filters.values() if t(f.label) == f.label]
            assert unworded == [], (source.name, language)


def test_an_exports_back_link_returns_to_the_list_as_it_was_asked() -> None:
    """返回 keeps the list's search, sort and order; a filter that is part of the list's
    address (a tenant's statement) fills the address and is not repeated as a query."""
    asked = {"status": "accepted", "number": "PO 1/2", "sort": "total", "direction": "asc"}
    assert back_of(STAFF_ORDERS, asked) == (
        "/admin/orders?status=accepted&number=PO+1%2F2&sort=total&direction=asc"
    )
    assert back_of(STAFF_ORDERS, {}) == "/admin/orders"
    assert back_of(TENANT_STATEMENT, {"tenant": "12"}) == "/admin/billing/12"
    assert back_of(RULE_RUN_RECORDS, {"rule": "3", "run": "9"}) == (
        "/admin/catalog/rules/3/progress"
    )
