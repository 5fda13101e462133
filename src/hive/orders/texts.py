# ruff: noqa: E501  (a catalogue of sentences: one line each reads best)
"""Texts of the order pages (Chinese first, English as the alternative)."""

from __future__ import annotations

from hive.orders.status import OrderStatus, SubOrderEvent, SubOrderStatus

_ORDER_STATUS = {
    "zh": {
        "accepted": "已受理",
        "submitted": "已提交供应商",
        "confirmed": "供应商已确认",
        "shipped": "已发货",
        "delivered": "已送达",
        "completed": "已完成",
        "partially_failed": "部分失败",
        "cancelled": "已取消",
        "failed": "失败",
    },
    "en": {
        "accepted": "Accepted",
        "submitted": "Sent to supplier",
        "confirmed": "Confirmed by supplier",
        "shipped": "Shipped",
        "delivered": "Delivered",
        "completed": "Completed",
        "partially_failed": "Partially failed",
        "cancelled": "Cancelled",
        "failed": "Failed",
    },
}
_SUB_STATUS = {
    "zh": {
        "pending": "待提交",
        "submitted": "已提交",
        "confirmed": "已确认",
        "shipped": "已发货",
        "delivered": "已送达",
        "completed": "已完成",
        "split": "已拆单",
        "cancelled": "已取消",
        "failed": "失败",
    },
    "en": {
        "pending": "Waiting to be sent",
        "submitted": "Sent",
        "confirmed": "Confirmed",
        "shipped": "Shipped",
        "delivered": "Delivered",
        "completed": "Completed",
        "split": "Split",
        "cancelled": "Cancelled",
        "failed": "Failed",
    },
}
_EVENTS = {
    "zh": {
        "accepted": "订单已受理，金额已冻结",
        "cancel_requested": "申请取消",
        "placed": "已提交供应商",
        "confirmed": "供应商确认",
        "shipped": "发货",
        "delivered": "送达",
        "completed": "完成",
        "split": "供应商拆单",
        "refused": "供应商拒绝",
        "cancelled": "取消",
        "auto_cancelled": "供应商自动取消",
        "timed_out": "超时取消",
        "held": "异常挂起，待平台处理",
    },
    "en": {
        "accepted": "Order accepted, amount frozen",
        "cancel_requested": "Cancellation requested",
        "placed": "Sent to the supplier",
        "confirmed": "Confirmed by the supplier",
        "shipped": "Shipped",
        "delivered": "Delivered",
        "completed": "Completed",
        "split": "Split by the supplier",
        "refused": "Refused by the supplier",
        "cancelled": "Cancelled",
        "auto_cancelled": "Cancelled by the supplier",
        "timed_out": "Cancelled after a timeout",
        "held": "Held for the platform to resolve",
    },
}
# Why the submission saga held a sub-order (orders.submission.Alarm), for staff.
_HELD = {
    "zh": {
        "third_order_mismatch": "已挂起：供应商处同号订单商品不一致",
        "orphan_not_cancellable": "已挂起：上游订单无法取消",
    },
    "en": {
        "third_order_mismatch": "Held: the supplier's order under our number has other lines",
        "orphan_not_cancellable": "Held: the upstream order can no longer be cancelled",
    },
}
_SOURCES = {
    "zh": {"tenant": "客户", "operator": "运营", "supplier": "供应商", "system": "系统"},
    "en": {
        "tenant": "Customer",
        "operator": "Operator",
        "supplier": "Supplier",
        "system": "System",
    },
}
_OUTCOMES = {
    "zh": {"moved": "", "ignored": "（重复或过时，已忽略）", "refused": "（不允许，已拒绝）"},
    "en": {"moved": "", "ignored": " (duplicate or stale, ignored)", "refused": " (not allowed)"},
}

