"""Billing error codes (stable; clients may branch on them)."""

from __future__ import annotations

from hive.platform.errors import Conflict, NotFound


class AccountNotFound(NotFound):
    code = "account_not_found"
    default_message = "账户不存在 / Account not found"


class InsufficientFunds(Conflict):
    """The balance and credit line together do not cover the amount; ``details`` has
    ``amount_fen`` and ``available_fen``."""

    code = "insufficient_funds"
    default_message = "可用余额不足 / Insufficient available balance"


class FreezeConflict(Conflict):
    """The reference already holds a freeze of another amount."""

    code = "freeze_reference_conflict"
    default_message = "该单号已冻结不同金额 / This reference already holds a different amount"


class FreezeNotFound(NotFound):
    code = "freeze_not_found"
    default_message = "冻结记录不存在 / No freeze for this reference"


class ExceedsFreeze(Conflict):
    """Capture plus release would exceed what was frozen; ``details`` has ``open_fen``."""

    code = "exceeds_freeze"
    default_message = "扣款与解冻合计不能超过冻结金额 / Capture and release exceed the freeze"


class CreditLimitBelowUse(Conflict):
    """The new credit limit is below what is already drawn or held on the credit line."""

    code = "credit_limit_below_use"
    default_message = "授信额度不能低于已用额度 / The credit limit is below what is in use"


class OperationKeyReused(Conflict):
    """An operation key already names an entry of another kind, reference or amount."""

    code = "operation_key_reused"
    default_message = "操作编号已被其他操作使用 / The operation key names another operation"
