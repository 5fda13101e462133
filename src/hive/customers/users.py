"""Managing logins: the platform admin its staff (platform admin, operator, finance), a tenant
admin its own tenant's users (tenant admin, tenant user). Services never commit; callers do.

Each function works inside a *scope*: staff (``tenant_id`` NULL) for a platform admin, the
actor's tenant for a tenant admin; a platform admin names a tenant (``tenant=``) to manage that
tenant's users from the admin console. A user outside the scope does not exist for the actor
(``user_not_found``), so a tenant admin learns nothing about other tenants' users, and an
action on a user of tenant A sent to tenant B's address finds nobody; the tenant pages also
run under row-level security, which hides those rows from the start.

Rules every change keeps:

- the last active admin of a scope (the platform's last platform admin, a tenant's last
  tenant admin) can be neither suspended nor given another role (``last_admin``); the admins
  of the scope are locked ``FOR UPDATE`` first, so two admins suspending each other at once
  cannot both succeed;
- nobody suspends or demotes their own account here (``own_account``);
- suspending ends every session of the user; re-activating revives none.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hive.customers import repository, sessions
from hive.customers.errors import (
    CannotChangeOwnAccount,
    DuplicateUsername,
    LastAdmin,
    TenantNotActive,
    TenantNotFound,
    UserNotFound,
)
from hive.customers.models import TenantStatus, User, UserStatus
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.errors import PermissionDenied
from hive.platform.passwords import hash_password_async
from hive.platform.permissions import Action, Role, require
from hive.platform.validation import InvalidInput, Problem

STAFF_ROLES = (Role.PLATFORM_ADMIN, Role.OPERATOR, Role.FINANCE)
TEAM_ROLES = (Role.TENANT_ADMIN, Role.TENANT_USER)
PASSWORD_MIN, PASSWORD_MAX = 8, 128
GENERATED_LENGTH = 14
# No 0/O, 1/l/I: an initial password is read off a screen and typed by someone else.
_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$")


class NewMember(BaseModel):
    """A login to create in the actor's scope. An empty ``password`` asks for a generated one,
    shown once to whoever created the login."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    username: str = Field(pattern=USERNAME.pattern)
    display_name: str = Field(min_length=1, max_length=64)
    role: Role
    password: str = Field(default="", max_length=PASSWORD_MAX)


@dataclass(frozen=True, slots=True)
class Created:
    user: User
    generated_password: str | None  # shown once, never stored or logged


def scope_of(actor: Actor, tenant: int | None = None) -> int | None:
    """The tenant whose users the actor manages; None: the platform's staff. ``tenant``: the
    tenant a platform admin names (a tenant admin may only name its own)."""
    if tenant is None:
        return actor.tenant_id
    if actor.tenant_id is not None and actor.tenant_id != tenant:
        raise PermissionDenied(details={"tenant_id": tenant})
    return tenant


def roles_of(tenant_id: int | None) -> tuple[Role, ...]:
    return STAFF_ROLES if tenant_id is None else TEAM_ROLES


def admin_role_of(tenant_id: int | None) -> Role:
    return Role.PLATFORM_ADMIN if tenant_id is None else Role.TENANT_ADMIN


def password_problems(password: str, username: str, field: str = "password") -> list[Problem]:
    """The password rules: 8 to 128 characters, at least one letter and one digit, and not
    containing the username."""
    if len(password) < PASSWORD_MIN:
        return [Problem(field, "too_short", {"min": PASSWORD_MIN})]
    if len(password) > PASSWORD_MAX:
        return [Problem(field, "too_long", {"max": PASSWORD_MAX})]
    if not re.search(r"[A-Za-z]", password) or not re.search(r"[0-9]", password):
        return [Problem(field, "letters_and_digits")]
    if username and username.lower() in password.lower():
        return [Problem(field, "contains_username")]
    return []


