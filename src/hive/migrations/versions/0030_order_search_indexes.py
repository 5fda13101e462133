"""order search indexes: an order by its number and a sub-order by the supplier's order id,
across tenants (the operators' order search; the existing indexes lead with the tenant and the
supplier)

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-30 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_orders_order_no", "orders", ["order_no"], unique=False)
    op.create_index(
        "ix_sub_orders_upstream_order_id", "sub_orders", ["upstream_order_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_sub_orders_upstream_order_id", table_name="sub_orders")
    op.drop_index("ix_orders_order_no", table_name="orders")
