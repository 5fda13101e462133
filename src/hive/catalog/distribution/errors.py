"""Error codes of distribution pools (stable; messages Chinese first, then English)."""

from __future__ import annotations

from hive.platform.errors import Conflict, NotFound
from hive.platform.validation import InvalidInput


class PoolNotFound(NotFound):
    code = "distribution_pool_not_found"
    default_message = "分销池不存在 / Distribution pool not found"


class AssignmentNotFound(NotFound):
    code = "distribution_assignment_not_found"
    default_message = "分配记录不存在 / Pool assignment not found"


class InvalidPoolInput(InvalidInput):
    """A pool form refused; ``problems`` name each field with a stable code."""

    code = "invalid_distribution_pool"
    default_message = "分销池设置不合法 / Invalid distribution pool settings"


class PoolNameTaken(Conflict):
    code = "distribution_pool_name_taken"
    default_message = "分销池名称已存在 / A pool with this name already exists"


class DefaultPoolExists(Conflict):
    code = "default_pool_exists"
    default_message = "默认池只能有一个 / There is already a default pool"


class WrongPoolKind(Conflict):
    code = "wrong_pool_kind"
    default_message = (
        "只有分类池可设置分类，只有专属池可添加商品 / "
        "Only category pools take categories and only exclusive pools take products"
    )


class AlreadyAssigned(Conflict):
    code = "pool_already_assigned"
    default_message = "该分销池已分配给此对象 / The pool is already assigned to it"
