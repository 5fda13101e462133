"""pool search speed: orderable provinces as a generated column, covering indexes

The search filters, samples and sorts large match sets from three covering indexes with
index-only scans, so the in-stock filter, category, price, brand and status never read the
table (see docs/pool-search.md). ``orderable_province_ids`` is GENERATED from ``stock`` by
PostgreSQL, so every writer of ``stock`` keeps it right without knowing of it.

The covering indexes replace the single-column indexes on category, brand and sales, which
they lead with. ``ix_products_last_ordered_at`` serves the active refresh.

Adding the stored column rewrites ``products`` under an exclusive lock (about a minute per
million rows on the development machine).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The province ids (integer keys of ``stock``) whose state can be ordered — the states of
# ``StockState.can_order`` (a test keeps the two lists equal). Keys that are not integers and a
# ``stock`` that is not an object count as no province, so no write can fail on them.
ORDERABLE_PROVINCES_FUNCTION = """
CREATE FUNCTION products_orderable_province_ids(stock jsonb) RETURNS integer[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN jsonb_typeof(stock) = 'object' THEN ARRAY(
    SELECT CAST(e.key AS integer) FROM jsonb_each(stock) AS e
     WHERE e.key ~ '^[0-9]{1,9}$'
       AND e.value ->> 'state' IN ('in_stock', 'in_transit', 'allocatable')
     ORDER BY 1) ELSE CAST('{}' AS integer[]) END
"""
BROWSE_COLUMNS = ["status", "brand", "on_shelf", "orderable_province_ids"]


def upgrade() -> None:
    op.execute(ORDERABLE_PROVINCES_FUNCTION)
    op.add_column(
        "products",
        sa.Column(
            "orderable_province_ids",
            postgresql.ARRAY(sa.Integer()),
            sa.Computed("products_orderable_province_ids(stock)", persisted=True),
            nullable=True,
        ),
    )
    # The category index is replaced by the covering one that leads with category_id: beside
    # it, the planner AND-ed a whole top category's bitmap with a wide price range's (60 ms).
    op.drop_index("ix_products_category_id", table_name="products")
    op.create_index(
        "ix_products_category_price",
        "products",
        ["category_id", "retail_price_fen"],
        unique=False,
        postgresql_include=["id", "sales", *BROWSE_COLUMNS],
    )
    # And the sales index, which ix_products_sales_browse leads with.
    op.drop_index("ix_products_sales", table_name="products")
    op.create_index(
        "ix_products_sales_browse",
        "products",
        ["sales", "id"],
        unique=False,
        postgresql_include=["category_id", "retail_price_fen", *BROWSE_COLUMNS],
    )
    # Same for brand: the covering one also pages a brand's matches in sales order.
    op.drop_index("ix_products_brand", table_name="products")
    op.create_index(
        "ix_products_brand_sales",
        "products",
        ["brand", "sales", "id"],
        unique=False,
        postgresql_include=[
            "category_id",
            "retail_price_fen",
            "status",
            "on_shelf",
            "orderable_province_ids",
        ],
    )
    op.create_index("ix_products_last_ordered_at", "products", ["last_ordered_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_products_last_ordered_at", table_name="products")
    op.drop_index("ix_products_brand_sales", table_name="products")
    op.create_index("ix_products_brand", "products", ["brand"], unique=False)
    op.drop_index("ix_products_sales_browse", table_name="products")
    op.create_index("ix_products_sales", "products", ["sales"], unique=False)
    op.drop_index("ix_products_category_price", table_name="products")
    op.create_index("ix_products_category_id", "products", ["category_id"], unique=False)
    op.drop_column("products", "orderable_province_ids")
    op.execute("DROP FUNCTION products_orderable_province_ids(jsonb)")
