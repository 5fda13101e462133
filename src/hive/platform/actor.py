"""Who is doing something: passed to every state-changing service call and written to audit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated principal behind a call. ``user_id`` is None for system work."""

    user_id: int | None
    username: str
    role: str
    tenant_id: int | None = None

    @property
    def is_platform(self) -> bool:
        return self.tenant_id is None


SYSTEM = Actor(user_id=None, username="system", role="system")
