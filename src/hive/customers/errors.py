from __future__ import annotations

from hive.platform.errors import Conflict, NotFound, ValidationFailed


class TenantNotFound(NotFound):
    code = "tenant_not_found"
    default_message = "客户不存在 / Tenant not found"


class GradeNotFound(NotFound):
    code = "grade_not_found"
    default_message = "客户等级不存在 / Customer grade not found"


class DuplicateTenantCode(Conflict):
    code = "tenant_code_taken"
    default_message = "客户编码已存在 / Tenant code already exists"


class DuplicateGradeName(Conflict):
    code = "grade_name_taken"
    default_message = "等级名称已存在 / Grade name already exists"


class DuplicateUsername(Conflict):
    code = "username_taken"
    default_message = "用户名已存在 / Username already exists"


class RoleNotAllowed(ValidationFailed):
    code = "role_not_allowed"
    default_message = "角色与所属客户不匹配 / Role does not fit the user's tenant"


class UserDisabled(ValidationFailed):
    code = "user_disabled"
    http_status = 403
    default_message = "账号已停用 / Account disabled"


class TenantNotActive(ValidationFailed):
    code = "tenant_not_active"
    http_status = 403
    default_message = "客户账号未启用 / Tenant is not active"
