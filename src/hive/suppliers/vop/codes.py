"""VOP result codes, and the domain error each failure becomes."""

from __future__ import annotations

from hive.suppliers.errors import (
    AfterSaleNotAllowed,
    AreaRestricted,
    CannotCancel,
    CannotConfirmChildOrder,
    InsufficientSupplierBalance,
    OutOfStock,
    PriceChanged,
    SkuNotInPool,
    SkuOffShelf,
    SupplierAuthFailed,
    SupplierError,
    SupplierRateLimited,
    SupplierUnavailable,
    UpstreamNotFound,
    UpstreamOrderCancelled,
)

OK = "0000"
ORDER_SUBMITTED = "0001"
ORDER_CONFIRMED = "0003"
DUPLICATE_THIRD_ORDER = "0008"
ALREADY_CONFIRMED = "3103"
CHILD_ORDER_CONFIRM = "3104"
SUCCESS_CODES = frozenset({OK, ORDER_SUBMITTED, ORDER_CONFIRMED})
TOKEN_CODES = frozenset({"2007", "1004"})

_ERRORS: dict[str, type[SupplierError]] = {
    "1002": SupplierAuthFailed,
    "1003": SupplierAuthFailed,
    "1005": SupplierAuthFailed,
    "1006": SupplierAuthFailed,
    "1007": SupplierAuthFailed,
    "1010": SupplierRateLimited,
    "2004": SkuNotInPool,
    "3007": PriceChanged,
    "3008": OutOfStock,
    "3009": AreaRestricted,
    "3010": SkuOffShelf,
    "3017": InsufficientSupplierBalance,
    "3104": CannotConfirmChildOrder,
    "3105": UpstreamOrderCancelled,
    "3204": CannotCancel,
    "3401": UpstreamNotFound,
    "5001": SupplierUnavailable,
    "6001": AfterSaleNotAllowed,
}


def error_for(code: str, message: str) -> SupplierError:
    """The domain error for a failed VOP answer; unknown codes are plain, non-retryable."""
    error_class = _ERRORS.get(code, SupplierError)
    return error_class(
        f"{error_class.default_message} ({message})" if message else None,
        details={"supplier_code": code},
    )
