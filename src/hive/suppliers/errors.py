"""Supplier failures in our words. ``retryable`` tells the caller whether trying again can help."""

from __future__ import annotations

from typing import ClassVar

from hive.platform.errors import Conflict, HiveError, NotFound, ValidationFailed


class SupplierError(HiveError):
    code = "supplier_error"
    http_status = 502
    default_message = "供应商返回错误 / Supplier error"
    retryable: ClassVar[bool] = False


class SupplierUnavailable(SupplierError):
    """Network failure, timeout, HTTP 5xx or the supplier's own 'service error'."""

    code = "supplier_unavailable"
    default_message = "供应商暂不可用 / Supplier unavailable"
    retryable = True


class SupplierRateLimited(SupplierUnavailable):
    code = "supplier_rate_limited"
    default_message = "供应商限流 / Supplier rate limit reached"


class CircuitOpen(SupplierError):
    """Fail fast: recent calls to this supplier method kept failing."""

    code = "supplier_circuit_open"
    http_status = 503
    default_message = "供应商接口熔断中 / Supplier temporarily cut off after repeated failures"


class BulkheadFull(SupplierError):
    code = "supplier_busy"
    http_status = 503
    default_message = "供应商接口繁忙 / Too many calls to this supplier method in flight"


class SupplierAuthFailed(SupplierError):
    code = "supplier_auth_failed"
    default_message = "供应商认证失败 / Supplier authentication failed"


class SupplierCredentialsRefused(SupplierAuthFailed):
    """The supplier's token endpoint refused our account (client id or secret, user name or
    password, signature): nothing works until an operator corrects the credentials."""

    code = "supplier_credentials_refused"
    default_message = (
        "供应商拒绝了接入凭据，请检查 client_id、client_secret、账号和密码 / "
        "The supplier refused our credentials: check client_id, client_secret, account and password"
    )


class SkuNotInPool(SupplierError):
    code = "sku_not_in_supplier_pool"
    http_status = 409
    default_message = "商品不在供应商商品池 / SKU not in the supplier's pool"


class SkuOffShelf(SupplierError):
    code = "sku_off_shelf"
    http_status = 409
    default_message = "商品已下架 / SKU is off the shelf"


class OutOfStock(SupplierError):
    code = "out_of_stock"
    http_status = 409
    default_message = "库存不足 / Out of stock"


class AreaRestricted(SupplierError):
    code = "area_restricted"
    http_status = 409
    default_message = "该地区不支持配送 / Not deliverable to this area"


class InsufficientSupplierBalance(SupplierError):
    code = "supplier_balance_insufficient"
    http_status = 409
    default_message = "供应商账户余额不足 / Supplier account balance insufficient"


class PriceChanged(SupplierError):
    code = "supplier_price_changed"
    http_status = 409
    default_message = "商品价格已变动 / Price changed"


class CannotCancel(SupplierError):
    code = "supplier_cannot_cancel"
    http_status = 409
    default_message = "订单已进入生产，无法取消 / Order in production, cannot cancel"


class CannotConfirmChildOrder(SupplierError):
    """A split order's child was confirmed: only the parent (the order we placed) is confirmed."""

    code = "supplier_child_order_confirm"
    http_status = 409
    default_message = (
        "子订单不能确认，请确认父订单 / A child order cannot be confirmed; confirm its parent"
    )


class UpstreamOrderCancelled(SupplierError):
    code = "supplier_order_cancelled"
    http_status = 409
    default_message = "供应商订单已取消 / The supplier order is already cancelled"


class AfterSaleNotAllowed(SupplierError):
    code = "supplier_after_sale_not_allowed"
    http_status = 409
    default_message = "不满足售后条件 / The supplier does not allow this after-sale request"


class UpstreamNotFound(SupplierError):
    code = "supplier_not_found"
    http_status = 404
    default_message = "供应商处不存在 / Not found at the supplier"


class InvalidSupplierAnswer(SupplierError):
    """The supplier answered something we cannot understand; recorded, never guessed at."""

    code = "supplier_invalid_answer"
    default_message = "供应商返回了无法解析的数据 / Supplier answered malformed data"


class SupplierNotFound(NotFound):
    code = "supplier_not_found_in_registry"
    default_message = "供应商不存在 / Supplier not found"


class SupplierDisabled(Conflict):
    code = "supplier_disabled"
    default_message = "供应商已停用 / Supplier disabled"


class InvalidSupplierConfig(ValidationFailed):
    code = "invalid_supplier_config"
    default_message = "供应商配置不合法 / Invalid supplier configuration"
