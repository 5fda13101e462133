"""tenant pool columns: tenants read products without purchase price or supplier identity

Until now ``hive_tenant`` could read every column of ``products``. The tenant workbench
searches the pool as ``hive_tenant``, so PostgreSQL itself keeps our purchase price (and with
it the margin) and the upstream identity from tenants: the table-level grant becomes a
column-level one that leaves them out. A query of the tenant role that names a hidden column
fails with "permission denied for table products".

A column added to ``products`` later is hidden from tenants until a migration grants it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from hive.platform.db import TENANT_ROLE

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What tenants may not read: what we pay (the margin follows from it), who we buy from — the
# supplier, its SKU and its own category id — and when products were last viewed or ordered
# (other tenants' activity).
TENANT_HIDDEN_COLUMNS = (
    "purchase_price_fen",
    "supplier_id",
    "supplier_sku",
    "supplier_category_id",
    "last_viewed_at",
    "last_ordered_at",
)
# Every other column of ``products`` as of this revision (0004, 0005), listed explicitly.
TENANT_VISIBLE_COLUMNS = (
    "id",
    "name",
    "brand",
    "category_id",
    "image_url",
    "images",
    "attributes",
    "retail_price_fen",
    "tax_rate_percent",
    "good_rate",
    "sales",
    "on_shelf",
    "in_supplier_pool",
    "stock",
    "status",
    "search_vector",
    "orderable_province_ids",
    "refreshed_at",
    "calibrated_at",
    "created_at",
    "updated_at",
)


# Fixed names only (no input), hence the S608 waiver. Revoking the table privilege also
# revokes any column privileges on the table, so each direction starts from none.
REVOKE_ALL = f"REVOKE SELECT ON products FROM {TENANT_ROLE}"  # noqa: S608


def upgrade() -> None:
    op.execute(REVOKE_ALL)
    columns = ", ".join(TENANT_VISIBLE_COLUMNS)
    op.execute(f"GRANT SELECT ({columns}) ON products TO {TENANT_ROLE}")


def downgrade() -> None:
    op.execute(REVOKE_ALL)
    op.execute(f"GRANT SELECT ON products TO {TENANT_ROLE}")
