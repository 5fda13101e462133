"""Webhooks' error codes (stable: clients branch on ``code``)."""

from __future__ import annotations

from typing import Any

from hive.platform.errors import Conflict, NotFound
from hive.platform.validation import InvalidInput, Problem


class WebhookUrlInvalid(InvalidInput):
    """The URL's shape is refused; ``details["reason"]``: ``malformed``, ``scheme``,
    ``credentials_or_fragment``, ``https_required``."""

    code = "webhook_url_invalid"
    default_message = (
        "Webhook 地址不合法：须为 https 地址，不含用户名密码和 # 片段 / "
        "Invalid webhook URL: it must be an https URL without credentials or fragment"
    )

    def __init__(self, *, details: dict[str, Any]):
        super().__init__([Problem("url", "invalid_format")])
        self.details["reason"] = details.get("problem", "malformed")


class WebhookTargetRefused(InvalidInput):
    """The URL's host is, or resolves to, an address webhooks may not reach (SSRF);
    ``details``: ``host``, ``address``, ``reason`` (``loopback``, ``private``, ``reserved``,
    ``not_unicast``, ``unresolvable``, ``https_required``)."""

    code = "webhook_target_refused"
    default_message = (
        "Webhook 地址无法解析，或指向内网、回环、链路本地等不允许的地址 / "
        "The webhook URL does not resolve, or points to a private, loopback, link-local or "
        "otherwise disallowed address"
    )

    def __init__(self, *, details: dict[str, Any]):
        super().__init__([Problem("url", "not_allowed")])
        self.details.update({k: v for k, v in details.items() if k != "problem"})
        self.details["reason"] = details.get("problem", "private")


class WebhookNotFound(NotFound):
    code = "webhook_not_found"
    default_message = "Webhook 订阅不存在 / Webhook subscription not found"


class WebhookDeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"
    default_message = "Webhook 投递记录不存在 / Webhook delivery not found"


class WebhookLimitReached(Conflict):
    code = "webhook_limit_reached"
    default_message = (
        "该应用的 Webhook 订阅已达上限 / This app has the most webhook subscriptions allowed"
    )


class WebhookDeliveryPending(Conflict):
    code = "webhook_delivery_pending"
    default_message = (
        "该投递仍在进行中，无需重放 / The delivery is still being attempted; no replay needed"
    )


class WebhookAppInvalid(InvalidInput):
    code = "webhook_app_invalid"
    default_message = "请选择一个有效的开放接口应用 / Choose an active Open API app"

    def __init__(self) -> None:
        super().__init__([Problem("app_id", "not_a_choice", {"choices": "active apps"})])
