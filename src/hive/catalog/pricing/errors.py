"""Pricing's error codes (stable: clients and tests branch on them)."""

from __future__ import annotations

from hive.customers.errors import GradeNotFound, TenantNotFound
from hive.platform.errors import Conflict, NotFound, ValidationFailed
from hive.platform.validation import InvalidInput

__all__ = [
    "CategoryNotFound",
    "DefaultRuleKept",
    "GradeNotFound",
    "InvalidPricing",
    "PricingRuleNotFound",
    "RuleExists",
    "SpecialPriceBelowFloor",
    "SpecialPriceNotFound",
    "SpecialPricesOverlap",
    "TenantNotFound",
]


class InvalidPricing(InvalidInput):
    """Refused pricing input; ``problems`` name each field and say what is wrong."""

    code = "pricing_invalid"
    default_message = "定价参数不合法 / Invalid pricing input"


class PricingRuleNotFound(NotFound):
    code = "pricing_rule_not_found"
    default_message = "定价规则不存在 / Pricing rule not found"


class CategoryNotFound(NotFound):
    code = "category_not_found"
    default_message = "类目不存在 / Category not found"


class RuleExists(Conflict):
    code = "pricing_rule_exists"
    default_message = "该范围已有定价规则 / A pricing rule for this scope already exists"


class DefaultRuleKept(Conflict):
    code = "pricing_default_rule_kept"
    default_message = "默认规则不能删除 / The default rule cannot be deleted"


class SpecialPricesOverlap(Conflict):
    code = "pricing_special_prices_overlap"
    default_message = (
        "该客户该商品在此期间已有特价 / This tenant already has a special price for the "
        "product in this period"
    )


class SpecialPriceBelowFloor(ValidationFailed):
    """A special price below the product's floor would sell at a loss."""

    code = "pricing_special_below_floor"
    default_message = "特价低于最低价（进价加最低毛利）/ Special price below the floor"


class SpecialPriceNotFound(NotFound):
    code = "pricing_special_price_not_found"
    default_message = "特价不存在 / Special price not found"
