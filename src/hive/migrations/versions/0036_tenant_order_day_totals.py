"""tenant order day totals: each tenant's orders and their totals per closed Beijing day

The workbench dashboard's month (orders, spend) reads the month's closed days from here and
counts only the days not yet closed from the orders. Rows are written by the dashboard itself,
the first time it needs a closed day of a tenant (as ``order_day_totals``, migration 0033):
an order's creation day and total never change. What does change, the sub-orders cancelled or
failed since, is counted each time through a partial index of those sub-orders per tenant.
Row-level security: a tenant reads and writes its own rows only.

Revision ID: 0036
Revises: 0035
Create Date: 2026-11-30 19:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hive.migrations.helpers import isolate_tenant_table

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_order_day_totals",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tenant_order_day_totals_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "day", name=op.f("pk_tenant_order_day_totals")),
    )
    isolate_tenant_table("tenant_order_day_totals")
    op.create_index(
        "ix_sub_orders_tenant_released",
        "sub_orders",
        ["tenant_id"],
        postgresql_where=sa.text("status IN ('failed', 'cancelled')"),
    )


def downgrade() -> None:
    op.drop_index("ix_sub_orders_tenant_released", table_name="sub_orders")
    op.drop_table("tenant_order_day_totals")
