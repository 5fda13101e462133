"""supplier access states: how each kind of work with a supplier last went

``supplier_access_states`` holds, per supplier and activity (``refresh``, ``calibration``), the
last outcome code (``ok`` or the error that stopped the work, such as
``supplier_credentials_refused``), the supplier's reason and when it began. Workers change a
row only when the code changes, so the change is logged once across every process, and the
suppliers page shows it. Platform-owned; tenants have no access.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 09:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hive.migrations.helpers import share_platform_table

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supplier_access_states",
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("activity", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_access_states_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("supplier_id", "activity", name=op.f("pk_supplier_access_states")),
    )
    share_platform_table("supplier_access_states", tenant_can_read=False)


def downgrade() -> None:
    op.drop_table("supplier_access_states")
