from __future__ import annotations

from hive.platform.errors import Conflict, NotFound, RateLimited, ValidationFailed


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


class DuplicateGradeCode(Conflict):
    code = "grade_code_taken"
    default_message = "等级编码已存在 / Grade code already exists"


class GradeInUse(Conflict):
    """A grade still given to tenants or to distribution pools is not deleted; ``details``
    name what uses it (``used_by``) and how many tenants."""

    code = "grade_in_use"
    default_message = (
        "该等级仍被客户或分销池使用，不能删除 / The grade is still used by tenants or "
        "distribution pools and cannot be deleted"
    )


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


class UserNotFound(NotFound):
    code = "user_not_found"
    default_message = "用户不存在 / User not found"


class SessionNotFound(NotFound):
    code = "session_not_found"
    default_message = "会话不存在或已结束 / Session not found or already ended"


class WrongCurrentPassword(ValidationFailed):
    code = "wrong_current_password"
    http_status = 403
    default_message = "当前密码不正确 / The current password is wrong"


class SignInLocked(RateLimited):
    """Too many sign-in attempts for the account or from the address: wait ``retry_after_s``."""

    code = "sign_in_locked"
    default_message = "登录尝试过多，请稍后再试 / Too many sign-in attempts, try again later"

    def __init__(self, retry_after_s: int, *, scope: str, key: str = "") -> None:
        super().__init__(details={"retry_after_s": retry_after_s, "scope": scope})
        self.retry_after_s = retry_after_s
        self.scope = scope
        self.key = key


class LastAdmin(Conflict):
    """The change would leave the platform (or a tenant) without an active admin."""

    code = "last_admin"
    default_message = (
        "不能停用或降级最后一位管理员 / The last active admin cannot be suspended or demoted"
    )


class CannotChangeOwnAccount(Conflict):
    code = "own_account"
    default_message = (
        "不能在此停用、降级或退出自己的账号 / You cannot suspend, demote or sign out your own "
        "account here"
    )
