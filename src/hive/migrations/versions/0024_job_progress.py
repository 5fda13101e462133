"""job progress: one row per long action run as a job

``job_progress``: what a long console action (select every hit of a search into the pool …)
was asked to do, how far its job got (done of planned, a resume cursor), what it did (counts,
reasons) and whether a cancellation was asked. Platform table; tenants have no right on it.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hive.migrations.helpers import share_platform_table

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json(name: str) -> sa.Column[object]:
    return sa.Column(
        name, postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "job_progress",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
        _json("params"),
        sa.Column("planned", sa.Integer(), nullable=True),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        _json("counts"),
        _json("reasons"),
        _json("cursor"),
        sa.Column("cancel_requested", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("error", sa.String(length=255), server_default="", nullable=False),
        sa.Column("actor_user_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'finished', 'cancelled', 'failed')",
            name=op.f("ck_job_progress_status"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_job_progress_actor_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_progress")),
    )
    op.create_index(
        "ix_job_progress_kind_created_at", "job_progress", ["kind", "created_at"], unique=False
    )
    share_platform_table("job_progress", tenant_can_read=False)


def downgrade() -> None:
    op.drop_index("ix_job_progress_kind_created_at", table_name="job_progress")
    op.drop_table("job_progress")
