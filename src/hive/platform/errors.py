"""The ``HiveError`` hierarchy: every failure a client can see has a stable code and HTTP status.

Domains subclass these with their own codes (``orders.errors`` and so on); the HTTP layer turns
any ``HiveError`` into ``{"code", "message", "request_id"}`` and never shows a stack trace.
"""

from __future__ import annotations

from typing import Any, ClassVar


class HiveError(Exception):
    """Base of every expected failure. ``code`` is stable: clients may branch on it."""

    code: ClassVar[str] = "internal_error"
    http_status: ClassVar[int] = 500
    default_message: ClassVar[str] = "内部错误 / Internal error"

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None):
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)

    def to_body(self, request_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "request_id": request_id,
        }
        if self.details:
            body["details"] = self.details
        return body


class ValidationFailed(HiveError):
    code = "validation_failed"
    http_status = 422
    default_message = "请求参数不合法 / Invalid request"


class BadRequest(HiveError):
    code = "bad_request"
    http_status = 400
    default_message = "请求无效 / Bad request"


class NotAuthenticated(HiveError):
    code = "not_authenticated"
    http_status = 401
    default_message = "请先登录 / Authentication required"


class InvalidCredentials(HiveError):
    code = "invalid_credentials"
    http_status = 401
    default_message = "用户名或密码错误 / Wrong username or password"


class PermissionDenied(HiveError):
    code = "permission_denied"
    http_status = 403
    default_message = "没有权限 / Permission denied"


class CsrfFailed(HiveError):
    code = "csrf_failed"
    http_status = 403
    default_message = "表单已过期，请刷新后重试 / Form expired, reload and try again"


class NotFound(HiveError):
    code = "not_found"
    http_status = 404
    default_message = "资源不存在 / Not found"


class Conflict(HiveError):
    code = "conflict"
    http_status = 409
    default_message = "与当前状态冲突 / Conflicts with the current state"


class RateLimited(HiveError):
    code = "rate_limited"
    http_status = 429
    default_message = "请求过于频繁 / Too many requests"


class ServiceUnavailable(HiveError):
    code = "service_unavailable"
    http_status = 503
    default_message = "服务暂不可用 / Service unavailable"


class UpstreamUnavailable(HiveError):
    code = "upstream_unavailable"
    http_status = 502
    default_message = "上游供应商不可用 / Supplier unavailable"


class StartupError(Exception):
    """A problem that stops a command from starting; the CLI prints ``str(self)`` and exits 2."""
