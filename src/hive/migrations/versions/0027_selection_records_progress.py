"""selection records name the bulk action that wrote them

``selection_records.progress_id``: the ``job_progress`` row of the "select every hit" action
whose job wrote the record (NULL for a selection by hand or by rule), so the action's result
can be listed and downloaded SKU by SKU.

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 12:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("selection_records", sa.Column("progress_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_selection_records_progress_id_job_progress"),
        "selection_records",
        "job_progress",
        ["progress_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_selection_records_progress_id"), "selection_records", ["progress_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_selection_records_progress_id"), table_name="selection_records")
    op.drop_constraint(
        op.f("fk_selection_records_progress_id_job_progress"),
        "selection_records",
        type_="foreignkey",
    )
    op.drop_column("selection_records", "progress_id")
