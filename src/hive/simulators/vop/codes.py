"""Result codes the simulator answers, and the error that carries one.

Codes from ``vop.md`` keep their documented meaning; the few the reference does not name
(parameter errors, auth details, rate limiting, price change, off shelf) are the simulator's
own choice and are listed in ``docs/vop-simulator.md``.
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    # ruff S105 mistakes TOKEN_* result codes for secrets.
    OK = "0000"
    ORDER_SUBMITTED = "0001"
    ORDER_CONFIRMED = "0003"
    DUPLICATE_THIRD_ORDER = "0008"
    BAD_PARAMETER = "1001"
    CLIENT_INVALID = "1002"
    SIGN_INVALID = "1003"
    TOKEN_INVALID = "1004"  # noqa: S105
    TIMESTAMP_EXPIRED = "1005"
    BAD_CREDENTIALS = "1006"
    REFRESH_TOKEN_INVALID = "1007"  # noqa: S105
    RATE_LIMITED = "1010"
    SKU_NOT_IN_POOL = "2004"
    TOKEN_EXPIRED = "2007"  # noqa: S105
    PRICE_CHANGED = "3007"
    OUT_OF_STOCK = "3008"
    AREA_RESTRICTED = "3009"
    SKU_OFF_SHELF = "3010"
    BALANCE_INSUFFICIENT = "3017"
    ALREADY_CONFIRMED = "3103"
    CHILD_ORDER_CONFIRM = "3104"
    ORDER_CANCELLED = "3105"
    IN_PRODUCTION = "3204"
    NOT_FOUND = "3401"
    AREA_INVALID = "3405"
    AFS_NOT_ALLOWED = "6001"
    SERVICE_ERROR = "5001"


MESSAGES: dict[Code, str] = {
    Code.OK: "操作成功",
    Code.ORDER_SUBMITTED: "下单成功",
    Code.ORDER_CONFIRMED: "确认下单成功",
    Code.DUPLICATE_THIRD_ORDER: "重复下单",
    Code.BAD_PARAMETER: "参数错误",
    Code.CLIENT_INVALID: "client_id不正确",
    Code.SIGN_INVALID: "签名不正确",
    Code.TOKEN_INVALID: "token不正确",
    Code.TIMESTAMP_EXPIRED: "时间戳已过期",
    Code.BAD_CREDENTIALS: "用户名或密码错误",
    Code.REFRESH_TOKEN_INVALID: "refresh_token不正确或已过期",
    Code.RATE_LIMITED: "调用频率超出限制",
    Code.SKU_NOT_IN_POOL: "商品不在商品池中",
    Code.TOKEN_EXPIRED: "token已过期",
    Code.PRICE_CHANGED: "商品价格已变动",
    Code.OUT_OF_STOCK: "商品无货",
    Code.AREA_RESTRICTED: "商品在该地区限制销售",
    Code.SKU_OFF_SHELF: "商品已下架",
    Code.BALANCE_INSUFFICIENT: "账户余额不足",
    Code.ALREADY_CONFIRMED: "订单已确认",
    Code.CHILD_ORDER_CONFIRM: "子单不能确认，请确认父单",
    Code.ORDER_CANCELLED: "订单已取消",
    Code.IN_PRODUCTION: "订单已进入生产，不能取消",
    Code.NOT_FOUND: "记录不存在",
    Code.AREA_INVALID: "地址信息不正确",
    Code.AFS_NOT_ALLOWED: "不满足售后条件",
    Code.SERVICE_ERROR: "服务异常，请稍后重试",
}


class VopError(Exception):
    """A business failure: answered as HTTP 200 with ``success: false`` and its code."""

    def __init__(self, code: Code, detail: str = "", result: object = None) -> None:
        self.code = code
        self.detail = detail
        self.result = result
        super().__init__(self.message)

    @property
    def message(self) -> str:
        base = MESSAGES[self.code]
        return f"{base}: {self.detail}" if self.detail else base
