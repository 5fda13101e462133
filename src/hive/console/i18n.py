"""User-facing text of the console, Chinese first, English as the alternative."""

from __future__ import annotations

from collections.abc import Callable

from hive.platform.language import negotiate

DEFAULT_LANGUAGE = "zh"
LANGUAGES = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        "app.title": "Hive 聚合供应链中台",
        "login.title": "登录",
        "login.username": "用户名",
        "login.password": "密码",
        "login.submit": "登录",
        "login.failed": "用户名或密码错误",
        "login.disabled": "账号已停用或所属客户未启用",
        "login.expired": "页面已过期，请重新登录",
        "login.locked": "该账号登录失败次数过多，已暂时锁定，请 {wait}后再试",
        "login.locked_address": "此网络地址登录尝试过多，请 {wait}后再试",
        "wait.minutes": "{n} 分钟",
        "wait.seconds": "{n} 秒",
        "logout": "退出登录",
        "account.sessions": "我的登录会话",
        "accounts.title": "账号安全",
        "home.welcome": "欢迎",
        "home.role": "角色",
        "home.tenants": "客户列表",
        "home.admin": "运营管理",
        "home.link.suppliers": "供应商",
        "home.link.supplier_messages": "供应商消息日志",
        "home.tenant": "我的企业",
        "home.balance": "可用余额",
        "home.frozen": "冻结金额",
        "tenant.code": "编码",
        "tenant.name": "名称",
        "tenant.status": "状态",
        "tenant.grade": "等级",
        "role.platform_admin": "平台管理员",
        "role.operator": "运营",
        "role.finance": "财务",
        "role.tenant_admin": "企业管理员",
        "role.tenant_user": "企业用户",
        "status.active": "正常",
        "status.suspended": "已暂停",
        "status.closed": "已关闭",
        "language.switch": "English",
        "forbidden": "没有权限访问此页面。",
        "layout.skip": "跳到正文",
        "dash.title": "运营概览",
        "dash.pool_active": "底池在售商品",
        "dash.pool_paused": "已暂停商品",
        "dash.feed_lag": "距最近一条供应商消息",
        "dash.feed_failed": "24 小时内处理失败的消息",
        "dash.jobs_failed": "失败的后台任务",
        "dash.jobs_waiting": "排队及执行中的任务",
        "dash.tenants": "客户数",
        "dash.added": "近 14 天每日入池商品",
        "dash.added_series": "入池商品数",
        "dash.day": "日期",
        "dash.no_additions": "近 14 天没有商品入池",
        "dash.suppliers": "供应商状态",
        "dash.enabled": "启用",
        "dash.health": "最近访问",
        "dash.healthy": "正常",
        "dash.since": "自 {at} 起",
        "dash.no_suppliers": "还没有供应商",
        "dash.failed_tasks": "失败任务（按任务）",
        "dash.task": "任务",
        "dash.count": "数量",
        "dash.seconds": "{n} 秒",
        "dash.breakers": "熔断器",
        "dash.breakers_note": "每个供应商接口的熔断状态（各进程最近一次上报）：连续失败后“断开”，"
        "冷却期过后“半开”放行一次试探调用，成功即“闭合”。",
        "dash.method": "接口",
        "dash.breaker_state": "状态",
        "dash.breaker_since": "自",
        "dash.last_failure": "最近一次失败",
        "dash.breaker.closed": "闭合（正常）",
        "dash.breaker.open": "断开（快速失败）",
        "dash.breaker.half_open": "半开（试探中）",
        "dash.no_breakers": "还没有熔断记录：所有接口调用正常",
        "dash.minutes": "{n} 分钟",
        "confirm.title": "请确认",
        "confirm.ok": "确定",
        "confirm.cancel": "取消",
    },
    "en": {
        "app.title": "Hive supply-chain platform",
        "login.title": "Sign in",
        "login.username": "Username",
        "login.password": "Password",
        "login.submit": "Sign in",
        "login.failed": "Wrong username or password",
        "login.disabled": "The account or its tenant is disabled",
        "login.expired": "The page expired, please sign in again",
        "login.locked": "Too many failed sign-ins: the account is locked. Try again in {wait}",
        "login.locked_address": "Too many sign-in attempts from this address. Try again in {wait}",
        "wait.minutes": "{n} minutes",
        "wait.seconds": "{n} seconds",
        "logout": "Sign out",
        "account.sessions": "My sign-in sessions",
        "accounts.title": "Account security",
        "home.welcome": "Welcome",
        "home.role": "Role",
        "home.tenants": "Tenants",
        "home.admin": "Operations",
        "home.link.suppliers": "Suppliers",
        "home.link.supplier_messages": "Supplier message log",
        "home.tenant": "My company",
        "home.balance": "Available balance",
        "home.frozen": "Frozen",
        "tenant.code": "Code",
        "tenant.name": "Name",
        "tenant.status": "Status",
        "tenant.grade": "Grade",
        "role.platform_admin": "Platform admin",
        "role.operator": "Operator",
        "role.finance": "Finance",
        "role.tenant_admin": "Tenant admin",
        "role.tenant_user": "Tenant user",
        "status.active": "Active",
        "status.suspended": "Suspended",
        "status.closed": "Closed",
        "language.switch": "中文",
        "forbidden": "You may not open this page.",
        "layout.skip": "Skip to content",
        "dash.title": "Overview",
        "dash.pool_active": "Products on sale in the pool",
        "dash.pool_paused": "Paused products",
        "dash.feed_lag": "Since the last supplier message",
        "dash.feed_failed": "Messages failed in 24 hours",
        "dash.jobs_failed": "Failed background jobs",
        "dash.jobs_waiting": "Jobs queued or running",
        "dash.tenants": "Tenants",
        "dash.added": "Products added per day, last 14 days",
        "dash.added_series": "Products added",
        "dash.day": "Day",
        "dash.no_additions": "No products added in 14 days",
        "dash.suppliers": "Suppliers",
        "dash.enabled": "Enabled",
        "dash.health": "Last access",
        "dash.healthy": "OK",
        "dash.since": "since {at}",
        "dash.no_suppliers": "No suppliers yet",
        "dash.failed_tasks": "Failed jobs by task",
        "dash.task": "Task",
        "dash.count": "Count",
        "dash.seconds": "{n} s",
        "dash.minutes": "{n} min",
        "dash.breakers": "Circuit breakers",
        "dash.breakers_note": "Each supplier method's breaker as a process last reported it: "
        "open after repeated failures, half-open after the cool-down (one probe call goes "
        "through), closed again when the probe succeeds.",
        "dash.method": "Method",
        "dash.breaker_state": "State",
        "dash.breaker_since": "Since",
        "dash.last_failure": "Last failure",
        "dash.breaker.closed": "Closed (healthy)",
        "dash.breaker.open": "Open (failing fast)",
        "dash.breaker.half_open": "Half-open (probing)",
        "dash.no_breakers": "No breaker has tripped: every supplier call is healthy",
        "confirm.title": "Please confirm",
        "confirm.ok": "Confirm",
        "confirm.cancel": "Cancel",
    },
}


def translator(language: str) -> Callable[[str], str]:
    catalog = MESSAGES.get(language, MESSAGES[DEFAULT_LANGUAGE])
    return lambda key: catalog.get(key, key)


def wait_text(t: Callable[[str], str], seconds: int) -> str:
    """A wait as people say it: whole minutes (rounded up) from a minute on, else seconds."""
    if seconds >= 60:
        return t("wait.minutes").format(n=-(-seconds // 60))
    return t("wait.seconds").format(n=seconds)


def pick_language(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return cookie
    return negotiate(accept_language, LANGUAGES, DEFAULT_LANGUAGE)


def extend(messages: dict[str, dict[str, str]]) -> None:
    """Add a page's own texts to the shared catalogue (each page module calls it on import).

    One key has one text: a key already there with another text is refused (``ValueError``),
    since whichever page module was imported last would otherwise decide what every page
    shows (``field.<name>`` labels are shared by every form that has the field)."""
    for language, catalog in messages.items():
        shared = MESSAGES.setdefault(language, {})
        clashes = sorted(k for k, text in catalog.items() if shared.get(k, text) != text)
        if clashes:
            raise ValueError(f"i18n keys defined twice with different {language} texts: {clashes}")
        shared.update(catalog)
