"""SQL that migrations use to put tables under row-level security and grant the two roles.

Policies compare against ``NULLIF(current_setting('hive.tenant_id', true), '')`` because a
connection that once ran ``SET LOCAL hive.tenant_id`` later reads the setting as ``''``, and a
plain cast would then raise instead of showing no rows.
"""

from __future__ import annotations

from hive.platform.db import PLATFORM_ROLE, TENANT_ROLE, TENANT_SETTING

CURRENT_TENANT = f"NULLIF(current_setting('{TENANT_SETTING}', true), '')::bigint"


def create_roles_sql() -> list[str]:
    """Create the two NOLOGIN roles once per cluster and let the migrating user switch to them."""
    statements = []
    for role in (PLATFORM_ROLE, TENANT_ROLE):
        statements.append(
            f"""DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                    CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
                END IF;
            END $$"""
        )
        statements.append(f"GRANT {role} TO CURRENT_USER")
    return statements


def tenant_table_sql(table: str, *, column: str = "tenant_id") -> list[str]:
    """Row-level security for a table whose rows belong to one tenant (named by ``column``).

    Platform role: every row. Tenant role: rows of the current tenant only, for reads and writes.
    Rows with a NULL tenant column (platform-owned) are invisible to tenants.
    """
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {table}_tenant_isolation ON {table} TO {TENANT_ROLE} "
        f"USING ({column} = {CURRENT_TENANT}) WITH CHECK ({column} = {CURRENT_TENANT})",
        f"CREATE POLICY {table}_platform_access ON {table} TO {PLATFORM_ROLE} "
        "USING (true) WITH CHECK (true)",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {PLATFORM_ROLE}, {TENANT_ROLE}",
    ]


def shared_table_sql(table: str, *, tenant_can_read: bool) -> list[str]:
    """Grants for a platform-owned table (reference data, configuration)."""
    statements = [f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {PLATFORM_ROLE}"]
    if tenant_can_read:
        statements.append(f"GRANT SELECT ON {table} TO {TENANT_ROLE}")
    return statements


def sequences_sql() -> list[str]:
    return [
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {PLATFORM_ROLE}, {TENANT_ROLE}"
    ]
