"""The ``job_progress`` table: one row per long action run as a job (see hive.platform.progress)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hive.platform.db import Base

QUEUED = "queued"
RUNNING = "running"
FINISHED = "finished"
CANCELLED = "cancelled"
FAILED = "failed"
STATES = (QUEUED, RUNNING, FINISHED, CANCELLED, FAILED)
ENDED = frozenset({FINISHED, CANCELLED, FAILED})


class JobProgress(Base):
    """One long action run as a job: what it was asked to do, how far it got, what it did."""

    __tablename__ = "job_progress"
    __table_args__ = (
        CheckConstraint(f"status IN {STATES}", name="status"),
        Index("ix_job_progress_kind_created_at", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the action is ("catalog.select_all", …): decides who may see it and its texts.
    kind: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), server_default=QUEUED)
    # What was asked (the search, the cap …), shown on the page and read by the job.
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    # Units of work planned (hits to handle …); NULL while unknown.
    planned: Mapped[int | None] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, server_default="0")
    # Outcome counts ({"added": 480, "failed": 20, "skipped": 17932}) and reasons of the
    # failed and skipped ones ({"not_in_supplier_pool": 20, "over_cap": 17932}).
    counts: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")
    reasons: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")
    # Where a new attempt resumes ({"page": 7}).
    cursor: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, server_default="false")
    error: Mapped[str] = mapped_column(String(255), server_default="")
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
