"""orders: orders, sub-orders, items, events (the timeline)

Every table is a tenant table under row-level security. Statuses are CHECKed against the
state machine's enums (hive.orders.status); the receiver is stored encrypted
(``receiver_cipher``) beside masked copies for lists.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 09:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hive.orders.status import SOURCES, OrderStatus, Outcome, SubOrderStatus, check_sql
from hive.platform import rls

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("orders", "sub_orders", "order_items", "order_events")
TOTALS = "items_fen >= 0 AND freight_fen >= 0 AND total_fen = items_fen + freight_fen"


def _created() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _updated() -> sa.Column[object]:
    return sa.Column(
        "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _tenant(table: str) -> list[Any]:
    return [
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
        ),
    ]


def upgrade() -> None:
    _orders()
    _sub_orders()
    _items()
    _events()
    for table in TABLES:
        for statement in rls.tenant_table_sql(table):
            op.execute(statement)
    for statement in rls.sequences_sql():
        op.execute(statement)


def _orders() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), nullable=False),
        *_tenant("orders"),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("items_fen", sa.BigInteger(), nullable=False),
        sa.Column("freight_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("province_id", sa.BigInteger(), nullable=False),
        sa.Column("city_id", sa.BigInteger(), nullable=False),
        sa.Column("county_id", sa.BigInteger(), nullable=False),
        sa.Column("town_id", sa.BigInteger(), nullable=True),
        sa.Column("receiver_cipher", sa.LargeBinary(), nullable=False),
        sa.Column("receiver_name_masked", sa.String(length=64), nullable=False),
        sa.Column("receiver_mobile_masked", sa.String(length=32), nullable=False),
        sa.Column("remark", sa.String(length=200), nullable=False),
        sa.Column("invoice", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        _created(),
        _updated(),
        sa.CheckConstraint(check_sql("status", OrderStatus), name=op.f("ck_orders_status")),
        sa.CheckConstraint(TOTALS, name=op.f("ck_orders_totals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("tenant_id", "order_no", name=op.f("uq_orders_tenant_id_order_no")),
    )
    op.create_index("ix_orders_tenant_id_created_at", "orders", ["tenant_id", "created_at"])
    op.create_index("ix_orders_status_created_at", "orders", ["status", "created_at"])


def _sub_orders() -> None:
    op.create_table(
        "sub_orders",
        sa.Column("id", sa.BigInteger(), nullable=False),
        *_tenant("sub_orders"),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("sub_order_no", sa.String(length=32), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("items_fen", sa.BigInteger(), nullable=False),
        sa.Column("freight_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("upstream_order_id", sa.String(length=64), nullable=True),
        _created(),
        _updated(),
        sa.CheckConstraint(check_sql("status", SubOrderStatus), name=op.f("ck_sub_orders_status")),
        sa.CheckConstraint(TOTALS, name=op.f("ck_sub_orders_totals")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_sub_orders_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["sub_orders.id"], name=op.f("fk_sub_orders_parent_id_sub_orders")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_sub_orders_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sub_orders")),
        sa.UniqueConstraint("sub_order_no", name=op.f("uq_sub_orders_sub_order_no")),
    )
    op.create_index("ix_sub_orders_order_id", "sub_orders", ["order_id"])
    op.create_index("ix_sub_orders_status_updated_at", "sub_orders", ["status", "updated_at"])


def _items() -> None:
    op.create_table(
        "order_items",
        sa.Column("id", sa.BigInteger(), nullable=False),
        *_tenant("order_items"),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("sub_order_id", sa.BigInteger(), nullable=False),
        sa.Column("line_no", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_items_quantity_positive")),
        sa.CheckConstraint(
            "unit_price_fen >= 0 AND amount_fen = quantity * unit_price_fen",
            name=op.f("ck_order_items_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_items_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["sub_order_id"],
            ["sub_orders.id"],
            name=op.f("fk_order_items_sub_order_id_sub_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_order_items_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
        sa.UniqueConstraint("order_id", "line_no", name=op.f("uq_order_items_order_id_line_no")),
    )
    op.create_index("ix_order_items_sub_order_id", "order_items", ["sub_order_id"])
    op.create_index("ix_order_items_product_id", "order_items", ["product_id"])


def _events() -> None:
    op.create_table(
        "order_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        *_tenant("order_events"),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("sub_order_id", sa.BigInteger(), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=False),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _created(),
        sa.CheckConstraint(check_sql("outcome", Outcome), name=op.f("ck_order_events_outcome")),
        sa.CheckConstraint(
            f"source IN ({', '.join(repr(s) for s in SOURCES)})",
            name=op.f("ck_order_events_source"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_events_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["sub_order_id"],
            ["sub_orders.id"],
            name=op.f("fk_order_events_sub_order_id_sub_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
    )
    op.create_index("ix_order_events_order_id_id", "order_events", ["order_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_order_events_order_id_id", table_name="order_events")
    op.drop_table("order_events")
    op.drop_index("ix_order_items_product_id", table_name="order_items")
    op.drop_index("ix_order_items_sub_order_id", table_name="order_items")
    op.drop_table("order_items")
    op.drop_index("ix_sub_orders_status_updated_at", table_name="sub_orders")
    op.drop_index("ix_sub_orders_order_id", table_name="sub_orders")
    op.drop_table("sub_orders")
    op.drop_index("ix_orders_status_created_at", table_name="orders")
    op.drop_index("ix_orders_tenant_id_created_at", table_name="orders")
    op.drop_table("orders")
