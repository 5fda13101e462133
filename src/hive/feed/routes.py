"""Operators' page of the raw supplier message log (GET /admin/supplier-messages).

Platform staff only: signed-out visitors go to the login page, tenant users are refused. The
page's own texts live here (Chinese first, English as the alternative); everything else falls
back to the console's shared catalogue.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hive.console import i18n
from hive.console.callers import viewing
from hive.console.i18n import translator
from hive.console.pages import language_of, render
from hive.console.tables import read_table, refuse_unknown
from hive.console.timefmt import local_time
from hive.feed import service as feed
from hive.feed.service import LogFilter
from hive.platform.actor import Actor
from hive.platform.http import database_of
from hive.platform.permissions import View
from hive.platform.validation import InvalidInput, Problem, parse_id, parse_int
from hive.suppliers import service as suppliers
from hive.suppliers.types import MessageType

router = APIRouter(include_in_schema=False)
MessagesViewer = Annotated[Actor, viewing(View.SUPPLIER_MESSAGES)]

PATH = "/admin/supplier-messages"
TEMPLATE = "supplier_messages.html"
MAX_PARAM = 16
SORTS = ("received_at", "message_id")
KNOWN_PARAMETERS = ("supplier", "type", "status", "page", "sort", "direction")

_TYPE_NAMES: dict[MessageType, tuple[str, str]] = {
    MessageType.ORDER_SPLIT: ("订单拆分", "Order split"),
    MessageType.PRICE_CHANGED: ("价格变更", "Price changed"),
    MessageType.SHELF_CHANGED: ("上下架变更", "Shelf state changed"),
    MessageType.ORDER_DELIVERED: ("妥投 / 出库", "Delivered / out of warehouse"),
    MessageType.POOL_CHANGED: ("商品池变更", "Product pool changed"),
    MessageType.ORDER_CANCELLED: ("订单取消", "Order cancelled"),
    MessageType.ORDER_SHIPPED: ("发货", "Shipped"),
    MessageType.PAYMENT_FAILED: ("支付失败", "Payment failed"),
    MessageType.ORDER_AUTO_CANCELLED: ("超时自动取消", "Auto-cancelled (timeout)"),
    MessageType.PRODUCT_INFO_CHANGED: ("商品信息变更", "Product info changed"),
    MessageType.ORDER_CREATED: ("新订单", "Order created"),
    MessageType.ORDER_COMPLETED: ("订单完成", "Order completed"),
    MessageType.ADDRESS_CHANGED: ("地址变更", "Address changed"),
    MessageType.TAX_CHANGED: ("税率变更", "Tax changed"),
    MessageType.AFTER_SALE_CHANGED: ("售后状态变更", "After-sale status changed"),
}

MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        "messages.title": "供应商消息日志",
        "messages.hint": "供应商推送或拉取的原始消息，保留 30 天。",
        "messages.supplier": "供应商",
        "messages.type": "类型",
        "messages.status": "状态",
        "messages.all": "全部",
        "messages.filter": "筛选",
        "messages.received_at": "接收时间",
        "messages.occurred_at": "发生时间",
        "messages.message_id": "消息 ID",
        "messages.error": "错误",
        "messages.attempts": "失败次数",
        "messages.raw": "原始内容",
        "messages.empty": "还没有收到供应商消息",
        "messages.total": "共 {total} 条",
        "messages.total_capped": "超过 {total} 条",
        "messages.page": "第 {page} / {pages} 页",
        "messages.previous": "上一页",
        "messages.next": "下一页",
        "messages.status.processed": "已处理",
        "messages.status.failed": "失败",
        "messages.status.gave_up": "已放弃",
        "messages.status.ignored": "已忽略",
    },
    "en": {
        "messages.title": "Supplier message log",
        "messages.hint": "Raw messages pushed or polled from suppliers, kept for 30 days.",
        "messages.supplier": "Supplier",
        "messages.type": "Type",
        "messages.status": "Status",
        "messages.all": "All",
        "messages.filter": "Filter",
        "messages.received_at": "Received",
        "messages.occurred_at": "Occurred",
        "messages.message_id": "Message ID",
        "messages.error": "Error",
        "messages.attempts": "Failed attempts",
        "messages.raw": "Raw message",
        "messages.empty": "No supplier messages yet",
        "messages.total": "{total} in all",
        "messages.total_capped": "more than {total}",
        "messages.page": "Page {page} of {pages}",
        "messages.previous": "Previous",
        "messages.next": "Next",
        "messages.status.processed": "Processed",
        "messages.status.failed": "Failed",
        "messages.status.gave_up": "Gave up",
        "messages.status.ignored": "Ignored",
    },
}
for _kind, (_zh, _en) in _TYPE_NAMES.items():
    MESSAGES["zh"][f"messages.type.{int(_kind)}"] = f"{int(_kind)} {_zh}"
    MESSAGES["en"][f"messages.type.{int(_kind)}"] = f"{int(_kind)} {_en}"


# Registered in the shared catalogue too: the menu and breadcrumbs name this page.
i18n.extend(MESSAGES)


def page_translator(language: str) -> Callable[[str], str]:
    """This page's texts first, then the console's shared ones."""
    own = MESSAGES.get(language, MESSAGES["zh"])
    shared = translator(language)
    return lambda key: own.get(key) or shared(key)


def read_filter(supplier: str, type_: str, status: str) -> LogFilter:
    """Filters from the query string; an empty value means "all", unknown ones are refused
    (:class:`InvalidInput` naming each field)."""
    problems: list[Problem] = []
    supplier_id = _checked(problems, lambda: parse_id(supplier, "supplier"))
    message_type = _checked(problems, lambda: parse_int(type_, "type", minimum=0))
    known_types = sorted(int(kind) for kind in MessageType)
    if message_type is not None and message_type not in known_types:
        problems.append(Problem("type", "not_a_choice", {"choices": known_types}))
    status = status.strip()
    if status and status not in feed.STATUSES:
        problems.append(Problem("status", "not_a_choice", {"choices": ", ".join(feed.STATUSES)}))
    if problems:
        raise InvalidInput(problems)
    return LogFilter(supplier_id=supplier_id, type=message_type, status=status or None)


def _checked(problems: list[Problem], parse: Callable[[], int | None]) -> int | None:
    try:
        return parse()
    except InvalidInput as refused:
        problems.extend(refused.problems)
        return None


def _display(row: Any, supplier_names: dict[int, str]) -> dict[str, Any]:
    return {
        "received_at": local_time(row.received_at),
        "occurred_at": local_time(row.occurred_at),
        "supplier": supplier_names.get(row.supplier_id, str(row.supplier_id)),
        "message_id": row.message_id,
        "type": row.type,
        "status": row.status,
        "attempts": row.attempts,
        "error": row.error,
        "raw": json.dumps(row.raw, ensure_ascii=False, sort_keys=True),
    }


@router.get(PATH)
async def supplier_messages_page(
    request: Request,
    actor: MessagesViewer,
    supplier: Annotated[str, Query(max_length=MAX_PARAM)] = "",
    type_: Annotated[str, Query(alias="type", max_length=MAX_PARAM)] = "",
    status: Annotated[str, Query(max_length=MAX_PARAM)] = "",
) -> Response:
    t = page_translator(language_of(request))
    params = dict(request.query_params)
    refuse_unknown(params, KNOWN_PARAMETERS)
    table = read_table(
        params, path=PATH, sorts=SORTS, default_sort="received_at", page_size=feed.PAGE_SIZE
    )
    log_filter = read_filter(supplier, type_, status)
    async with database_of(request).platform_transaction() as session:
        names = {row.id: row.name for row in await suppliers.list_suppliers(session)}
        result = await feed.message_log(
            session,
            log_filter,
            page=table.page,
            sort=table.sort,
            descending=table.direction == "desc",
        )
    return render(
        request,
        TEMPLATE,
        actor=actor,
        t=t,
        log_filter=log_filter,
        suppliers=sorted(names.items()),
        types=[int(kind) for kind in MessageType],
        statuses=feed.STATUSES,
        result=result,
        table=replace(table, page=result.page).with_total(result.total, capped=result.total_capped),
        rows=[_display(row, names) for row in result.rows],
    )
