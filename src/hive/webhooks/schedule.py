"""What an attempt's result means, and when the next attempt is due.

The schedule is data (``HIVE_WEBHOOK_RETRY_DELAYS_S``): the first attempt goes out at once;
after the n-th failed attempt the next waits ``delays[n-1]``; when every delay is used up the
next failure is final and the delivery is dead (the dead letter). The default delays double
from 30 s to 8 h and add up to about 30 h, so a receiver down for a whole day still gets every
event. Network errors, timeouts, 5xx, 408 and 429 are worth retrying; a redirect (never
followed) and any other 4xx are final answers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

RETRY_STATUSES = frozenset({408, 429})


class Verdict(StrEnum):
    SUCCESS = "success"
    RETRY = "retry"
    FINAL = "final"


def verdict_of(status_code: int | None) -> Verdict:
    """How an answer counts (None: no answer at all — a network error or a timeout)."""
    if status_code is None:
        return Verdict.RETRY
    if 200 <= status_code < 300:
        return Verdict.SUCCESS
    if status_code >= 500 or status_code in RETRY_STATUSES:
        return Verdict.RETRY
    # Any other answer is final, a redirect (3xx) too: it is never followed (it could point
    # anywhere, an internal address too), and retrying would meet the same redirect.
    return Verdict.FINAL


def next_attempt_at(
    failed_attempts: int, now: datetime, delays_s: tuple[int, ...]
) -> datetime | None:
    """When to try again after ``failed_attempts`` failures in a row (1 after the first), or
    None when the retries are used up."""
    if failed_attempts < 1:
        raise ValueError("after at least one failed attempt")
    if failed_attempts > len(delays_s):
        return None
    return now + timedelta(seconds=delays_s[failed_attempts - 1])


def attempt_times(start: datetime, delays_s: tuple[int, ...]) -> list[datetime]:
    """Every attempt of a delivery that always fails, from its first at ``start``."""
    times = [start]
    for delay in delays_s:
        times.append(times[-1] + timedelta(seconds=delay))
    return times
