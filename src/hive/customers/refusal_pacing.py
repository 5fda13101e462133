"""Pacing of throttled sign-in refusals, per client address, in one process.

A locked account or address is refused without hashing and without the database, so a
refusal costs little; but a flood that is refused at once simply asks again at once, and
sixteen connections asking as fast as the process answers keep the event loop busy with
refusals while signed-in users wait their turn. So each address gets at most ``burst``
refusals at once and then ``per_s`` a second: a refusal beyond that is held (an ``asyncio``
sleep: no thread, no CPU, no database connection) until the address's turn comes.

The rule is the generic cell rate algorithm: ``due`` is when the address's next refusal is
due; a refusal within ``burst`` intervals of ``due`` goes at once, a later one waits for the
difference. A refusal is never held longer than ``max_hold_s`` (a client with more open
connections than that covers is then answered as they come), at most ``max_held`` refusals
are held at once in the process (beyond that, refused at once), and at most ``max_addresses``
addresses are remembered, so neither memory nor waiting connections grow without bound.
"""

from __future__ import annotations

import asyncio
import time

MAX_HOLD_S = 5.0
MAX_HELD = 1_000
MAX_ADDRESSES = 10_000


class RefusalPacer:
    def __init__(
        self,
        per_s: float,
        burst: int,
        *,
        max_hold_s: float = MAX_HOLD_S,
        max_held: int = MAX_HELD,
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        self.interval = 1.0 / per_s
        self.tolerance = (burst - 1) * self.interval
        self.max_hold_s = max_hold_s
        self.max_held = max_held
        self.max_addresses = max_addresses
        self.held = 0
        self._due: dict[str, float] = {}

    def delay(self, address: str, now: float) -> float:
        """Seconds the refusal to ``address`` at ``now`` waits; counts the refusal."""
        due = max(self._due.get(address, now), now)
        wait = max(0.0, due - now - self.tolerance)  # at most max_hold_s: ``due`` is bounded
        if address not in self._due and len(self._due) >= self.max_addresses:
            self._forget_past(now)
        self._due[address] = min(due + self.interval, now + self.tolerance + self.max_hold_s)
        return wait

    async def hold(self, address: str) -> None:
        """Wait until ``address`` may be refused again (at once within its burst)."""
        wait = self.delay(address, time.monotonic())
        if wait <= 0 or self.held >= self.max_held:
            return
        self.held += 1
        try:
            await asyncio.sleep(wait)
        finally:
            self.held -= 1

    def _forget_past(self, now: float) -> None:
        self._due = {key: due for key, due in self._due.items() if due > now}
        if len(self._due) >= self.max_addresses:
            self._due.clear()
