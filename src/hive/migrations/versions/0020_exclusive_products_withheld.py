"""exclusive products are withheld from the default and category pools

A product listed in an exclusive pool is reserved for the tenants that pool is assigned to: a
tenant sees it only through one of its exclusive pools, never through the default pool or a
category pool, so one customer's exclusive (custom, contracted) products stay invisible to
every other customer.

``distribution_withheld_products`` lists those products (ids only: which tenants they are
reserved for stays behind the pools' row-level security). The tenant role reads it, because
``tenant_visible_products`` runs as the caller and must know that a product is withheld even
when the pool withholding it is another tenant's. The distribution service keeps it in step
with the exclusive pools' products.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 09:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hive.platform.db import PLATFORM_ROLE, TENANT_ROLE

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EXCLUSIVE = """p.id IN (SELECT pp.product_id FROM distribution_pool_products pp
                      JOIN distribution_pools dp ON dp.id = pp.pool_id
                     WHERE dp.kind = 'exclusive'
                       AND pp.pool_id IN (SELECT pool_id FROM tenant_pool_ids(p_tenant)))"""
_SHARED = """(EXISTS (SELECT 1 FROM distribution_pools dp
                    WHERE dp.kind = 'default'
                      AND dp.id IN (SELECT pool_id FROM tenant_pool_ids(p_tenant)))
        OR p.category_id = ANY (ARRAY(
             SELECT c.id FROM categories c
               LEFT JOIN categories parent ON parent.id = c.parent_id
              WHERE EXISTS (SELECT 1 FROM distribution_pool_categories pc
                             JOIN distribution_pools dp ON dp.id = pc.pool_id
                            WHERE dp.kind = 'category'
                              AND pc.pool_id IN (SELECT pool_id FROM tenant_pool_ids(p_tenant))
                              AND pc.category_id IN (c.id, c.parent_id, parent.parent_id)))))"""
_FUNCTION = """
CREATE OR REPLACE FUNCTION tenant_visible_products(p_tenant bigint)
RETURNS TABLE (product_id bigint) LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p.id FROM products p WHERE {condition}
$$
"""
# Fixed fragments of this module only, no input.
_WITHHELD = "p.id NOT IN (SELECT w.product_id FROM distribution_withheld_products w)"
WITHHOLDING = _FUNCTION.format(condition=f"{_EXCLUSIVE}\n OR ({_WITHHELD} AND {_SHARED})")
PREVIOUS = _FUNCTION.format(condition=f"{_SHARED}\n OR {_EXCLUSIVE}")


def upgrade() -> None:
    op.create_table(
        "distribution_withheld_products",
        sa.Column("product_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_distribution_withheld_products_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_distribution_withheld_products")),
    )
    op.execute(
        "INSERT INTO distribution_withheld_products (product_id) "
        "SELECT DISTINCT pp.product_id FROM distribution_pool_products pp "
        "JOIN distribution_pools dp ON dp.id = pp.pool_id WHERE dp.kind = 'exclusive'"
    )
    table = "distribution_withheld_products"
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {PLATFORM_ROLE}")
    op.execute(f"GRANT SELECT ON {table} TO {TENANT_ROLE}")
    op.execute(WITHHOLDING)


def downgrade() -> None:
    op.execute(PREVIOUS)
    op.drop_table("distribution_withheld_products")
