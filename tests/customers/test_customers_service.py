from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from hive.billing import service as billing
from hive.customers import service as customers
from hive.customers.models import TenantStatus
from hive.customers.schemas import GradeCreate, TenantCreate, UserCreate
from hive.platform.actor import Actor
from hive.platform.db import Database
from hive.platform.errors import HiveError
from hive.platform.permissions import Role
from tests.support.factories import ADMIN, make_grade, make_tenant

OPERATOR = Actor(user_id=None, username="op", role=Role.OPERATOR.value)


async def _audit_actions(database: Database) -> list[str]:
    async with database.platform_transaction() as session:
        rows = await session.execute(text("SELECT action FROM audit_log ORDER BY id"))
        return [row[0] for row in rows]


async def _error_code(database: Database, actor: Actor, data: object) -> str:
    with pytest.raises(HiveError) as raised:
        async with database.platform_transaction() as session:
            if isinstance(data, TenantCreate):
                await customers.create_tenant(session, actor, data)
            elif isinstance(data, UserCreate):
                await customers.create_user(session, actor, data)
            elif isinstance(data, GradeCreate):
                await customers.create_grade(session, actor, data)
    return raised.value.code


async def test_new_tenant_gets_an_empty_balance_account_and_audit_rows(database: Database) -> None:
    tenant_id = await make_tenant(database, "acme")
    async with database.tenant_transaction(tenant_id) as session:
        account = await billing.balance_account(session, tenant_id)
    assert account is not None
    assert (account.available_fen, account.frozen_fen, account.currency) == (0, 0, "CNY")
    assert await _audit_actions(database) == ["grade.create", "tenant.create"]


async def test_duplicate_codes_are_refused_with_stable_codes_and_nothing_written(
    database: Database,
) -> None:
    grade = await make_grade(database, "金牌")
    await make_tenant(database, "acme", grade)
    before = await _audit_actions(database)
    tenant = TenantCreate(code="acme", name="again", grade_id=grade)
    assert await _error_code(database, ADMIN, tenant) == "tenant_code_taken"
    grade_again = GradeCreate(name="金牌", price_coefficient=Decimal("1.2"))
    assert await _error_code(database, ADMIN, grade_again) == "grade_name_taken"
    assert await _error_code(database, ADMIN, TenantCreate(code="x1", name="n", grade_id=999)) == (
        "grade_not_found"
    )
    assert await _audit_actions(database) == before


async def test_roles_must_match_tenancy_and_permissions(database: Database) -> None:
    tenant = await make_tenant(database, "acme")
    other = await make_tenant(database, "globex")
    platform_user_in_tenant = UserCreate(
        username="bad1",
        display_name="x",
        password="long-enough-1",
        role=Role.OPERATOR,
        tenant_id=tenant,
    )
    tenant_user_without_tenant = UserCreate(
        username="bad2", display_name="x", password="long-enough-1", role=Role.TENANT_USER
    )
    assert await _error_code(database, ADMIN, platform_user_in_tenant) == "role_not_allowed"
    assert await _error_code(database, ADMIN, tenant_user_without_tenant) == "role_not_allowed"
    grade = GradeCreate(name="x", price_coefficient=Decimal("1"))
    assert await _error_code(database, OPERATOR, grade) == "permission_denied"

    tenant_admin = Actor(
        user_id=None, username="ta", role=Role.TENANT_ADMIN.value, tenant_id=tenant
    )
    into_other = UserCreate(
        username="sneaky",
        display_name="x",
        password="long-enough-1",
        role=Role.TENANT_USER,
        tenant_id=other,
    )
    assert await _error_code(database, tenant_admin, into_other) == "role_not_allowed"
    own = into_other.model_copy(update={"tenant_id": tenant, "username": "colleague"})
    async with database.platform_transaction() as session:
        user = await customers.create_user(session, tenant_admin, own)
    assert user.tenant_id == tenant


async def test_users_cannot_be_created_for_a_suspended_tenant(database: Database) -> None:
    tenant = await make_tenant(database, "acme")
    async with database.platform_transaction() as session:
        await customers.change_tenant_status(session, ADMIN, tenant, TenantStatus.SUSPENDED)
    data = UserCreate(
        username="late",
        display_name="x",
        password="long-enough-1",
        role=Role.TENANT_USER,
        tenant_id=tenant,
    )
    assert await _error_code(database, ADMIN, data) == "tenant_not_active"


@pytest.mark.parametrize(
    "payload",
    [
        {"code": "UPPER", "name": "n", "grade_id": 1},
        {"code": "ok-code", "name": "", "grade_id": 1},
        {"code": "ok-code", "name": "n", "grade_id": 0},
        {"code": "ok-code", "name": "n", "grade_id": 1, "contact_email": "not-an-email"},
        {"code": "ok-code", "name": "n", "grade_id": 1, "unexpected": True},
    ],
)
def test_tenant_input_is_validated(payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        TenantCreate.model_validate(payload)


def test_passwords_must_be_long_enough() -> None:
    with pytest.raises(ValidationError):
        UserCreate(username="abc", display_name="x", password="short", role=Role.TENANT_USER)
