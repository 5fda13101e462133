"""dashboard indexes: orders by creation time across tenants and by tenant and status, dead
webhook deliveries by when they died

The admin dashboard reads today's orders and the last 30 days' per day across tenants (a range
on ``orders.created_at``, which the existing indexes lead with the tenant or the status); the
workbench counts a tenant's unfinished orders by status; both list endpoints whose deliveries
died in the last 24 hours (a partial index: only dead deliveries carry ``dead_at``).

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-30 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_orders_created_at", "orders", ["created_at"], postgresql_include=["total_fen"]
    )
    op.create_index("ix_orders_tenant_id_status", "orders", ["tenant_id", "status"])
    op.create_index(
        "ix_webhook_deliveries_dead_at",
        "webhook_deliveries",
        ["dead_at"],
        postgresql_where=sa.text("status = 'dead'"),
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_dead_at", table_name="webhook_deliveries")
    op.drop_index("ix_orders_tenant_id_status", table_name="orders")
    op.drop_index("ix_orders_created_at", table_name="orders")
