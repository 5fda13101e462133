"""The unit of work's hooks: work attached to a transaction, just before its commit or after it.

Every transaction opened through :class:`hive.platform.db.Database` (a console request, an API
request, a job, a change-feed batch; platform or tenant role) is a unit of work that runs these
hooks: the platform owns them, so no caller can forget to.

*Before commit* callbacks run once per transaction, after the work of the transaction, inside
it (keyed, so several pieces of work can merge theirs into one, e.g. one job per change-feed
batch instead of one per message type); one may add more. *After commit* callbacks run only
once the transaction has committed — never when it rolls back — outside any transaction and
after the connection went back to the pool, so they may call a supplier; they must leave a
durable fallback in the transaction (a deferred job) for the case the process dies or the
callback fails. A failing after-commit callback is logged and does not fail the caller: its
transaction has committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform.logging import get_logger

BeforeCommit = Callable[[AsyncSession], Awaitable[None]]
AfterCommit = Callable[[], Awaitable[None]]

_KEY = "hive.unit_of_work.hooks"

log = get_logger(__name__)


@dataclass
class TransactionHooks:
    before_commit: dict[str, BeforeCommit] = field(default_factory=dict)
    after_commit: list[AfterCommit] = field(default_factory=list)
    # What pieces of work accumulate over one transaction, by a key of their own.
    state: dict[str, Any] = field(default_factory=dict)


def hooks(session: AsyncSession) -> TransactionHooks:
    """The hooks of ``session``'s current transaction."""
    found = session.info.get(_KEY)
    if not isinstance(found, TransactionHooks):
        found = session.info[_KEY] = TransactionHooks()
    return found


def before_commit(session: AsyncSession, key: str, callback: BeforeCommit) -> None:
    """Run ``callback(session)`` once, just before the commit; a second one with ``key`` is
    ignored."""
    hooks(session).before_commit.setdefault(key, callback)


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run ``callback()`` once the transaction has committed (never if it rolls back)."""
    hooks(session).after_commit.append(callback)


async def finish(session: AsyncSession) -> list[AfterCommit]:
    """Run the before-commit callbacks (which may add more) and take the after-commit ones.

    The platform calls this as the last step of every transaction. A caller that schedules
    after-commit work itself (the change-feed processor runs it in the background, bounded)
    calls it first, inside its transaction; the platform then finds nothing left to run.
    """
    found = session.info.get(_KEY)
    if not isinstance(found, TransactionHooks):
        return []
    done: set[str] = set()
    while pending := [k for k in found.before_commit if k not in done]:
        for key in pending:
            done.add(key)
            await found.before_commit[key](session)
    session.info.pop(_KEY, None)
    return found.after_commit


def discard(session: AsyncSession) -> None:
    """Forget the hooks of a transaction that rolled back."""
    session.info.pop(_KEY, None)


async def run_after_commit(callbacks: Sequence[AfterCommit]) -> None:
    """Run committed work in order; a failure is logged, and the next callback still runs."""
    for callback in callbacks:
        try:
            await callback()
        except Exception:
            log.exception("after-commit work failed")
