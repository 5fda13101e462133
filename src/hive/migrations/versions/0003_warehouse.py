"""self-run warehouse: stock, batches, reservations, movements, alerts, returns, outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:29:57.680198
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hive.platform import rls

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


PLATFORM_TABLES = [
    "warehouses",
    "warehouse_products",
    "warehouse_stock",
    "warehouse_batches",
    "warehouse_orders",
    "warehouse_order_lines",
    "warehouse_allocations",
    "warehouse_order_events",
    "warehouse_movements",
    "warehouse_low_stock_alerts",
    "warehouse_returns",
    "warehouse_outbox",
]


def upgrade() -> None:
    op.create_table(
        "warehouse_orders",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("province_id", sa.BigInteger(), nullable=False),
        sa.Column("recipient", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("freight_fen", sa.BigInteger(), nullable=False),
        sa.Column("reserved_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("waybill_no", sa.String(length=64), nullable=False),
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
            "status IN ('reserved', 'confirmed', 'shipped', 'delivered', 'completed', 'cancelled')",
            name=op.f("ck_warehouse_orders_status"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_warehouse_orders_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse_orders")),
        sa.UniqueConstraint(
            "supplier_id", "order_no", name=op.f("uq_warehouse_orders_supplier_id_order_no")
        ),
    )
    op.create_index(
        "ix_warehouse_orders_status_reserved_until",
        "warehouse_orders",
        ["status", "reserved_until"],
        unique=False,
    )
    op.create_table(
        "warehouse_outbox",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.BigInteger(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_warehouse_outbox_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse_outbox")),
    )
    op.create_index(
        "ix_warehouse_outbox_supplier_id_id",
        "warehouse_outbox",
        ["supplier_id", "id"],
        unique=False,
    )
    op.create_table(
        "warehouse_products",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("brand", sa.String(length=64), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("retail_fen", sa.BigInteger(), nullable=False),
        sa.Column("on_shelf", sa.Boolean(), nullable=False),
        sa.Column("image_url", sa.String(length=500), nullable=False),
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
            "unit_price_fen >= 0 AND retail_fen >= 0",
            name=op.f("ck_warehouse_products_prices_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_warehouse_products_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse_products")),
        sa.UniqueConstraint(
            "supplier_id", "sku", name=op.f("uq_warehouse_products_supplier_id_sku")
        ),
    )
    op.create_table(
        "warehouses",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("province_ids", postgresql.ARRAY(sa.BigInteger()), nullable=False),
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
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_warehouses_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouses")),
        sa.UniqueConstraint("supplier_id", "code", name=op.f("uq_warehouses_supplier_id_code")),
    )
    op.create_table(
        "warehouse_batches",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("warehouse_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("batch_no", sa.String(length=64), nullable=False),
        sa.Column("cost_fen", sa.BigInteger(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("quantity_received", sa.BigInteger(), nullable=False),
        sa.Column("quantity_remaining", sa.BigInteger(), nullable=False),
        sa.Column("quantity_reserved", sa.BigInteger(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("cost_fen >= 0", name=op.f("ck_warehouse_batches_cost_not_negative")),
        sa.CheckConstraint(
            "quantity_received > 0", name=op.f("ck_warehouse_batches_received_positive")
        ),
        sa.CheckConstraint(
            "quantity_remaining >= 0", name=op.f("ck_warehouse_batches_remaining_not_negative")
        ),
        sa.CheckConstraint(
            "quantity_reserved >= 0 AND quantity_reserved <= quantity_remaining",
            name=op.f("ck_warehouse_batches_reserved_within_remaining"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["warehouse_products.id"],
            name=op.f("fk_warehouse_batches_product_id_warehouse_products"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_warehouse_batches_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse_batches")),
        sa.UniqueConstraint(
            "warehouse_id",
            "product_id",
            "batch_no",
            name=op.f("uq_warehouse_batches_warehouse_id_product_id_batch_no"),
        ),
    )
    op.create_index(
        "ix_warehouse_batches_fefo",
        "warehouse_batches",
        ["warehouse_id", "product_id", "expires_on"],
        unique=False,
    )
    op.create_table(
        "warehouse_low_stock_alerts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("warehouse_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("threshold", sa.BigInteger(), nullable=False),
        sa.Column("available", sa.BigInteger(), nullable=False),
        sa.Column(
            "raised_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["warehouse_products.id"],
            name=op.f("fk_warehouse_low_stock_alerts_product_id_warehouse_products"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_warehouse_low_stock_alerts_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse_low_stock_alerts")),
    )
    op.create_index(
        "uq_warehouse_low_stock_alerts_open",
        "warehouse_low_stock_alerts",
        ["warehouse_id", "product_id"],
        unique=True,
        postgresql_where=sa.text("cleared_at IS NULL"),
    )
    op.create_table(
        "warehouse_order_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content", sa.String(length=200), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["warehouse_orders.id"],
            name=op.f("fk_warehouse_order_events_order_id_warehouse_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse_order_events")),
    )
    op.create_index(
        "ix_warehouse_order_events_order_id", "warehouse_order_events", ["order_id"], unique=False
    )
    op.create_table(
        "warehouse_order_lines",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_warehouse_order_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["warehouse_orders.id"],
            name=op.f("fk_warehouse_order_lines_order_id_warehouse_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["warehouse_products.id"],
            name=op.f("fk_warehouse_order_lines_product_id_warehouse_products"),
        ),
        sa.PrimaryKeyConstraint("order_id", "product_id", name=op.f("pk_warehouse_order_lines")),
    )
    op.create_table(
        "warehouse_returns",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("request_no", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("pickup", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
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
        sa.CheckConstraint("quantity > 0", name=op.f("ck_warehouse_returns_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["warehouse_orders.id"],
            name=op.f("fk_warehouse_returns_order_id_warehouse_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["warehouse_products.id"],
            name=op.f("fk_warehouse_returns_product_id_warehouse_products"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_warehouse_returns_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse_returns")),
        sa.UniqueConstraint(
            "supplier_id", "request_no", name=op.f("uq_warehouse_returns_supplier_id_request_no")
        ),
    )
    op.create_table(
        "warehouse_stock",
        sa.Column("warehouse_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("on_hand", sa.BigInteger(), nullable=False),
        sa.Column("reserved", sa.BigInteger(), nullable=False),
        sa.Column("low_stock_threshold", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "low_stock_threshold >= 0", name=op.f("ck_warehouse_stock_threshold_not_negative")
        ),
        sa.CheckConstraint("on_hand >= 0", name=op.f("ck_warehouse_stock_on_hand_not_negative")),
        sa.CheckConstraint(
            "reserved >= 0 AND reserved <= on_hand",
            name=op.f("ck_warehouse_stock_reserved_within_on_hand"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["warehouse_products.id"],
            name=op.f("fk_warehouse_stock_product_id_warehouse_products"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_warehouse_stock_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("warehouse_id", "product_id", name=op.f("pk_warehouse_stock")),
    )
    op.create_table(
        "warehouse_allocations",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("warehouse_id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("quantity_returned", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_warehouse_allocations_quantity_positive")),
        sa.CheckConstraint(
            "quantity_returned >= 0 AND quantity_returned <= quantity",
            name=op.f("ck_warehouse_allocations_returned_within"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["warehouse_batches.id"],
            name=op.f("fk_warehouse_allocations_batch_id_warehouse_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["warehouse_orders.id"],
            name=op.f("fk_warehouse_allocations_order_id_warehouse_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["warehouse_products.id"],
            name=op.f("fk_warehouse_allocations_product_id_warehouse_products"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_warehouse_allocations_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse_allocations")),
    )
    op.create_index(
        "ix_warehouse_allocations_order_id", "warehouse_allocations", ["order_id"], unique=False
    )
    op.create_table(
        "warehouse_movements",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("warehouse_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('receive', 'reserve', 'release', 'deduct', 'adjust', 'return')",
            name=op.f("ck_warehouse_movements_kind"),
        ),
        sa.CheckConstraint("quantity <> 0", name=op.f("ck_warehouse_movements_quantity_not_zero")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["warehouse_batches.id"],
            name=op.f("fk_warehouse_movements_batch_id_warehouse_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["warehouse_products.id"],
            name=op.f("fk_warehouse_movements_product_id_warehouse_products"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_warehouse_movements_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse_movements")),
    )
    op.create_index(
        "ix_warehouse_movements_order_no", "warehouse_movements", ["order_no"], unique=False
    )
    op.create_index(
        "ix_warehouse_movements_stock",
        "warehouse_movements",
        ["warehouse_id", "product_id", "occurred_at"],
        unique=False,
    )

    for table in PLATFORM_TABLES:
        for statement in rls.shared_table_sql(table, tenant_can_read=False):
            op.execute(statement)
    for statement in rls.sequences_sql():
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_warehouse_movements_stock", table_name="warehouse_movements")
    op.drop_index("ix_warehouse_movements_order_no", table_name="warehouse_movements")
    op.drop_table("warehouse_movements")
    op.drop_index("ix_warehouse_allocations_order_id", table_name="warehouse_allocations")
    op.drop_table("warehouse_allocations")
    op.drop_table("warehouse_stock")
    op.drop_table("warehouse_returns")
    op.drop_table("warehouse_order_lines")
    op.drop_index("ix_warehouse_order_events_order_id", table_name="warehouse_order_events")
    op.drop_table("warehouse_order_events")
    op.drop_index(
        "uq_warehouse_low_stock_alerts_open",
        table_name="warehouse_low_stock_alerts",
        postgresql_where=sa.text("cleared_at IS NULL"),
    )
    op.drop_table("warehouse_low_stock_alerts")
    op.drop_index("ix_warehouse_batches_fefo", table_name="warehouse_batches")
    op.drop_table("warehouse_batches")
    op.drop_table("warehouses")
    op.drop_table("warehouse_products")
    op.drop_index("ix_warehouse_outbox_supplier_id_id", table_name="warehouse_outbox")
    op.drop_table("warehouse_outbox")
    op.drop_index("ix_warehouse_orders_status_reserved_until", table_name="warehouse_orders")
    op.drop_table("warehouse_orders")
