"""Times as the console shows them: Asia/Shanghai, ``YYYY-MM-DD HH:MM:SS``, on every page.

Stored times are ``timestamptz`` in UTC; a page never shows one raw. Templates call
``local_time(value)`` (the layout passes it to every template).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

DISPLAY_TIMEZONE = ZoneInfo("Asia/Shanghai")
# An ISO 8601 time with an offset or Z, as datetime.isoformat() and JSON writers produce it.
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})")


def local_time(value: datetime | None, *, seconds: bool = True) -> str:
    """``value`` in Asia/Shanghai (a naive value is taken as UTC); ``""`` for None."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    pattern = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return value.astimezone(DISPLAY_TIMEZONE).strftime(pattern)


def local_text(value: str) -> str:
    """``value`` as :func:`local_time` shows it when it is an ISO 8601 time with its offset
    (as services record times in JSON details: ``2026-11-30T17:30:00+00:00``); any other text
    as it is."""
    if not ISO_TIME.fullmatch(value):
        return value
    try:
        return local_time(datetime.fromisoformat(value))
    except ValueError:
        return value
