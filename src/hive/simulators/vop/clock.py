"""The simulator's notion of now: real time, or a manual clock that tests advance."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
WIRE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class Clock:
    """Epoch seconds, shifted by an offset that ``advance`` grows.

    A manual clock stands still between advances, so drift and order progression happen only
    when a test says so; a real clock follows wall time (plus any advance).
    """

    def __init__(self, *, manual: bool, start: float | None = None) -> None:
        self._manual = manual
        self._frozen_at = time.time() if start is None else start
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def manual(self) -> bool:
        return self._manual

    def now(self) -> float:
        base = self._frozen_at if self._manual else time.time()
        return base + self._offset

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()


def format_wire_time(epoch: float) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in Asia/Shanghai, as VOP prints timestamps."""
    return datetime.fromtimestamp(epoch, SHANGHAI).strftime(WIRE_TIME_FORMAT)


def parse_wire_time(text: str) -> float:
    """The inverse of :func:`format_wire_time`; raises ``ValueError`` on anything else."""
    parsed = datetime.strptime(text.strip(), WIRE_TIME_FORMAT).replace(tzinfo=SHANGHAI)
    return parsed.timestamp()


def format_wire_date(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, SHANGHAI).strftime("%Y-%m-%d")
