"""order day totals: every tenant's orders and GMV per closed Beijing day

The admin dashboard's 30-day chart reads past days from here (a past day's orders and their
totals never change) and scans only the days not yet closed, so it stays one small read however
many orders the 30 days hold. Rows are written by the dashboard itself, the first time it needs
a closed day. Platform-only: tenants neither read nor write it.

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-30 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hive.migrations.helpers import share_platform_table

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_day_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("gmv_fen", sa.BigInteger(), nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_order_day_totals")),
    )
    share_platform_table("order_day_totals", tenant_can_read=False)


def downgrade() -> None:
    op.drop_table("order_day_totals")
