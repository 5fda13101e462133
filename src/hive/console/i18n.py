"""User-facing text of the console, Chinese first, English as the alternative."""

from __future__ import annotations

from collections.abc import Callable

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
        "logout": "退出登录",
        "home.welcome": "欢迎",
        "home.role": "角色",
        "home.tenants": "客户列表",
        "home.admin": "运营管理",
        "home.link.suppliers": "供应商",
        "home.link.supplier_messages": "供应商消息日志",
        "home.tenant": "我的企业",
        "home.balance": "可用余额（元）",
        "home.frozen": "冻结金额（元）",
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
        "logout": "Sign out",
        "home.welcome": "Welcome",
        "home.role": "Role",
        "home.tenants": "Tenants",
        "home.admin": "Operations",
        "home.link.suppliers": "Suppliers",
        "home.link.supplier_messages": "Supplier message log",
        "home.tenant": "My company",
        "home.balance": "Available balance (yuan)",
        "home.frozen": "Frozen (yuan)",
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
    },
}


def translator(language: str) -> Callable[[str], str]:
    catalog = MESSAGES.get(language, MESSAGES[DEFAULT_LANGUAGE])
    return lambda key: catalog.get(key, key)


def pick_language(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return cookie
    if accept_language and accept_language.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def extend(messages: dict[str, dict[str, str]]) -> None:
    """Add a page's own texts to the shared catalogue (each page module calls it on import)."""
    for language, catalog in messages.items():
        MESSAGES.setdefault(language, {}).update(catalog)
