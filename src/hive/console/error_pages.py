"""Errors of console pages as pages in the console's frame, in the user's language.

The platform's error handlers (:mod:`hive.platform.http`) ask :func:`error_page` first; it
answers HTML to a browser on a console path and leaves JSON to API clients, health checks
and static files. Problems of refused input (:mod:`hive.platform.validation`) are translated
from their codes, with the field named.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError

from hive.console.i18n import extend, translator
from hive.console.pages import language_of, render
from hive.platform.errors import HiveError
from hive.platform.validation import invalid_input

# Paths whose errors stay JSON: machines read them.
_MACHINE_PREFIXES = ("/static/", "/healthz", "/readyz", "/metrics", "/open/", "/api/")

TEXTS = {
    "zh": {
        "error.title": "出错了",
        "error.400": "请求无效",
        "error.401": "请先登录",
        "error.403": "没有权限访问此页面",
        "error.404": "页面或资源不存在",
        "error.405": "不支持此操作方式",
        "error.409": "与当前状态冲突",
        "error.413": "提交的内容过大",
        "error.422": "输入不合法",
        "error.429": "请求过于频繁，请稍后再试",
        "error.500": "系统内部错误，请稍后再试",
        "error.502": "上游供应商不可用",
        "error.503": "服务暂不可用",
        "error.back_home": "返回首页",
        "error.request_id": "请求编号",
        "problem.line": "{field}：{problem}",
        "field.keyword": "关键词",
        "field.brand": "品牌",
        "field.page": "页码",
        "field.page_size": "每页条数",
        "field.category_id": "分类",
        "field.in_stock_province_id": "有货地区",
        "field.province": "有货地区",
        "field.min_price_fen": "最低价",
        "field.max_price_fen": "最高价",
        "field.min_yuan": "最低价（元）",
        "field.max_yuan": "最高价（元）",
        "field.status": "状态",
        "field.sort": "排序",
        "field.supplier_id": "供应商",
        "field.supplier": "供应商",
        "field.type": "消息类型",
        "field.qps": "每秒调用上限",
        "field.name": "名称",
        "field.username": "用户名",
        "field.conditions": "选品条件",
        "field.sku": "SKU",
        "field.assignment_id": "分配 ID",
        "field.back": "返回地址",
        "field.next": "返回地址",
        "field.base_url": "接口地址",
        "field.change": "操作",
        "field.switch": "操作",
        "field.client_id": "Client ID",
        "field.client_secret": "Client Secret",
        "field.current_password": "当前密码",
        "field.new_password": "新密码",
        "field.delivery_id": "投递 ID",
        "field.enabled": "启用",
        "field.order_id": "订单 ID",
        "field.q": "搜索",
        "field.pool_id": "分销池 ID",
        "field.progress_id": "任务 ID",
        "field.reason": "原因",
        "field.rule_id": "规则 ID",
        "field.run_id": "执行记录 ID",
        "field.session_id": "会话",
        "field.special_id": "特价 ID",
        "field.sub_order_no": "子订单号",
        "field.subscription_id": "订阅 ID",
        "field.user_id": "用户 ID",
        "field.csrf_token": "表单令牌",
        "field.skus": "SKU",
        "field.select_all": "全选",
        "problem.required": "必填",
        "problem.not_an_integer": "须为整数（数字 0-9）",
        "problem.not_a_number": "须为数字，可带小数点（如 12 或 1.25）",
        "problem.not_a_number.places": "须为数字，最多 {places} 位小数（如 1.25）",
        "problem.not_finite": "须为有限数值",
        "problem.too_small": "不能小于 {min}",
        "problem.too_large": "不能大于 {max}",
        "problem.too_long": "最多 {max} 个字符",
        "problem.too_short": "至少 {min} 个字符",
        "problem.control_character": "不能包含控制字符",
        "problem.line_break": "须为单行文本",
        "problem.not_a_choice": "请从列表中选择",
        "problem.invalid_format": "格式不正确",
        "problem.invalid_amount": "须为最多两位小数的金额（元）",
        "problem.not_zero": "不能为零",
        "problem.below_minimum": "不能低于最低值",
        "problem.not_allowed": "此处不可用",
        "problem.keyword_or_category": "请输入关键词或选择分类",
        "problem.outside_parent": "不在所选的上级地区内",
        "problem.too_many_items": "最多 {max} 项",
        "problem.too_few_items": "至少 {min} 项",
        "problem.duplicate": "不能重复：{ids}",
        "problem.invalid_json": "须为合法的 JSON",
        "problem.invalid": "不合法",
    },
    "en": {
        "error.title": "Something went wrong",
        "error.400": "Bad request",
        "error.401": "Please sign in",
        "error.403": "You may not open this page",
        "error.404": "Page or resource not found",
        "error.405": "This method is not supported here",
        "error.409": "Conflicts with the current state",
        "error.413": "What was sent is too large",
        "error.422": "Invalid input",
        "error.429": "Too many requests, try again later",
        "error.500": "Internal error, try again later",
        "error.502": "The supplier is unavailable",
        "error.503": "Service unavailable",
        "error.back_home": "Back to the home page",
        "error.request_id": "Request id",
        "problem.line": "{field}: {problem}",
        "field.keyword": "Keyword",
        "field.brand": "Brand",
        "field.page": "Page",
        "field.page_size": "Page size",
        "field.category_id": "Category",
        "field.in_stock_province_id": "In stock in",
        "field.province": "In stock in",
        "field.min_price_fen": "Minimum price",
        "field.max_price_fen": "Maximum price",
        "field.min_yuan": "Minimum price (yuan)",
        "field.max_yuan": "Maximum price (yuan)",
        "field.status": "Status",
        "field.sort": "Sort",
        "field.supplier_id": "Supplier",
        "field.supplier": "Supplier",
        "field.type": "Message type",
        "field.qps": "Calls per second",
        "field.name": "Name",
        "field.username": "Username",
        "field.conditions": "Conditions",
        "field.sku": "SKU",
        "field.assignment_id": "Assignment id",
        "field.back": "Return address",
        "field.next": "Return address",
        "field.base_url": "Base URL",
        "field.change": "Action",
        "field.switch": "Action",
        "field.client_id": "Client ID",
        "field.client_secret": "Client secret",
        "field.current_password": "Current password",
        "field.new_password": "New password",
        "field.delivery_id": "Delivery id",
        "field.enabled": "Enabled",
        "field.order_id": "Order id",
        "field.q": "Search",
        "field.pool_id": "Distribution pool id",
        "field.progress_id": "Job id",
        "field.reason": "Reason",
        "field.rule_id": "Rule id",
        "field.run_id": "Run id",
        "field.session_id": "Session",
        "field.special_id": "Special price id",
        "field.sub_order_no": "Sub-order number",
        "field.subscription_id": "Subscription id",
        "field.user_id": "User id",
        "field.csrf_token": "Form token",
        "field.skus": "SKUs",
        "field.select_all": "Select all",
        "problem.required": "is required",
        "problem.not_an_integer": "must be a whole number (digits 0-9)",
        "problem.not_a_number": "must be a number, a decimal point allowed (e.g. 12 or 1.25)",
        "problem.not_a_number.places": (
            "must be a number with at most {places} decimals (e.g. 1.25)"
        ),
        "problem.not_finite": "must be a finite number",
        "problem.too_small": "must be at least {min}",
        "problem.too_large": "must be at most {max}",
        "problem.too_long": "must be at most {max} characters",
        "problem.too_short": "must be at least {min} characters",
        "problem.control_character": "must not contain control characters",
        "problem.line_break": "must be a single line",
        "problem.not_a_choice": "must be one of the listed options",
        "problem.invalid_format": "has an invalid format",
        "problem.invalid_amount": "must be a yuan amount with at most 2 decimals",
        "problem.not_zero": "must not be zero",
        "problem.below_minimum": "must not be below the minimum",
        "problem.not_allowed": "is not available here",
        "problem.keyword_or_category": "enter a keyword or choose a category",
        "problem.outside_parent": "is not an area under the chosen one above",
        "problem.too_many_items": "must have at most {max} items",
        "problem.too_few_items": "must have at least {min} items",
        "problem.duplicate": "must not repeat: {ids}",
        "problem.invalid_json": "must be valid JSON",
        "problem.invalid": "is not valid",
    },
}
extend(TEXTS)


def translate_problems(
    problems: object, t: Callable[[str], str], *, field_labels: bool = True
) -> list[str]:
    """Each problem of an error's details as ``"<field label>：<translated sentence>"``.

    A field label is the text ``field.<name>`` when a page defined one, else the name; with
    ``field_labels=False`` always the name (a terminal, where the argument is what the user
    typed and no page's labels apply). A refused choice names no codes (the form's own list
    shows the options in words). Problems given as plain strings (older callers) are shown as
    they are.
    """
    if not isinstance(problems, list):
        return []
    lines = []
    for problem in problems:
        if not isinstance(problem, Mapping):
            lines.append(str(problem))
            continue
        name = str(problem.get("field", ""))
        label = t(f"field.{name}") if field_labels else name
        label = name if label == f"field.{name}" else label
        code, params = problem.get("code", "invalid"), problem.get("params")
        if code == "too_short" and isinstance(params, Mapping) and params.get("min") == 1:
            code = "required"  # "at least 1 characters" says "required" badly
        elif code == "not_a_number" and isinstance(params, Mapping) and "places" in params:
            code = "not_a_number.places"  # a decimal field says how many decimals it takes
        template = t(f"problem.{code}")
        try:
            sentence = template.format(**(params if isinstance(params, Mapping) else {}))
        except (KeyError, IndexError, ValueError):
            sentence = template
        lines.append(t("problem.line").format(field=label, problem=sentence) if label else sentence)
    return lines


def message_in(language: str, message: str) -> str:
    """The part of a bilingual ``"中文 / English"`` message for ``language``."""
    chinese, separator, english = message.partition(" / ")
    if not separator:
        return message
    return english if language == "en" else chinese


def problem_lines(request: Request, error: Exception) -> list[str]:
    """What to tell the user about refused input, in their language: one line per problem
    with the field named, else the error's own message (never a Python exception's text)."""
    language = language_of(request)
    if isinstance(error, ValidationError):
        error = invalid_input(error)
    if isinstance(error, HiveError):
        lines = translate_problems(error.details.get("problems"), translator(language))
        return lines or [message_in(language, error.message)]
    return [translator(language)("error.422")]


def wants_page(request: Request) -> bool:
    if request.url.path.startswith(_MACHINE_PREFIXES):
        return False
    # Browsers ask for text/html when they open a page or post a form.
    return "text/html" in request.headers.get("accept", "")


def error_page(
    request: Request, status: int, code: str, message: str, details: dict[str, Any]
) -> Response | None:
    """The console's page for an error, or None for a client that wants JSON."""
    if not wants_page(request):
        return None
    t = translator(language_of(request))
    summary = t(f"error.{status}")
    if summary == f"error.{status}":
        summary = t("error.title")
    return render(
        request,
        "error.html",
        status_code=status,
        actor=getattr(request.state, "actor", None),
        summary=summary,
        code=code,
        problems=translate_problems(details.get("problems"), t),
        request_id=getattr(request.state, "request_id", ""),
    )


def field_errors(
    request: Request, error: Exception, fields: Sequence[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """Refused input split for a form: the translated problems of each of ``fields`` (shown
    next to that field by the ``_macros.html`` field macro) and every other line (shown above
    the form)."""
    if isinstance(error, ValidationError):
        error = invalid_input(error)
    if not isinstance(error, HiveError) or not isinstance(error.details.get("problems"), list):
        return {}, problem_lines(request, error)
    t = translator(language_of(request))
    by_field: dict[str, list[str]] = {}
    others: list[Mapping[str, Any]] = []
    for problem in error.details["problems"]:
        name = str(problem.get("field", "")) if isinstance(problem, Mapping) else ""
        if name in fields:
            by_field.setdefault(name, []).extend(translate_problems([{**problem, "field": ""}], t))
        else:
            others.append(problem)
    return by_field, translate_problems(others, t)