def generate_password() -> str:
    """A random password that keeps the rules (letters and digits, 14 characters)."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(GENERATED_LENGTH))
        if not password_problems(candidate, ""):
            return candidate


async def list_members(
    session: AsyncSession, actor: Actor, *, limit: int, offset: int, tenant: int | None = None
) -> tuple[Sequence[User], int]:
    """One page of the scope's users (by id) and how many there are."""
    require(actor, Action.CREATE_USER)
    scope = scope_of(actor, tenant)
    rows = await repository.list_users_of_scope(session, scope, limit=limit, offset=offset)
    return rows, await repository.count_users_of_scope(session, scope)


async def get_member(
    session: AsyncSession, actor: Actor, user_id: int, *, tenant: int | None = None
) -> User:
    """The user ``user_id`` of the scope; ``user_not_found`` for anyone else."""
    scope = scope_of(actor, tenant)
    user = await repository.get_user(session, user_id)
    if user is None or user.tenant_id != scope:
        raise UserNotFound(details={"user_id": user_id})
    return user


async def create_member(
    session: AsyncSession, actor: Actor, data: NewMember, *, tenant: int | None = None
) -> Created:
    """Create a login in the scope with a role of that scope. Raises ``invalid_input``
    (role or password rules, with the field), ``username_taken``, ``tenant_not_active``."""
    require(actor, Action.CREATE_USER)
    scope = scope_of(actor, tenant)
    problems = [] if data.role in roles_of(scope) else [role_problem(scope)]
    if data.password:
        problems += password_problems(data.password, data.username)
    if problems:
        raise InvalidInput(problems)
    if scope is not None:
        await _require_active_tenant(session, scope)
    password = data.password or generate_password()
    user = User(
        tenant_id=scope,
        username=data.username,
        display_name=data.display_name,
        password_hash=await hash_password_async(password),
        role=data.role.value,
        status=UserStatus.ACTIVE.value,
    )
    try:
        await repository.add_and_flush(session, user)
    except IntegrityError:
        raise DuplicateUsername(details={"username": data.username}) from None
    await _audit(session, actor, "user.create", user, username=user.username, role=user.role)
    return Created(user, None if data.password else password)


async def change_role(
    session: AsyncSession, actor: Actor, user_id: int, role: Role, *, tenant: int | None = None
) -> User:
    """Give a user of the scope another role of that scope. Raises ``invalid_input``
    (a role of the other scope), ``own_account``, ``last_admin``, ``user_not_found``."""
    require(actor, Action.CHANGE_USER_ROLE)
    user = await get_member(session, actor, user_id, tenant=tenant)
    if role not in roles_of(user.tenant_id):
        raise InvalidInput([role_problem(user.tenant_id)])
    if role.value == user.role:
        return user
    _refuse_own(actor, user)
    await refuse_losing_last_admin(session, user, role=role)
    previous, user.role = user.role, role.value
    await session.flush()
    await _audit(session, actor, "user.role", user, **{"from": previous, "to": role.value})
    return user


async def change_status(
    session: AsyncSession,
    actor: Actor,
    user_id: int,
    status: UserStatus,
    *,
    tenant: int | None = None,
) -> tuple[User, int]:
    """Suspend or re-activate a user of the scope; suspending ends every session.
    Returns the user and how many sessions ended. Raises ``own_account``, ``last_admin``,
    ``user_not_found``."""
    require(actor, Action.CHANGE_USER_STATUS)
    user = await get_member(session, actor, user_id, tenant=tenant)
    return user, await apply_status(session, actor, user, status)


async def apply_status(session: AsyncSession, actor: Actor, user: User, status: UserStatus) -> int:
    """Set ``user``'s status (the caller checked the permission and scope); audited."""
    if status.value == user.status:
        return 0
    if status is UserStatus.DISABLED:
        _refuse_own(actor, user)
        await refuse_losing_last_admin(session, user, status=status)
    previous, user.status = user.status, status.value
    ended = 0
    if status is UserStatus.DISABLED:
        ended = await sessions.revoke_user_sessions(session, user.id, now=datetime.now(UTC))
    await _audit(
        session,
        actor,
        "user.status",
        user,
        **{"from": previous, "to": status.value, "sessions_ended": ended},
    )
    return ended


