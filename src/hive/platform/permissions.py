"""Role checks for service functions."""

from __future__ import annotations

from hive.platform.actor import Actor
from hive.platform.errors import PermissionDenied


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(
            f"需要以下角色之一 / Requires one of: {', '.join(roles)}",
            details={"required": list(roles), "role": actor.role},
        )
