"""Row-level security: a tenant-scoped transaction can neither read nor write another tenant's
rows, even with queries that forget the tenant filter. Runs on the embedded PostgreSQL and on
an external PostgreSQL (HIVE_EXTERNAL_DATABASE_URL, the local server in CI)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from hive.platform.db import TENANT_ROLE, Database
from tests.support.factories import make_tenant, make_user

TENANT_TABLES = ["tenants", "users", "accounts", "audit_log"]


@pytest.fixture(params=["embedded", pytest.param("external", marks=pytest.mark.external_pg)])
def any_database(request: pytest.FixtureRequest) -> Database:
    name = "database" if request.param == "embedded" else "external_database"
    database: Database = request.getfixturevalue(name)
    return database


@pytest.fixture
async def two_tenants(any_database: Database) -> tuple[Database, int, int]:
    first = await make_tenant(any_database, "alpha")
    second = await make_tenant(any_database, "beta")
    await make_user(any_database, "alpha-admin", tenant_id=first)
    await make_user(any_database, "beta-admin", tenant_id=second)
    return any_database, first, second


@pytest.mark.parametrize("table", TENANT_TABLES)
async def test_unfiltered_select_sees_only_own_tenant_rows(
    two_tenants: tuple[Database, int, int], table: str
) -> None:
    database, first, second = two_tenants
    column = "id" if table == "tenants" else "tenant_id"
    async with database.tenant_transaction(first) as session:
        owners = set((await session.execute(text(f"SELECT {column} FROM {table}"))).scalars())
    assert owners == {first}
    async with database.platform_transaction() as session:
        all_owners = set((await session.execute(text(f"SELECT {column} FROM {table}"))).scalars())
    assert {first, second} <= all_owners


async def test_tenant_cannot_update_or_delete_another_tenants_rows(
    two_tenants: tuple[Database, int, int],
) -> None:
    database, first, second = two_tenants
    async with database.tenant_transaction(first) as session:
        updated = await session.execute(
            text("UPDATE tenants SET name = 'hijacked' WHERE id = :id"), {"id": second}
        )
        deleted = await session.execute(
            text("DELETE FROM audit_log WHERE tenant_id = :id"), {"id": second}
        )
        assert updated.rowcount == 0  # type: ignore[attr-defined]
        assert deleted.rowcount == 0  # type: ignore[attr-defined]
    async with database.platform_transaction() as session:
        name = await session.scalar(text("SELECT name FROM tenants WHERE id = :id"), {"id": second})
        audit = await session.scalar(
            text("SELECT count(*) FROM audit_log WHERE tenant_id = :id"), {"id": second}
        )
    assert name == "企业 beta"
    assert audit and audit > 0


async def test_tenant_cannot_insert_rows_for_another_tenant(
    two_tenants: tuple[Database, int, int],
) -> None:
    database, first, second = two_tenants
    with pytest.raises(ProgrammingError, match="row-level security"):
        async with database.tenant_transaction(first) as session:
            await session.execute(
                text(
                    "INSERT INTO audit_log (tenant_id, actor_name, action, target_type, "
                    "target_id, details, request_id) "
                    "VALUES (:tenant, 'x', 'forged', 't', '1', '{}', '')"
                ),
                {"tenant": second},
            )


async def test_tenant_cannot_move_its_row_to_another_tenant(
    two_tenants: tuple[Database, int, int],
) -> None:
    database, first, second = two_tenants
    with pytest.raises(ProgrammingError, match="row-level security"):
        async with database.tenant_transaction(first) as session:
            await session.execute(
                text("UPDATE users SET tenant_id = :other WHERE tenant_id = :own"),
                {"other": second, "own": first},
            )


async def test_tenant_role_sees_nothing_without_a_tenant_and_does_not_error_after_reuse(
    two_tenants: tuple[Database, int, int],
) -> None:
    database, first, _ = two_tenants
    # Same pooled connection: after a SET LOCAL transaction the setting reads '' (not NULL).
    async with database.engine.connect() as conn:
        async with conn.begin():
            await conn.execute(text(f"SET LOCAL ROLE {TENANT_ROLE}"))
            await conn.execute(
                text("SELECT set_config('hive.tenant_id', :v, true)"), {"v": str(first)}
            )
            assert await conn.scalar(text("SELECT count(*) FROM tenants")) == 1
        async with conn.begin():
            assert await conn.scalar(text("SELECT current_setting('hive.tenant_id', true)")) == ""
            await conn.execute(text(f"SET LOCAL ROLE {TENANT_ROLE}"))
            assert await conn.scalar(text("SELECT count(*) FROM tenants")) == 0


async def test_tenant_role_has_no_bypass_and_owns_nothing(any_database: Database) -> None:
    async with any_database.platform_transaction() as session:
        row = (
            await session.execute(
                text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"),
                {"r": TENANT_ROLE},
            )
        ).one()
        owned = await session.scalar(
            text(
                "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                "WHERE r.rolname = :r"
            ),
            {"r": TENANT_ROLE},
        )
        forced = (
            await session.execute(
                text(
                    "SELECT relname FROM pg_class WHERE relname = ANY(:tables) "
                    "AND relrowsecurity AND relforcerowsecurity"
                ),
                {"tables": TENANT_TABLES},
            )
        ).scalars()
    assert tuple(row) == (False, False)
    assert owned == 0
    assert set(forced) == set(TENANT_TABLES)


def test_tenant_transaction_refuses_a_malformed_tenant_id(database: Database) -> None:
    for bad in (0, -1, True, "1"):
        with pytest.raises(ValueError, match="tenant_id"):
            database.tenant_transaction(bad)  # type: ignore[arg-type]


async def test_a_tenant_reads_its_own_grade_only(
    two_tenants: tuple[Database, int, int],
) -> None:
    database, first, second = two_tenants
    query = text("SELECT g.id FROM customer_grades g")
    own = text("SELECT grade_id FROM tenants WHERE id = :id")
    async with database.platform_transaction() as session:
        every = set((await session.execute(query)).scalars())
        first_grade = (await session.execute(own, {"id": first})).scalar_one()
        second_grade = (await session.execute(own, {"id": second})).scalar_one()
    async with database.tenant_transaction(first) as session:
        seen = set((await session.execute(query)).scalars())
    assert {first_grade, second_grade} <= every
    assert seen == {first_grade}  # not the other tenant's grade and coefficient


async def test_a_tenant_transaction_is_the_tenant_role_for_its_tenant(
    two_tenants: tuple[Database, int, int],
) -> None:
    """The role and the tenant are set in one statement (``set_config('role', …)``)."""
    database, first, second = two_tenants
    who = text("SELECT current_user, current_setting('hive.tenant_id', true)")
    async with database.tenant_transaction(first) as session:
        assert tuple((await session.execute(who)).one()) == (TENANT_ROLE, str(first))
        assert set((await session.execute(text("SELECT id FROM tenants"))).scalars()) == {first}
    async with database.platform_transaction() as session:
        assert (await session.scalar(text("SELECT current_user"))) == "hive_platform"
        assert {first, second} <= set(
            (await session.execute(text("SELECT id FROM tenants"))).scalars()
        )
