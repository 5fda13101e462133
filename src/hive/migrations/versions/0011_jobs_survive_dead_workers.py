"""jobs survive dead workers; the tenant role may only defer jobs

* ``job_stalls`` counts how often a job's worker died under it, so a job is retried once per
  stall and failed at ``HIVE_JOB_MAX_STALLS`` (hive.platform.stalled_jobs).
* ``rule_runs`` records each run of a selection rule (its plan, then what it did), keyed by the
  job running it, and ``selection_records.rule_run_id`` ties records to their run: a rule run
  whose worker died resumes instead of selecting anew.
* The tenant role loses every right on procrastinate's tables, sequences and functions except
  executing the defer function, which now runs with its owner's rights (hive.platform.rls).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 06:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hive.platform import rls

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_stalls",
        sa.Column("job_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("stalls", sa.BigInteger(), nullable=False),
        sa.Column(
            "last_stalled_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_stalls")),
    )
    op.create_table(
        "rule_runs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="running", nullable=False),
        sa.Column("plan", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("added", sa.Integer(), server_default="0", nullable=False),
        sa.Column("restored", sa.Integer(), server_default="0", nullable=False),
        sa.Column("removed", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('running', 'finished')", name=op.f("ck_rule_runs_status")),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["selection_rules.id"],
            name=op.f("fk_rule_runs_rule_id_selection_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_runs")),
        sa.UniqueConstraint("job_id", "rule_id", name=op.f("uq_rule_runs_job_id_rule_id")),
    )
    op.create_index("ix_rule_runs_rule_id_started_at", "rule_runs", ["rule_id", "started_at"])
    op.add_column("selection_records", sa.Column("rule_run_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_selection_records_rule_run_id_rule_runs"),
        "selection_records",
        "rule_runs",
        ["rule_run_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_selection_records_rule_run_id"), "selection_records", ["rule_run_id"])
    for table in ("job_stalls", "rule_runs"):
        for statement in rls.shared_table_sql(table, tenant_can_read=False):
            op.execute(statement)
    for statement in rls.sequences_sql() + rls.tenant_jobs_sql():
        op.execute(statement)


def downgrade() -> None:
    for statement in rls.tenant_jobs_undo_sql():
        op.execute(statement)
    op.drop_index(op.f("ix_selection_records_rule_run_id"), table_name="selection_records")
    op.drop_constraint(
        op.f("fk_selection_records_rule_run_id_rule_runs"), "selection_records", type_="foreignkey"
    )
    op.drop_column("selection_records", "rule_run_id")
    op.drop_index("ix_rule_runs_rule_id_started_at", table_name="rule_runs")
    op.drop_table("rule_runs")
    op.drop_table("job_stalls")
