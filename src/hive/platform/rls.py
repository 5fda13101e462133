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
    """Both roles draw ids from the sequences of Hive's tables; the tenant role not from the
    job tables' (it defers jobs only through procrastinate's defer function, see
    :func:`tenant_jobs_sql`)."""
    return [
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {PLATFORM_ROLE}",
        _each_object(
            "c.relkind = 'S' AND NOT starts_with(c.relname, 'procrastinate')",
            f"'GRANT USAGE, SELECT ON SEQUENCE ' || item.name || ' TO {TENANT_ROLE}'",
        ),
    ]


# procrastinate's one entry point for deferring jobs (its ``defer_jobs`` query).
JOB_DEFER_FUNCTION = "procrastinate_defer_jobs_v1(procrastinate_job_to_defer_v1[])"
_JOB_RELATIONS = "starts_with(c.relname, 'procrastinate') AND c.relkind IN ('r', 'p', 'v')"
_JOB_SEQUENCES = "starts_with(c.relname, 'procrastinate') AND c.relkind = 'S'"


def tenant_jobs_sql() -> list[str]:
    """The tenant role may defer jobs (in its own transaction) and do nothing else with them.

    It loses every privilege on procrastinate's tables, sequences and functions; the defer
    function runs with its owner's rights (SECURITY DEFINER, pinned search path), so deferring
    needs no right on the jobs table itself. Reading, changing or deleting any job — another
    tenant's included — is refused. The platform role keeps what it had.
    """
    return [
        _each_object(
            _JOB_RELATIONS, f"'REVOKE ALL ON TABLE ' || item.name || ' FROM {TENANT_ROLE}'"
        ),
        _each_object(
            _JOB_SEQUENCES, f"'REVOKE ALL ON SEQUENCE ' || item.name || ' FROM {TENANT_ROLE}'"
        ),
        _each_job_function(
            f"'REVOKE EXECUTE ON FUNCTION ' || item.name || ' FROM PUBLIC, {TENANT_ROLE}'",
            f"'GRANT EXECUTE ON FUNCTION ' || item.name || ' TO {PLATFORM_ROLE}'",
        ),
        f"ALTER FUNCTION {JOB_DEFER_FUNCTION} SECURITY DEFINER SET search_path = public, pg_temp",
        f"GRANT EXECUTE ON FUNCTION {JOB_DEFER_FUNCTION} TO {TENANT_ROLE}",
    ]


def tenant_jobs_undo_sql() -> list[str]:
    """What :func:`tenant_jobs_sql` took away, given back (the first migration's grants)."""
    return [
        f"ALTER FUNCTION {JOB_DEFER_FUNCTION} SECURITY INVOKER RESET search_path",
        _each_job_function(
            f"'GRANT EXECUTE ON FUNCTION ' || item.name || ' TO PUBLIC, {TENANT_ROLE}'"
        ),
        _each_object(
            _JOB_RELATIONS,
            f"'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE ' || item.name || ' TO {TENANT_ROLE}'",
        ),
        _each_object(
            _JOB_SEQUENCES,
            f"'GRANT USAGE, SELECT ON SEQUENCE ' || item.name || ' TO {TENANT_ROLE}'",
        ),
    ]


def _each_object(condition: str, *statements: str) -> str:
    """Run ``statements`` (SQL expressions over ``item.name``) for each matching relation of the
    public schema. No ``%`` anywhere: migrations pass this text through a pyformat driver."""
    run = " ".join(f"EXECUTE {statement};" for statement in statements)
    # Conditions and statements are constants of this module, not input.
    return (
        "DO $$ DECLARE item record; BEGIN FOR item IN "  # noqa: S608
        "SELECT c.oid::regclass::text AS name FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE n.nspname = 'public' AND {condition} LOOP {run} END LOOP; END $$"
    )


def _each_job_function(*statements: str) -> str:
    run = " ".join(f"EXECUTE {statement};" for statement in statements)
    return (
        "DO $$ DECLARE item record; BEGIN FOR item IN "  # noqa: S608
        "SELECT p.oid::regprocedure::text AS name FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' AND starts_with(p.proname, 'procrastinate') "
        f"LOOP {run} END LOOP; END $$"
    )
