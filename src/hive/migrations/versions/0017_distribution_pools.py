"""distribution pools and the one rule of what a tenant sees

* ``distribution_pools`` (kind default / category / exclusive), their categories and products,
  and ``distribution_assignments`` (a pool for a customer grade or for one tenant).
* ``tenant_pool_ids(tenant)`` — the active pools assigned to the tenant or to its grade — and
  ``tenant_visible_products(tenant)`` — the ids of the products it may see: every product when
  one of its pools is the default pool, the products under the categories (with their subtrees)
  of its category pools, and the products listed in its exclusive pools. Every read path
  (console, workbench, Open API, library) filters with the latter; both are plain SQL
  functions the planner inlines, so the tenant's pools are looked up once per statement.
* Row-level security: the tenant role reads only its own and its grade's assignments, only
  the pools those name, and only those pools' categories and products — so even a query of
  the tenant role that forgets the function cannot list another tenant's exclusive products.
  Only the platform role writes.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 09:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hive.platform.db import PLATFORM_ROLE, TENANT_ROLE
from hive.platform.rls import CURRENT_TENANT

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_POOL_IDS = """
CREATE FUNCTION tenant_pool_ids(p_tenant bigint) RETURNS TABLE (pool_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT dp.id FROM distribution_pools dp
     WHERE dp.active
       AND EXISTS (SELECT 1 FROM distribution_assignments a
                    WHERE a.pool_id = dp.id
                      AND (a.tenant_id = p_tenant
                           OR a.grade_id = (SELECT t.grade_id FROM tenants t
                                             WHERE t.id = p_tenant)))
$$
"""
# Categories have 3 levels: a product's category is under a pool's category when it is that
# category, its parent or its grandparent.
TENANT_VISIBLE_PRODUCTS = """
CREATE FUNCTION tenant_visible_products(p_tenant bigint) RETURNS TABLE (product_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p.id FROM products p
     WHERE EXISTS (SELECT 1 FROM distribution_pools dp
                    WHERE dp.kind = 'default'
                      AND dp.id IN (SELECT pool_id FROM tenant_pool_ids(p_tenant)))
        OR p.category_id = ANY (ARRAY(
             SELECT c.id FROM categories c
               LEFT JOIN categories parent ON parent.id = c.parent_id
              WHERE EXISTS (SELECT 1 FROM distribution_pool_categories pc
                             JOIN distribution_pools dp ON dp.id = pc.pool_id
                            WHERE dp.kind = 'category'
                              AND pc.pool_id IN (SELECT pool_id FROM tenant_pool_ids(p_tenant))
                              AND pc.category_id IN (c.id, c.parent_id, parent.parent_id))))
        OR p.id IN (SELECT pp.product_id FROM distribution_pool_products pp
                      JOIN distribution_pools dp ON dp.id = pp.pool_id
                     WHERE dp.kind = 'exclusive'
                       AND pp.pool_id IN (SELECT pool_id FROM tenant_pool_ids(p_tenant)))
$$
"""

OWN_ASSIGNMENTS = (
    f"tenant_id = {CURRENT_TENANT} OR grade_id IN "  # noqa: S608 (constants only)
    f"(SELECT t.grade_id FROM tenants t WHERE t.id = {CURRENT_TENANT})"
)
# Table → what the tenant role may read of it (policies of the platform role: everything).
TENANT_READS = {
    "distribution_assignments": OWN_ASSIGNMENTS,
    "distribution_pools": "id IN (SELECT a.pool_id FROM distribution_assignments a)",
    "distribution_pool_categories": "pool_id IN (SELECT dp.id FROM distribution_pools dp)",
    "distribution_pool_products": "pool_id IN (SELECT dp.id FROM distribution_pools dp)",
}


def _timestamp(name: str) -> sa.Column[object]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _pool_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["pool_id"],
        ["distribution_pools.id"],
        name=op.f(f"fk_{table}_pool_id_distribution_pools"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "distribution_pools",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(
            "kind IN ('default', 'category', 'exclusive')", name=op.f("ck_distribution_pools_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_distribution_pools")),
        sa.UniqueConstraint("name", name=op.f("uq_distribution_pools_name")),
    )
    op.create_index(
        "ix_distribution_pools_one_default",
        "distribution_pools",
        ["kind"],
        unique=True,
        postgresql_where=sa.text("kind = 'default'"),
    )
    _members()
    _assignments()
    op.execute(TENANT_POOL_IDS)
    op.execute(TENANT_VISIBLE_PRODUCTS)
    for table, tenant_reads in TENANT_READS.items():
        _secure(table, tenant_reads)


def _members() -> None:
    table = "distribution_pool_categories"
    op.create_table(
        table,
        sa.Column("pool_id", sa.BigInteger(), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f(f"fk_{table}_category_id_categories")
        ),
        _pool_fk(table),
        sa.PrimaryKeyConstraint("pool_id", "category_id", name=op.f(f"pk_{table}")),
    )
    table = "distribution_pool_products"
    op.create_table(
        table,
        sa.Column("pool_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        _timestamp("added_at"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f(f"fk_{table}_product_id_products")
        ),
        _pool_fk(table),
        sa.PrimaryKeyConstraint("pool_id", "product_id", name=op.f(f"pk_{table}")),
    )
    op.create_index(f"ix_{table}_product_id", table, ["product_id"])


def _assignments() -> None:
    table = "distribution_assignments"
    op.create_table(
        table,
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("pool_id", sa.BigInteger(), nullable=False),
        sa.Column("grade_id", sa.BigInteger(), nullable=True),
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        _timestamp("created_at"),
        sa.CheckConstraint(
            "(grade_id IS NULL) <> (tenant_id IS NULL)", name=op.f(f"ck_{table}_one_target")
        ),
        sa.ForeignKeyConstraint(
            ["grade_id"], ["customer_grades.id"], name=op.f(f"fk_{table}_grade_id_customer_grades")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
        ),
        _pool_fk(table),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("pool_id", "grade_id", name=op.f(f"uq_{table}_pool_id_grade_id")),
        sa.UniqueConstraint("pool_id", "tenant_id", name=op.f(f"uq_{table}_pool_id_tenant_id")),
    )
    op.create_index(f"ix_{table}_grade_id", table, ["grade_id"])
    op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])


def _secure(table: str, tenant_reads: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {table}_tenant_read ON {table} FOR SELECT TO {TENANT_ROLE} "
        f"USING ({tenant_reads})"
    )
    op.execute(
        f"CREATE POLICY {table}_platform_access ON {table} TO {PLATFORM_ROLE} "
        "USING (true) WITH CHECK (true)"
    )
    op.execute(f"REVOKE ALL ON {table} FROM {TENANT_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {PLATFORM_ROLE}")
    op.execute(f"GRANT SELECT ON {table} TO {TENANT_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {PLATFORM_ROLE}")


def downgrade() -> None:
    for table in TENANT_READS:
        op.execute(f"DROP POLICY {table}_tenant_read ON {table}")
    op.execute("DROP FUNCTION tenant_visible_products(bigint)")
    op.execute("DROP FUNCTION tenant_pool_ids(bigint)")
    op.drop_table("distribution_assignments")
    op.drop_table("distribution_pool_products")
    op.drop_table("distribution_pool_categories")
    op.drop_index("ix_distribution_pools_one_default", table_name="distribution_pools")
    op.drop_table("distribution_pools")
