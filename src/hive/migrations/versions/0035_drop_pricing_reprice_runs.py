"""job_progress is the one record of full reprices: pricing_reprice_runs dropped

Every full reprice has had a ``job_progress`` row (kind ``pricing.reprice_all``) beside its
``pricing_reprice_runs`` row since migration 0024; the job now writes only the progress row and
the pricing page lists its latest runs from there. Runs older than their progress rows are
copied over first, so the page keeps showing them: reason, state, products done of planned and
``counts.changed`` (for those old runs: the prices that changed, what the table counted).

The downgrade creates the table again and fills it from the progress rows (a cancelled run
becomes ``failed``, the states the table knew).

Revision ID: 0035
Revises: 0034
Create Date: 2026-11-30 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hive.migrations.helpers import share_platform_table

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
        INSERT INTO job_progress (kind, status, params, planned, done, counts, actor_name,
                                  actor_role, created_at, started_at, finished_at)
        SELECT 'pricing.reprice_all', r.status,
               jsonb_build_object('reason', r.reason, 'run_id', r.id),
               r.total, r.done, jsonb_build_object('changed', r.changed), 'system', 'system',
               r.started_at, r.started_at, r.finished_at
        FROM pricing_reprice_runs AS r
        WHERE NOT EXISTS (
            SELECT 1 FROM job_progress AS p
            WHERE p.kind = 'pricing.reprice_all' AND p.params ->> 'run_id' = r.id::text
        )
        ORDER BY r.id
    """)
    op.drop_table("pricing_reprice_runs")


def downgrade() -> None:
    op.create_table(
        "pricing_reprice_runs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("total", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("done", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("changed", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'finished', 'failed')",
            name=op.f("ck_pricing_reprice_runs_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pricing_reprice_runs")),
    )
    op.execute("""
        INSERT INTO pricing_reprice_runs (reason, status, total, done, changed, started_at,
                                          finished_at)
        SELECT left(coalesce(params ->> 'reason', ''), 64),
               CASE WHEN status = 'cancelled' THEN 'failed' ELSE status END,
               coalesce(planned, 0), done, coalesce((counts ->> 'changed')::bigint, 0),
               coalesce(started_at, created_at), finished_at
        FROM job_progress WHERE kind = 'pricing.reprice_all' ORDER BY id
    """)
    share_platform_table("pricing_reprice_runs", tenant_can_read=False)
