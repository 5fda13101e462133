"""Times as the console shows them: Asia/Shanghai, ``YYYY-MM-DD HH:MM:SS``, on every page.

Stored times are ``timestamptz`` in UTC; a page never shows one raw. Templates call
``local_time(value)`` (the layout passes it to every template).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

DISPLAY_TIMEZONE = ZoneInfo("Asia/Shanghai")


def local_time(value: datetime | None, *, seconds: bool = True) -> str:
    """``value`` in Asia/Shanghai (a naive value is taken as UTC); ``""`` for None."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    pattern = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return value.astimezone(DISPLAY_TIMEZONE).strftime(pattern)
