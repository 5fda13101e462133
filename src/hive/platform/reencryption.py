"""Re-encrypting stored secrets after a key rotation (``hive reencrypt-secrets``): each domain
locks its rows that hold a sealed secret and hands them here with the column's name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.crypto import SecretBox


async def reencrypt_column(
    session: AsyncSession,
    actor: Actor,
    box: SecretBox,
    rows: Sequence[Any],
    column: str,
    *,
    action: str,
    target_type: str,
    ids_key: str,
) -> int:
    """Rewrite ``column`` of each of ``rows`` (locked by the caller) that is not sealed under
    the current key, and audit ``action`` with the key id and the ids rewritten (under
    ``ids_key``). Returns how many were rewritten.

    Raises :class:`~hive.platform.crypto.SecretUnreadable` when no known key reads one; the
    caller's transaction then rolls back and nothing is rewritten."""
    rewritten = []
    for row in rows:
        sealed: bytes = getattr(row, column)
        if not box.is_current(sealed):
            setattr(row, column, box.reencrypt(sealed))
            rewritten.append(row.id)
    await session.flush()
    await record_audit(
        session,
        actor,
        action,
        target_type=target_type,
        target_id=None,
        details={"key_id": box.current_key_id, ids_key: rewritten},
    )
    return len(rewritten)