_PAGES = {
    "zh": {
        "orders.title": "订单查询",
        "orders.my_orders": "我的订单",
        "orders.note": (
            "按订单号、子订单号或供应商订单号精确查找；按客户、状态、下单日期（北京时间）和商品筛选。"
        ),
        "orders.number": "订单号 / 子订单号 / 供应商订单号",
        "orders.tenant": "客户",
        "orders.status": "状态",
        "orders.from": "下单日期从",
        "orders.to": "下单日期至",
        "orders.product": "商品编号",
        "orders.any": "全部",
        "orders.search": "查询",
        "orders.reset": "清除条件",
        "orders.empty": "没有符合条件的订单",
        "orders.none_yet": "还没有订单",
        "orders.order_no": "订单号",
        "orders.created_at": "下单时间",
        "orders.total": "金额（元）",
        "orders.items_total": "商品金额（元）",
        "orders.freight": "运费（元）",
        "orders.receiver": "收货人",
        "orders.mobile": "手机号",
        "orders.address": "收货地址",
        "orders.area": "收货地区",
        "orders.remark": "备注",
        "orders.invoice": "发票抬头",
        "orders.detail": "订单详情",
        "orders.back": "返回订单列表",
        "orders.lines": "商品明细",
        "orders.line_no": "行",
        "orders.product_name": "商品",
        "orders.quantity": "数量",
        "orders.unit_price": "单价（元）",
        "orders.amount": "小计（元）",
        "orders.sub_orders": "子订单",
        "orders.sub_order_no": "子订单号",
        "orders.supplier": "供应商",
        "orders.upstream_order_id": "供应商订单号",
        "orders.parent": "拆自",
        "orders.timeline": "订单轨迹",
        "orders.event": "事件",
        "orders.source": "来源",
        "orders.time": "时间",
        "orders.money": "资金流水",
        "orders.money_empty": "暂无资金流水",
        "orders.account": "账户",
        "orders.change": "变动（元）",
        "orders.kind": "类型",
        "orders.waybills": "物流单号",
        "orders.show_receiver": "显示完整信息",
        "orders.cancel": "取消订单",
        "orders.cancel_reason": "取消原因（选填）",
        "orders.confirm_cancel": "确定取消订单 {order_no}？未发货的子订单将取消，已提交供应商的将请求供应商取消，冻结金额随之退回。",
        "orders.cancel_done": "已申请取消：未提交的子订单已取消，已提交的正在请求供应商取消",
        "orders.cancel_refused": "订单已发货，不能取消",
        "orders.receiver_shown": "完整收货信息（本次查看已记入审计日志）",
        "orders.masked_note": "收货信息已脱敏显示。",
        "orders.receiver_unreadable": "收货信息无法解密（密钥已更换且未保留旧密钥）",
        "billing.ledger.platform.revenue": "平台收入",
        "billing.ledger.supplier.payable": "应付供应商",
        "billing.ledger.platform.cash": "平台资金",
        "billing.ledger.platform.adjustment": "平台调账",
        "billing.ledger.platform.credit_line": "平台授信",
        "field.number": "订单号",
        "field.tenant": "客户",
        "field.status": "状态",
        "field.from": "下单日期从",
        "field.to": "下单日期至",
        "field.product": "商品编号",
    },
    "en": {
        "orders.title": "Orders",
        "orders.my_orders": "My orders",
        "orders.note": (
            "Find an order by its number, a sub-order number or the supplier's order id "
            "(exact); filter by customer, status, order date (Beijing time) and product."
        ),
        "orders.number": "Order no / sub-order no / supplier order id",
        "orders.tenant": "Customer",
        "orders.status": "Status",
        "orders.from": "Ordered from",
        "orders.to": "Ordered until",
        "orders.product": "Product id",
        "orders.any": "Any",
        "orders.search": "Search",
        "orders.reset": "Clear",
        "orders.empty": "No order matches",
        "orders.none_yet": "No orders yet",
        "orders.order_no": "Order no",
        "orders.created_at": "Ordered at",
        "orders.total": "Total (yuan)",
        "orders.items_total": "Items (yuan)",
        "orders.freight": "Freight (yuan)",
        "orders.receiver": "Receiver",
        "orders.mobile": "Mobile",
        "orders.address": "Address",
        "orders.area": "Delivery area",
        "orders.remark": "Remark",
        "orders.invoice": "Invoice title",
        "orders.detail": "Order",
        "orders.back": "Back to the orders",
        "orders.lines": "Items",
        "orders.line_no": "Line",
        "orders.product_name": "Product",
        "orders.quantity": "Quantity",
        "orders.unit_price": "Unit price (yuan)",
        "orders.amount": "Amount (yuan)",
        "orders.sub_orders": "Sub-orders",
        "orders.sub_order_no": "Sub-order no",
        "orders.supplier": "Supplier",
        "orders.upstream_order_id": "Supplier order id",
        "orders.parent": "Split from",
        "orders.timeline": "Timeline",
        "orders.event": "Event",
        "orders.source": "Source",
        "orders.time": "Time",
        "orders.money": "Money movements",
        "orders.money_empty": "No money movement yet",
        "orders.account": "Account",
        "orders.change": "Change (yuan)",
        "orders.kind": "Kind",
        "orders.waybills": "Waybills",
        "orders.show_receiver": "Show full details",
        "orders.cancel": "Cancel the order",
        "orders.cancel_reason": "Reason (optional)",
        "orders.confirm_cancel": "Cancel order {order_no}? Sub-orders not yet shipped are cancelled (the supplier is asked where placed) and the frozen amount is released.",
        "orders.cancel_done": "Cancellation asked: unplaced sub-orders are cancelled, the supplier is asked for placed ones",
        "orders.cancel_refused": "The order has shipped and cannot be cancelled",
        "orders.receiver_shown": "Full receiver (this viewing is recorded in the audit log)",
        "orders.masked_note": "The receiver is shown masked.",
        "orders.receiver_unreadable": (
            "The receiver cannot be decrypted (the key was rotated without keeping the old one)"
        ),
        "billing.ledger.platform.revenue": "Platform revenue",
        "billing.ledger.supplier.payable": "Payable to supplier",
        "billing.ledger.platform.cash": "Platform cash",
        "billing.ledger.platform.adjustment": "Platform adjustment",
        "billing.ledger.platform.credit_line": "Platform credit line",
        "field.number": "Order no",
        "field.tenant": "Customer",
        "field.status": "Status",
        "field.from": "Ordered from",
        "field.to": "Ordered until",
        "field.product": "Product id",
    },
}


def _texts() -> dict[str, dict[str, str]]:
    texts: dict[str, dict[str, str]] = {}
    for language in ("zh", "en"):
        merged = dict(_PAGES[language])
        merged.update({f"orders.status.{k}": v for k, v in _ORDER_STATUS[language].items()})
        merged.update({f"orders.sub_status.{k}": v for k, v in _SUB_STATUS[language].items()})
        merged.update({f"orders.event.{k}": v for k, v in _EVENTS[language].items()})
        merged.update({f"orders.source.{k}": v for k, v in _SOURCES[language].items()})
        merged.update({f"orders.held.{k}": v for k, v in _HELD[language].items()})
        merged.update({f"orders.outcome.{k}": v for k, v in _OUTCOMES[language].items()})
        texts[language] = merged
    return texts


ORDER_TEXTS = _texts()

# Every status and event has its words (checked by the i18n test).
KNOWN = (
    [s.value for s in OrderStatus],
    [s.value for s in SubOrderStatus],
    [e.value for e in SubOrderEvent],
)
