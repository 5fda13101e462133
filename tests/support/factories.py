"""Small helpers that create domain rows through the real services."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from hive.customers import service as customers
from hive.customers.models import User
from hive.customers.schemas import GradeCreate, TenantCreate, UserCreate
from hive.platform.actor import Actor
from hive.platform.db import Database
from hive.platform.permissions import Role

ADMIN = Actor(user_id=None, username="test-admin", role=Role.PLATFORM_ADMIN.value)


async def make_grade(database: Database, name: str = "标准客户") -> int:
    async with database.platform_transaction() as session:
        data = GradeCreate(name=name, price_coefficient=Decimal("1.1"))
        return (await customers.create_grade(session, ADMIN, data)).id


async def make_tenant(database: Database, code: str, grade_id: int | None = None) -> int:
    grade_id = grade_id or await make_grade(database, name=f"grade-{code}")
    async with database.platform_transaction() as session:
        data = TenantCreate(code=code, name=f"企业 {code}", grade_id=grade_id)
        return (await customers.create_tenant(session, ADMIN, data)).id


async def make_user(
    database: Database,
    username: str,
    password: str = "correct-horse-1",
    role: Role = Role.TENANT_ADMIN,
    tenant_id: int | None = None,
) -> int:
    async with database.platform_transaction() as session:
        data = UserCreate(
            username=username,
            display_name=username,
            password=password,
            role=role,
            tenant_id=tenant_id,
        )
        return (await customers.create_user(session, ADMIN, data)).id


async def user_named(database: Database, username: str) -> User:
    """The user row of ``username`` (which must exist)."""
    async with database.platform_transaction() as session:
        user = await session.scalar(select(User).where(User.username == username))
        assert user is not None, username
        return user
