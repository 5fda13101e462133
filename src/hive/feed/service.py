"""Reading the raw supplier message log (for the operators' console page)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.feed import repository
from hive.feed.ingestion import (
    STATUS_FAILED,
    STATUS_GAVE_UP,
    STATUS_IGNORED,
    STATUS_PROCESSED,
)
from hive.feed.models import SupplierMessageLog
from hive.feed.repository import LogFilter

PAGE_SIZE = 50
# Counting a month of messages exactly is slow and useless on a page: stop at this many.
COUNT_CAP = 10_000
STATUSES = (STATUS_PROCESSED, STATUS_FAILED, STATUS_GAVE_UP, STATUS_IGNORED)

__all__ = ["COUNT_CAP", "PAGE_SIZE", "STATUSES", "LogFilter", "MessageLogPage", "message_log"]


@dataclass(frozen=True, slots=True)
class MessageLogPage:
    rows: Sequence[SupplierMessageLog]
    page: int
    page_size: int
    # Exact up to COUNT_CAP; ``total_capped`` says there are at least that many.
    total: int
    total_capped: bool

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total


async def message_log(
    session: AsyncSession,
    log_filter: LogFilter,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    sort: str = "received_at",
    descending: bool = True,
) -> MessageLogPage:
    """One page of the log with the (capped) number of matching rows. ``sort`` is
    ``received_at`` (then message id) or ``message_id``: numeric ids sort as numbers (9 before
    30), others as text after them. A page past the last is answered with the last page."""
    total = await repository.count_messages(session, log_filter, cap=COUNT_CAP)
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    rows = await repository.list_messages(
        session,
        log_filter,
        limit=page_size,
        offset=(page - 1) * page_size,
        by_message_id=sort == "message_id",
        descending=descending,
    )
    return MessageLogPage(
        rows=rows, page=page, page_size=page_size, total=total, total_capped=total >= COUNT_CAP
    )


async def feed_health(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """For the dashboard: when the last supplier message arrived, seconds since (the feed's
    lag as seen here; ``None`` before any) and messages that failed in the last 24 hours."""
    newest, failing = await repository.feed_health(session, now - timedelta(hours=24))
    lag_s = int((now - newest).total_seconds()) if newest else None
    return {"last_received_at": newest, "lag_s": lag_s, "failed_24h": failing}
