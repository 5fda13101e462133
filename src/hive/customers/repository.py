"""All SQL of the customers domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hive.customers.models import CustomerGrade, Tenant, User


async def add_and_flush(session: AsyncSession, row: CustomerGrade | Tenant | User) -> None:
    """Insert ``row``; a unique-constraint violation surfaces as ``IntegrityError``.

    The insert runs inside a savepoint so a refused row leaves the caller's transaction usable.
    """
    async with session.begin_nested():
        session.add(row)
        await session.flush()


def violated_constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


def violated_table(exc: IntegrityError) -> str:
    """The table of the row that refused the change (for a foreign key: the referencing one)."""
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "table_name", None) or ""


async def delete_and_flush(session: AsyncSession, row: CustomerGrade) -> None:
    """Delete ``row`` in a savepoint: a row still referenced raises ``IntegrityError`` and
    leaves the caller's transaction usable."""
    async with session.begin_nested():
        await session.delete(row)
        await session.flush()


async def lock_grade(session: AsyncSession, grade_id: int) -> CustomerGrade | None:
    query = select(CustomerGrade).where(CustomerGrade.id == grade_id).with_for_update()
    return await session.scalar(query)


async def count_tenants_of_grade(session: AsyncSession, grade_id: int) -> int:
    query = select(func.count()).select_from(Tenant).where(Tenant.grade_id == grade_id)
    return int(await session.scalar(query) or 0)


async def tenants_per_grade(session: AsyncSession) -> dict[int, int]:
    query = select(Tenant.grade_id, func.count()).group_by(Tenant.grade_id)
    return {int(grade_id): int(n) for grade_id, n in (await session.execute(query)).all()}


async def get_grade(session: AsyncSession, grade_id: int) -> CustomerGrade | None:
    return await session.get(CustomerGrade, grade_id)


async def list_grades(session: AsyncSession) -> Sequence[CustomerGrade]:
    result = await session.scalars(select(CustomerGrade).order_by(CustomerGrade.id))
    return result.all()


async def get_tenant(session: AsyncSession, tenant_id: int) -> Tenant | None:
    return await session.get(Tenant, tenant_id)


async def lock_tenant(session: AsyncSession, tenant_id: int) -> Tenant | None:
    return await session.scalar(select(Tenant).where(Tenant.id == tenant_id).with_for_update())


async def list_tenants(session: AsyncSession, *, limit: int, offset: int) -> Sequence[Tenant]:
    query = select(Tenant).order_by(Tenant.id).limit(limit).offset(offset)
    return (await session.scalars(query)).all()


async def count_tenants(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Tenant)) or 0)


async def find_user_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def list_users(session: AsyncSession, *, tenant_id: int | None = None) -> Sequence[User]:
    query = select(User).order_by(User.id)
    if tenant_id is not None:
        query = query.where(User.tenant_id == tenant_id)
    return (await session.scalars(query)).all()


def _of_scope(query: Select[Any], tenant_id: int | None) -> Select[Any]:
    if tenant_id is None:
        return query.where(User.tenant_id.is_(None))
    return query.where(User.tenant_id == tenant_id)


async def list_users_of_scope(
    session: AsyncSession, tenant_id: int | None, *, limit: int, offset: int
) -> Sequence[User]:
    """One page of the staff's (``tenant_id`` None) or one tenant's users, by id."""
    query = _of_scope(select(User), tenant_id).order_by(User.id).limit(limit).offset(offset)
    rows: Sequence[User] = (await session.scalars(query)).all()
    return rows


async def count_users_of_scope(session: AsyncSession, tenant_id: int | None) -> int:
    query = _of_scope(select(User), tenant_id).subquery()
    return int(await session.scalar(select(func.count()).select_from(query)) or 0)


async def lock_active_users(
    session: AsyncSession, tenant_id: int | None, role: str
) -> Sequence[User]:
    """The scope's active users of ``role``, locked in id order (callers that all lock this
    way never wait on each other crosswise)."""
    query = (
        _of_scope(select(User), tenant_id)
        .where(User.role == role, User.status == "active")
        .order_by(User.id)
        .with_for_update()
    )
    rows: Sequence[User] = (await session.scalars(query)).all()
    return rows


async def touch_last_login(session: AsyncSession, user_id: int, when: datetime) -> None:
    await session.execute(update(User).where(User.id == user_id).values(last_login_at=when))


async def find_tenant_by_code(session: AsyncSession, code: str) -> Tenant | None:
    return await session.scalar(select(Tenant).where(Tenant.code == code))
