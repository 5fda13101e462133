from __future__ import annotations

from hive.platform.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed


class ProductNotFound(NotFound):
    code = "product_not_found"
    default_message = "商品不在商品池 / Product not in the pool"


class RuleNotFound(NotFound):
    code = "selection_rule_not_found"
    default_message = "选品规则不存在 / Selection rule not found"


class DuplicateRuleName(Conflict):
    code = "selection_rule_name_taken"
    default_message = "规则名称已存在 / Rule name already exists"


class InvalidSelection(ValidationFailed):
    code = "invalid_selection"
    default_message = "选品请求不合法 / Invalid selection request"


class InvalidStatusChange(Conflict):
    code = "invalid_product_status_change"
    default_message = "商品状态不允许此操作 / Product status does not allow this"


class UpstreamSearchUnavailable(ServiceUnavailable):
    code = "upstream_search_unavailable"
    default_message = "上游搜索暂时不可用，请稍后重试 / Supplier search unavailable, try again"


class UpstreamCredentialsRefused(UpstreamSearchUnavailable):
    """Not temporary: the supplier refuses our account until an operator corrects it."""

    code = "upstream_credentials_refused"
    default_message = (
        "供应商拒绝了接入凭据，请在「供应商」页检查账号和密码 / "
        "The supplier refused our credentials: check them on the Suppliers page"
    )
