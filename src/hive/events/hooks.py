"""Work a handler attaches to its processing transaction: just before the commit, or after it.

*Before commit* callbacks run once per transaction, after every handler of the batch, in the
transaction (keyed, so handlers of several message types can merge their work into one, e.g.
one job per batch instead of one per type). *After commit* callbacks run only once the
transaction has committed — never when it rolls back — outside any transaction, so they may
call the supplier; they must leave a durable fallback in the transaction (a deferred job) for
the case the process dies or the callback fails.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

BeforeCommit = Callable[[AsyncSession], Awaitable[None]]
AfterCommit = Callable[[], Awaitable[None]]

_KEY = "hive.events.hooks"


@dataclass
class TransactionHooks:
    before_commit: dict[str, BeforeCommit] = field(default_factory=dict)
    after_commit: list[AfterCommit] = field(default_factory=list)
    # What handlers accumulate over one transaction, by a key of their own.
    state: dict[str, Any] = field(default_factory=dict)


def hooks(session: AsyncSession) -> TransactionHooks:
    """The hooks of ``session``'s current processing transaction."""
    found = session.info.get(_KEY)
    if not isinstance(found, TransactionHooks):
        found = session.info[_KEY] = TransactionHooks()
    return found


def before_commit(session: AsyncSession, key: str, callback: BeforeCommit) -> None:
    """Run ``callback(session)`` once, after the handlers; a second one with ``key`` is ignored."""
    hooks(session).before_commit.setdefault(key, callback)


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run ``callback()`` once the transaction has committed (never if it rolls back)."""
    hooks(session).after_commit.append(callback)


async def finish(session: AsyncSession) -> list[AfterCommit]:
    """Run the before-commit callbacks (which may add more); the after-commit ones, taken."""
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
