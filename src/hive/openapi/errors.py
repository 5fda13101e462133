"""The Open API's error codes. Clients branch on ``code``; each refusal has its own."""

from __future__ import annotations

from hive.platform.errors import (
    Conflict,
    HiveError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)


class SignatureHeadersInvalid(NotAuthenticated):
    code = "signature_headers_invalid"
    default_message = (
        "签名请求头缺失或格式错误 / Signature headers missing or malformed "
        "(X-Hive-AppKey, X-Hive-Timestamp, X-Hive-Nonce, X-Hive-Signature)"
    )


class AppKeyInvalid(NotAuthenticated):
    code = "app_key_invalid"
    default_message = "AppKey 不存在或已吊销 / Unknown or revoked AppKey"


class SignatureInvalid(NotAuthenticated):
    code = "signature_invalid"
    default_message = "签名不正确 / Signature does not match"


class TimestampOutOfWindow(NotAuthenticated):
    code = "timestamp_out_of_window"
    default_message = "请求时间戳超出允许范围（±300 秒） / Timestamp outside the ±300 s window"


class NonceReused(NotAuthenticated):
    code = "nonce_reused"
    default_message = "Nonce 已被使用（疑似重放） / Nonce already used (replay)"


class AddressNotAllowed(NotAuthenticated):
    code = "address_not_allowed"
    default_message = "来源地址不在应用的白名单内 / Client address not on the app's allow-list"


class ScopeMissing(PermissionDenied):
    code = "scope_missing"
    default_message = "应用没有此接口的权限范围 / The app lacks the scope for this route"


class OpenRateLimited(RateLimited):
    """The app's bucket for this route group is empty: retry after ``retry_after_s``."""

    code = "rate_limited"
    default_message = "请求过于频繁 / Too many requests"


class IdempotencyKeyInvalid(ValidationFailed):
    code = "idempotency_key_invalid"
    default_message = (
        "Idempotency-Key 须为 1–128 个可见 ASCII 字符 / "
        "Idempotency-Key must be 1-128 printable ASCII characters"
    )


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_message = (
        "该 Idempotency-Key 已用于不同的请求 / Idempotency-Key already used with another request"
    )


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"
    default_message = (
        "相同 Idempotency-Key 的请求仍在处理中，请稍后重试 / "
        "A request with this Idempotency-Key is still running; retry shortly"
    )


class ProductNotFound(NotFound):
    code = "product_not_found"
    default_message = "商品不存在或不在您的商品池中 / Product not found or not in your pools"


class ImageNotFound(NotFound):
    code = "image_not_found"
    default_message = "图片不存在 / Image not found"


class AppNotFound(NotFound):
    code = "app_not_found"
    default_message = "应用不存在 / App not found"


class AppRevoked(Conflict):
    code = "app_revoked"
    default_message = "应用已吊销 / App is revoked"


class AppTenantNotFound(NotFound):
    code = "tenant_not_found"
    default_message = "客户不存在 / Tenant not found"


REFUSALS: tuple[type[HiveError], ...] = (
    SignatureHeadersInvalid,
    AppKeyInvalid,
    SignatureInvalid,
    TimestampOutOfWindow,
    NonceReused,
    AddressNotAllowed,
    ScopeMissing,
    OpenRateLimited,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    IdempotencyInProgress,
)
"""Every refusal of the gateway itself (documented in docs/open-api.md)."""
