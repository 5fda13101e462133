"""Customer rules: grades, tenants, users. Services never commit; callers do.

Sign-in lives in ``signin`` (throttled), browser sessions in ``sessions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import service as billing
from hive.customers import repository, sessions, users
from hive.customers.errors import (
    DuplicateGradeCode,
    DuplicateGradeName,
    DuplicateTenantCode,
    DuplicateUsername,
    GradeInUse,
    GradeNotFound,
    RoleNotAllowed,
    TenantNotActive,
    TenantNotFound,
    UserNotFound,
    WrongCurrentPassword,
)
from hive.customers.models import (
    CustomerGrade,
    Tenant,
    TenantStatus,
    User,
    UserStatus,
)
from hive.customers.schemas import GradeCreate, PasswordChange, TenantCreate, UserCreate
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.errors import HiveError, PermissionDenied
from hive.platform.passwords import check_password, hash_password_async
from hive.platform.permissions import Action, Role, require


async def create_grade(session: AsyncSession, actor: Actor, data: GradeCreate) -> CustomerGrade:
    """Add a customer grade with its price coefficient."""
    require(actor, Action.MANAGE_GRADES)
    grade = CustomerGrade(**data.model_dump())
    try:
        await repository.add_and_flush(session, grade)
    except IntegrityError as error:
        raise _duplicate_grade(error, data.code) from None
    await record_audit(
        session,
        actor,
        "grade.create",
        target_type="grade",
        target_id=grade.id,
        details={
            "code": grade.code,
            "name": grade.name,
            "price_coefficient": str(grade.price_coefficient),
        },
    )
    return grade


def _duplicate_grade(error: IntegrityError, code: str | None) -> HiveError:
    if repository.violated_constraint(error) == "uq_customer_grades_code":
        return DuplicateGradeCode(details={"code": code})
    return DuplicateGradeName()


async def update_grade(
    session: AsyncSession, actor: Actor, grade_id: int, data: GradeCreate
) -> CustomerGrade:
    """Change a grade's code, name and description (its coefficient changes through
    ``pricing.rules.set_grade_coefficient``, which reprices). Raises ``grade_not_found``,
    ``grade_code_taken``, ``grade_name_taken``; audited with what changed."""
    require(actor, Action.MANAGE_GRADES)
    grade = await repository.get_grade(session, grade_id)
    if grade is None:
        raise GradeNotFound(details={"grade_id": grade_id})
    wanted = {"code": data.code, "name": data.name, "description": data.description}
    changes = {k: {"from": getattr(grade, k), "to": v} for k, v in wanted.items()}
    changes = {k: change for k, change in changes.items() if change["from"] != change["to"]}
    if not changes:
        return grade
    try:
        async with session.begin_nested():
            for key, change in changes.items():
                setattr(grade, key, change["to"])
            await session.flush()
    except IntegrityError as error:
        await session.refresh(grade)
        raise _duplicate_grade(error, data.code) from None
    await record_audit(
        session, actor, "grade.update", target_type="grade", target_id=grade.id, details=changes
    )
    return grade


async def delete_grade(session: AsyncSession, actor: Actor, grade_id: int) -> CustomerGrade:
    """Delete a grade nobody uses. Refused (``grade_in_use``) while tenants have it or a
    distribution pool is given to it; its materialised prices and API rate limit go with it.
    Raises ``grade_not_found``; audited."""
    require(actor, Action.MANAGE_GRADES)
    grade = await repository.lock_grade(session, grade_id)
    if grade is None:
        raise GradeNotFound(details={"grade_id": grade_id})
    tenants = await repository.count_tenants_of_grade(session, grade.id)
    if tenants:
        raise GradeInUse(details={"grade_id": grade.id, "used_by": "tenants", "tenants": tenants})
    try:
        await repository.delete_and_flush(session, grade)
    except IntegrityError as error:
        used_by = repository.violated_table(error) or "other"
        raise GradeInUse(details={"grade_id": grade.id, "used_by": used_by}) from None
    await record_audit(
        session,
        actor,
        "grade.delete",
        target_type="grade",
        target_id=grade.id,
        details={"code": grade.code, "name": grade.name},
    )
    return grade


async def get_grade(session: AsyncSession, grade_id: int) -> CustomerGrade | None:
    return await repository.get_grade(session, grade_id)


async def change_grade_coefficient(
    session: AsyncSession, actor: Actor, grade_id: int, coefficient: Decimal
) -> CustomerGrade:
    """Set a grade's price coefficient (0 < coefficient < 100, 4 decimals); the caller
    reprices (pricing.rules.set_grade_coefficient does). Raises GradeNotFound."""
    require(actor, Action.MANAGE_GRADES)
    grade = await repository.get_grade(session, grade_id)
    if grade is None:
        raise GradeNotFound(details={"grade_id": grade_id})
    previous, grade.price_coefficient = grade.price_coefficient, coefficient
    await session.flush()
    await record_audit(
        session,
        actor,
        "grade.coefficient",
        target_type="grade",
        target_id=grade.id,
        details={"from": str(previous), "to": str(coefficient)},
    )
    return grade


async def list_grades(session: AsyncSession) -> Sequence[CustomerGrade]:
    return await repository.list_grades(session)


async def tenants_per_grade(session: AsyncSession) -> dict[int, int]:
    """How many tenants each grade has (grades without tenants are absent)."""
    return await repository.tenants_per_grade(session)


async def create_tenant(session: AsyncSession, actor: Actor, data: TenantCreate) -> Tenant:
    """Register a business customer and open its (empty) balance account."""
    require(actor, Action.CREATE_TENANT)
    if await repository.get_grade(session, data.grade_id) is None:
        raise GradeNotFound(details={"grade_id": data.grade_id})
    tenant = Tenant(**data.model_dump(exclude={"contact_email"}))
    tenant.contact_email = str(data.contact_email or "")
    tenant.status = TenantStatus.ACTIVE.value
    try:
        await repository.add_and_flush(session, tenant)
    except IntegrityError:
        raise DuplicateTenantCode(details={"code": data.code}) from None
    await billing.open_balance_account(session, tenant.id)
    await record_audit(
        session,
        actor,
        "tenant.create",
        target_type="tenant",
        target_id=tenant.id,
        tenant_id=tenant.id,
        details={"code": tenant.code, "name": tenant.name},
    )
    return tenant


async def change_tenant_status(
    session: AsyncSession, actor: Actor, tenant_id: int, status: TenantStatus
) -> Tenant:
    require(actor, Action.CHANGE_TENANT_STATUS)
    tenant = await repository.lock_tenant(session, tenant_id)
    if tenant is None:
        raise TenantNotFound(details={"tenant_id": tenant_id})
    previous, tenant.status = tenant.status, status.value
    ended = 0
    if status is not TenantStatus.ACTIVE:
        ended = await sessions.revoke_tenant_sessions(session, tenant.id, now=datetime.now(UTC))
    await record_audit(
        session,
        actor,
        "tenant.status",
        target_type="tenant",
        target_id=tenant.id,
        tenant_id=tenant.id,
        details={"from": previous, "to": status.value, "sessions_ended": ended},
    )
    return tenant


async def list_tenants(
    session: AsyncSession, *, limit: int = 50, offset: int = 0
) -> tuple[Sequence[Tenant], int]:
    rows = await repository.list_tenants(session, limit=limit, offset=offset)
    return rows, await repository.count_tenants(session)


async def create_user(session: AsyncSession, actor: Actor, data: UserCreate) -> User:
    """Create a login. Platform roles have no tenant; tenant roles need an active tenant.

    A tenant admin may only create users of its own tenant.
    """
    _check_may_create_user(actor, data)
    if data.role in (Role.TENANT_ADMIN, Role.TENANT_USER):
        await _require_active_tenant(session, data.tenant_id)
    user = User(
        tenant_id=data.tenant_id,
        username=data.username,
        display_name=data.display_name,
        password_hash=await hash_password_async(data.password),
        role=data.role.value,
        status=UserStatus.ACTIVE.value,
    )
    try:
        await repository.add_and_flush(session, user)
    except IntegrityError:
        raise DuplicateUsername(details={"username": data.username}) from None
    await record_audit(
        session,
        actor,
        "user.create",
        target_type="user",
        target_id=user.id,
        tenant_id=user.tenant_id,
        details={"username": user.username, "role": user.role},
    )
    return user


def _check_may_create_user(actor: Actor, data: UserCreate) -> None:
    require(actor, Action.CREATE_USER)
    if data.role.is_platform != (data.tenant_id is None):
        raise RoleNotAllowed(details={"role": data.role.value, "tenant_id": data.tenant_id})
    if actor.role == Role.TENANT_ADMIN.value and (
        data.tenant_id != actor.tenant_id or data.role.is_platform
    ):
        raise RoleNotAllowed(details={"role": data.role.value, "tenant_id": data.tenant_id})


async def _require_active_tenant(session: AsyncSession, tenant_id: int | None) -> Tenant:
    tenant = await repository.get_tenant(session, tenant_id) if tenant_id else None
    if tenant is None:
        raise TenantNotFound(details={"tenant_id": tenant_id})
    if tenant.status != TenantStatus.ACTIVE.value:
        raise TenantNotActive(details={"tenant_id": tenant_id, "status": tenant.status})
    return tenant


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username, role=user.role, tenant_id=user.tenant_id)


async def get_tenant(session: AsyncSession, tenant_id: int) -> Tenant:
    tenant = await repository.get_tenant(session, tenant_id)
    if tenant is None:
        raise TenantNotFound(details={"tenant_id": tenant_id})
    return tenant


async def find_tenant_by_code(session: AsyncSession, code: str) -> Tenant:
    """The tenant with ``code``; ``tenant_not_found`` when there is none."""
    tenant = await repository.find_tenant_by_code(session, code)
    if tenant is None:
        raise TenantNotFound(details={"code": code})
    return tenant


async def find_user(session: AsyncSession, username: str) -> User | None:
    return await repository.find_user_by_username(session, username)


async def change_password(
    session: AsyncSession,
    actor: Actor,
    data: PasswordChange,
    *,
    keep_session: str | None = None,
) -> int:
    """A user changes their own password (knowing the current one). Every other session of
    the user ends; ``keep_session`` (the browser doing the change) stays signed in. Returns
    how many sessions ended.

    Not throttled by itself: pages and APIs call :func:`hive.customers.signin.change_password`,
    which counts the current password as a sign-in attempt around this call."""
    require(actor, Action.CHANGE_OWN_CREDENTIALS)
    user = await repository.get_user(session, actor.user_id) if actor.user_id else None
    if user is None:
        raise UserNotFound(details={"user_id": actor.user_id})
    if not await check_password(user.password_hash, data.current_password):
        raise WrongCurrentPassword()
    user.password_hash = await hash_password_async(data.new_password)
    ended = await sessions.revoke_user_sessions(
        session, user.id, now=datetime.now(UTC), keep=keep_session
    )
    await record_audit(
        session,
        actor,
        "user.password_change",
        target_type="user",
        target_id=user.id,
        details={"sessions_ended": ended},
    )
    return ended


async def change_user_status(
    session: AsyncSession, actor: Actor, user_id: int, status: UserStatus
) -> User:
    """Disable or re-enable a login (platform admin, or a tenant admin for its own tenant's
    users). Disabling ends every session of the user; the last active admin of the platform
    or of a tenant is never disabled (``last_admin``), nor one's own account (``own_account``)."""
    require(actor, Action.CHANGE_USER_STATUS)
    user = await repository.get_user(session, user_id)
    if user is None:
        raise UserNotFound(details={"user_id": user_id})
    if actor.role == Role.TENANT_ADMIN.value and user.tenant_id != actor.tenant_id:
        raise PermissionDenied(details={"user_id": user_id, "tenant_id": actor.tenant_id})
    await users.apply_status(session, actor, user, status)
    return user


async def get_user_by_username(session: AsyncSession, username: str) -> User:
    user = await repository.find_user_by_username(session, username)
    if user is None:
        raise UserNotFound(details={"username": username})
    return user
