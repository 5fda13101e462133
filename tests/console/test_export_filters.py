"""An export's page shows the filters it was asked with in words: each with its field's
label, a status by its name, a tenant by its name, a day as the language writes it and a
time in Asia/Shanghai, in Chinese and in English; a filter a source does not name keeps its
name, and a value that can no longer be worded shows as it was asked."""

from __future__ import annotations

from hive.console.export_filters import describe
from hive.console.i18n import translator
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
