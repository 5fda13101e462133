"""Texts of the dashboards' order, money and webhook panels (admin dashboard and workbench
home), Chinese first, English beside."""

from __future__ import annotations

DASHBOARD_TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "dash.orders_today": "今日订单",
        "dash.orders_today_note": "今日（北京时间 {day}）受理的全部客户订单。"
        "成交额（GMV）为这些订单的应付总额（含运费），包括此后取消或失败的订单；按状态的明细见下表。",
        "dash.orders_count": "今日订单数",
        "dash.gmv": "今日成交额",
        "dash.margin": "今日商品毛利",
        "dash.held_today": "今日订单中待人工处理",
        "dash.margin_note": "毛利 = 商品售价 − 受理时记录的供应商采购价；运费按供应商运费转收，"
        "供应商实际收取的运费未记录，故不计入毛利。",
        "dash.status": "状态",
        "dash.orders": "订单数",
        "dash.total": "金额",
        "dash.margin_col": "商品毛利",
        "dash.held": "待人工处理",
        "dash.no_orders_today": "今天还没有订单",
        "dash.held_link": "查看全部待处理订单",
        "dash.orders_chart": "近 30 天每日订单与成交额",
        "dash.orders_series": "订单数",
        "dash.gmv_series": "成交额（元）",
        "dash.webhooks": "异常的 Webhook 端点",
        "dash.webhooks_note": "已暂停的端点，以及 24 小时内有投递进入死信或正在失败重试的端点。",
        "dash.webhooks_tenant_note": "已暂停的端点，以及 24 小时内有投递进入死信"
        "或正在失败重试的端点；点击地址查看投递记录。",
        "dash.tenant": "客户",
        "dash.url": "地址",
        "dash.endpoint_status": "状态",
        "dash.dead": "24 小时死信",
        "dash.retrying": "重试中",
        "dash.last_failure_col": "最近失败",
        "dash.no_failing_webhooks": "没有异常的 Webhook 端点",
        "dash.failing_since": "自 {at} 起失败",
        "wb.orders_figures": "订单与支出",
        "wb.orders_today": "今日订单",
        "wb.orders_month": "本月订单",
        "wb.spend_month": "本月支出",
        "wb.spend_note": "本月（北京时间）受理订单的应付总额，"
        "扣除已取消或失败、款项已退回的子订单。",
        "wb.unfinished": "未完成订单",
    },
    "en": {
        "dash.orders_today": "Orders today",
        "dash.orders_today_note": "Every tenant's orders accepted today ({day}, Asia/Shanghai). "
        "GMV is their total (freight included), orders cancelled or failed since included; "
        "the table below breaks it down by status.",
        "dash.orders_count": "Orders today",
        "dash.gmv": "GMV today",
        "dash.margin": "Goods margin today",
        "dash.held_today": "of today's waiting for an operator",
        "dash.margin_note": "Margin = what the goods sold for − the supplier's purchase price "
        "recorded at acceptance; freight is the supplier's charged on, and what the supplier bills "
        "for it is not recorded, so it is left out.",
        "dash.status": "Status",
        "dash.orders": "Orders",
        "dash.total": "Total",
        "dash.margin_col": "Goods margin",
        "dash.held": "Waiting for an operator",
        "dash.no_orders_today": "No orders yet today",
        "dash.held_link": "All orders waiting for an operator",
        "dash.orders_chart": "Orders and GMV per day, last 30 days",
        "dash.orders_series": "Orders",
        "dash.gmv_series": "GMV (yuan)",
        "dash.webhooks": "Failing webhook endpoints",
        "dash.webhooks_note": "Endpoints paused, or with deliveries dead-lettered in the last 24 "
        "hours or being retried after failures.",
        "dash.webhooks_tenant_note": "Endpoints paused, or with deliveries dead-lettered in the "
        "last 24 hours or being retried after failures; open an address for its deliveries.",
        "dash.tenant": "Tenant",
        "dash.url": "Address",
        "dash.endpoint_status": "Status",
        "dash.dead": "Dead, 24 h",
        "dash.retrying": "Retrying",
        "dash.last_failure_col": "Last failure",
        "dash.no_failing_webhooks": "No failing webhook endpoint",
        "dash.failing_since": "failing since {at}",
        "wb.orders_figures": "Orders and spend",
        "wb.orders_today": "Orders today",
        "wb.orders_month": "Orders this month",
        "wb.spend_month": "Spent this month",
        "wb.spend_note": "The total of the orders accepted this month (Asia/Shanghai), less the "
        "sub-orders cancelled or failed, whose money went back.",
        "wb.unfinished": "Unfinished orders",
    },
}
