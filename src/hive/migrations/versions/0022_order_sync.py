"""order sync: waybills, the reconciliation's last check, one sub-order per supplier order

``order_waybills``: the waybills of a shipped sub-order (carrier, number, when it shipped), a
tenant table under row-level security. ``sub_orders.checked_at``: when reconciliation last
read the sub-order from its supplier (oldest-checked first). A supplier's order id names one
sub-order only (``uq_sub_orders_supplier_id_upstream_order_id``): a split recorded twice
cannot duplicate its children.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hive.migrations.helpers import isolate_tenant_table

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sub_orders", sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "uq_sub_orders_supplier_id_upstream_order_id",
        "sub_orders",
        ["supplier_id", "upstream_order_id"],
        unique=True,
        postgresql_where=sa.text("upstream_order_id IS NOT NULL"),
    )
    op.create_table(
        "order_waybills",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("sub_order_id", sa.BigInteger(), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("waybill_no", sa.String(length=64), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_order_waybills_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["sub_order_id"],
            ["sub_orders.id"],
            name=op.f("fk_order_waybills_sub_order_id_sub_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_waybills")),
        sa.UniqueConstraint(
            "sub_order_id",
            "carrier",
            "waybill_no",
            name=op.f("uq_order_waybills_sub_order_id_carrier_waybill_no"),
        ),
    )
    isolate_tenant_table("order_waybills")


def downgrade() -> None:
    op.drop_table("order_waybills")
    op.drop_index("uq_sub_orders_supplier_id_upstream_order_id", table_name="sub_orders")
    op.drop_column("sub_orders", "checked_at")
