"""What a migration calls to put a new table under the platform's access rules.

A tenant-owned table (every row carries the tenant that owns it)::

    from hive.migrations.helpers import isolate_tenant_table

    def upgrade() -> None:
        op.create_table("orders", sa.Column("tenant_id", sa.BigInteger(), nullable=False), ...)
        isolate_tenant_table("orders")

A platform-owned table (configuration, reference data, supplier-side state)::

    share_platform_table("settlement_runs", tenant_can_read=False)

The SQL comes from :mod:`hive.platform.rls` (the same statements migrations 0001 and 0009 run
one by one); these helpers run it through Alembic's ``op`` so a new migration cannot forget a
statement. ``tests/platform/test_rls_helpers.py`` proves the result on a scratch table.
"""

from __future__ import annotations

from alembic import op

from hive.platform import rls


def isolate_tenant_table(table: str, *, column: str = "tenant_id") -> None:
    """Row-level security for ``table``, whose rows belong to the tenant in ``column``.

    The tenant role reads and writes only rows of ``hive.tenant_id`` (and can insert no row
    for another tenant); rows with a NULL ``column`` are the platform's and invisible to it.
    The platform role sees every row. Both roles get the table's privileges and its id
    sequence's (every sequence of Hive's tables, as :func:`rls.sequences_sql` grants them).
    """
    _execute(rls.tenant_table_sql(table, column=column))
    _execute(rls.sequences_sql())


def share_platform_table(table: str, *, tenant_can_read: bool) -> None:
    """Privileges for a platform-owned table: the platform role reads and writes it; the
    tenant role may read it when ``tenant_can_read`` and otherwise not touch it at all."""
    _execute(rls.shared_table_sql(table, tenant_can_read=tenant_can_read))
    _execute(rls.sequences_sql())


def drop_tenant_isolation(table: str) -> None:
    """Undo :func:`isolate_tenant_table` on a table that stays (a downgrade that keeps it).
    A downgrade that drops the table needs nothing: its policies go with it."""
    _execute(
        [
            f"DROP POLICY IF EXISTS {table}_platform_access ON {table}",
            f"DROP POLICY IF EXISTS {table}_tenant_isolation ON {table}",
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
        ]
    )


def _execute(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)
