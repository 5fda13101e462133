"""catalog

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 13:47:52.123364
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hive.platform import rls

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TENANT_READABLE = ["categories", "areas", "products"]
PLATFORM_ONLY = [
    "supplier_categories",
    "product_changes",
    "selection_rules",
    "selection_records",
    "domain_events",
]


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "areas",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("level", sa.BigInteger(), nullable=False),
        sa.Column(
            "synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint("level BETWEEN 1 AND 4", name=op.f("ck_areas_level")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_areas")),
    )
    op.create_index("ix_areas_parent_id", "areas", ["parent_id"], unique=False)
    op.create_table(
        "categories",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("level", sa.BigInteger(), nullable=False),
        sa.Column("sort_order", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("level BETWEEN 1 AND 3", name=op.f("ck_categories_level")),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["categories.id"], name=op.f("fk_categories_parent_id_categories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("parent_id", "name", name=op.f("uq_categories_parent_id_name")),
    )
    op.create_table(
        "domain_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_events")),
    )
    op.create_index("ix_domain_events_type_id", "domain_events", ["type", "id"], unique=False)
    op.create_table(
        "products",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("brand", sa.String(length=128), nullable=False),
        sa.Column("supplier_category_id", sa.BigInteger(), nullable=True),
        sa.Column("category_id", sa.BigInteger(), nullable=True),
        sa.Column("image_url", sa.String(length=512), nullable=False),
        sa.Column("images", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("attributes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("purchase_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("retail_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("tax_rate_percent", sa.BigInteger(), nullable=True),
        sa.Column("good_rate", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("sales", sa.BigInteger(), nullable=False),
        sa.Column("on_shelf", sa.Boolean(), nullable=False),
        sa.Column("in_supplier_pool", sa.Boolean(), nullable=False),
        sa.Column("stock", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            server_default=sa.text("''::tsvector"),
            nullable=False,
        ),
        sa.Column("last_viewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ordered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "refreshed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("calibrated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('active', 'paused', 'removed')", name=op.f("ck_products_status")
        ),
        sa.CheckConstraint(
            "purchase_price_fen >= 0 AND retail_price_fen >= 0", name=op.f("ck_products_prices")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_products_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_products_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint(
            "supplier_id", "supplier_sku", name=op.f("uq_products_supplier_id_supplier_sku")
        ),
    )
    op.create_index("ix_products_brand", "products", ["brand"], unique=False)
    op.create_index("ix_products_calibrated_at", "products", ["calibrated_at"], unique=False)
    op.create_index("ix_products_category_id", "products", ["category_id"], unique=False)
    op.create_index("ix_products_last_viewed_at", "products", ["last_viewed_at"], unique=False)
    op.create_index(
        "ix_products_name_trgm",
        "products",
        ["name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index("ix_products_retail_price_fen", "products", ["retail_price_fen"], unique=False)
    op.create_index("ix_products_sales", "products", ["sales"], unique=False)
    op.create_index(
        "ix_products_search_vector",
        "products",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index("ix_products_status", "products", ["status"], unique=False)
    op.create_table(
        "selection_rules",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("conditions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("scheduled", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_selection_rules_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selection_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_selection_rules_name")),
    )
    op.create_table(
        "supplier_categories",
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("level", sa.BigInteger(), nullable=False),
        sa.Column("mapped_category_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint("level BETWEEN 1 AND 3", name=op.f("ck_supplier_categories_level")),
        sa.ForeignKeyConstraint(
            ["mapped_category_id"],
            ["categories.id"],
            name=op.f("fk_supplier_categories_mapped_category_id_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_categories_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("supplier_id", "category_id", name=op.f("pk_supplier_categories")),
    )
    op.create_table(
        "product_changes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint(
            "source IN ('selection', 'feed', 'refresh', 'calibration', 'operator')",
            name=op.f("ck_product_changes_source"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_changes_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_changes")),
    )
    op.create_index(
        "ix_product_changes_product_id_occurred_at",
        "product_changes",
        ["product_id", "occurred_at"],
        unique=False,
    )
    op.create_table(
        "selection_records",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_sku", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("actor_user_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("action IN ('add', 'remove')", name=op.f("ck_selection_records_action")),
        sa.CheckConstraint(
            "outcome IN ('added', 'removed', 'unchanged', 'failed')",
            name=op.f("ck_selection_records_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_selection_records_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_selection_records_product_id_products"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["selection_rules.id"],
            name=op.f("fk_selection_records_rule_id_selection_rules"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_selection_records_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selection_records")),
    )
    op.create_index(
        "ix_selection_records_occurred_at", "selection_records", ["occurred_at"], unique=False
    )
    op.create_index(
        "ix_selection_records_supplier_sku",
        "selection_records",
        ["supplier_id", "supplier_sku"],
        unique=False,
    )
    for table in TENANT_READABLE:
        for statement in rls.shared_table_sql(table, tenant_can_read=True):
            op.execute(statement)
    for table in PLATFORM_ONLY:
        for statement in rls.shared_table_sql(table, tenant_can_read=False):
            op.execute(statement)
    for statement in rls.sequences_sql():
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_selection_records_supplier_sku", table_name="selection_records")
    op.drop_index("ix_selection_records_occurred_at", table_name="selection_records")
    op.drop_table("selection_records")
    op.drop_index("ix_product_changes_product_id_occurred_at", table_name="product_changes")
    op.drop_table("product_changes")
    op.drop_table("supplier_categories")
    op.drop_table("selection_rules")
    op.drop_index("ix_products_status", table_name="products")
    op.drop_index("ix_products_search_vector", table_name="products", postgresql_using="gin")
    op.drop_index("ix_products_sales", table_name="products")
    op.drop_index("ix_products_retail_price_fen", table_name="products")
    op.drop_index(
        "ix_products_name_trgm",
        table_name="products",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.drop_index("ix_products_last_viewed_at", table_name="products")
    op.drop_index("ix_products_category_id", table_name="products")
    op.drop_index("ix_products_calibrated_at", table_name="products")
    op.drop_index("ix_products_brand", table_name="products")
    op.drop_table("products")
    op.drop_index("ix_domain_events_type_id", table_name="domain_events")
    op.drop_table("domain_events")
    op.drop_table("categories")
    op.drop_index("ix_areas_parent_id", table_name="areas")
    op.drop_table("areas")