async def sign_out_member(
    session: AsyncSession, actor: Actor, user_id: int, *, tenant: int | None = None
) -> tuple[User, int]:
    """End every session of a user of the scope; returns the user and how many ended.
    Not one's own (``own_account``: one's own sessions are ended on 我的登录会话)."""
    user = await get_member(session, actor, user_id, tenant=tenant)
    if actor.user_id is not None and actor.user_id == user.id:
        raise CannotChangeOwnAccount(details={"user_id": user.id})
    ended = await sessions.sign_out_everywhere(session, actor, user.id, now=datetime.now(UTC))
    return user, ended


async def reset_password(
    session: AsyncSession,
    actor: Actor,
    user_id: int,
    password: str = "",
    *,
    tenant: int | None = None,
) -> tuple[User, str | None, int]:
    """Give a user of the scope a new password: the one the admin set (under the password
    rules) or, when ``password`` is empty, a generated one that is returned to be shown once.
    Every session of the user ends (whoever knew the old password is signed out). Returns the
    user, the generated password (None when set by the admin) and how many sessions ended.
    Not one's own (``own_account``: one's own password is changed knowing the current one).
    Raises ``invalid_input`` (password rules), ``user_not_found``."""
    require(actor, Action.RESET_PASSWORD)
    user = await get_member(session, actor, user_id, tenant=tenant)
    _refuse_own(actor, user)
    if password and (problems := password_problems(password, user.username)):
        raise InvalidInput(problems)
    chosen = password or generate_password()
    user.password_hash = await hash_password_async(chosen)
    ended = await sessions.revoke_user_sessions(session, user.id, now=datetime.now(UTC))
    await _audit(
        session,
        actor,
        "user.password_reset",
        user,
        generated=not password,
        sessions_ended=ended,
    )
    return user, None if password else chosen, ended


async def refuse_losing_last_admin(
    session: AsyncSession, user: User, *, role: Role | None = None, status: UserStatus | None = None
) -> None:
    """Raise ``last_admin`` when the change would leave ``user``'s scope without an active
    admin. Locks the scope's active admins first (in id order) so concurrent changes queue."""
    admin = admin_role_of(user.tenant_id).value
    if user.role != admin or user.status != UserStatus.ACTIVE.value:
        return
    if (role is None or role.value == admin) and status in (None, UserStatus.ACTIVE):
        return
    admins = await repository.lock_active_users(session, user.tenant_id, admin)
    if all(other.id == user.id for other in admins):
        raise LastAdmin(details={"user_id": user.id, "role": admin})


def _refuse_own(actor: Actor, user: User) -> None:
    if actor.user_id is not None and actor.user_id == user.id:
        raise CannotChangeOwnAccount(details={"user_id": user.id})


def role_problem(scope: int | None) -> Problem:
    return Problem("role", "not_a_choice", {"choices": ", ".join(r.value for r in roles_of(scope))})


async def _require_active_tenant(session: AsyncSession, tenant_id: int) -> None:
    tenant = await repository.get_tenant(session, tenant_id)
    if tenant is None:
        raise TenantNotFound(details={"tenant_id": tenant_id})
    if tenant.status != TenantStatus.ACTIVE.value:
        raise TenantNotActive(details={"tenant_id": tenant_id, "status": tenant.status})


async def _audit(
    session: AsyncSession, actor: Actor, action: str, user: User, **details: object
) -> None:
    await record_audit(
        session,
        actor,
        action,
        target_type="user",
        target_id=user.id,
        tenant_id=user.tenant_id,
        details=details,
    )
