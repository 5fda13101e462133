"""The whole receiver of an order, shown on purpose and audited; and re-encrypting every
stored receiver after the platform secret was rotated.

:func:`reveal_receiver` decrypts one order's receiver for a role that needs it
(``orders.view_receiver``: the platform admin, operators, the tenant's admin for its own
orders) and writes an audit row (``order.receiver_viewed``: who, when, which order) in the
caller's transaction — a page shows the receiver only after that transaction committed.

:func:`reencrypt_receivers` rewrites, in batches of ``batch_size`` rows each committed on its
own, every ``receiver_cipher`` not yet under the current key (``HIVE_SECRET_KEY``; older keys
are read through ``HIVE_PREVIOUS_SECRET_KEYS``). Rows already under the current key are
skipped by their key id, so an interrupted run simply runs again and carries on.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders.errors import OrderNotFound
from hive.orders.models import Order
from hive.orders.personal import Receiver, decrypt_receiver
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.crypto import PREFIX, SecretBox
from hive.platform.db import Database
from hive.platform.permissions import Action, require

AUDIT_ACTION = "order.receiver_viewed"
DEFAULT_BATCH = 500


async def reveal_receiver(
    session: AsyncSession, actor: Actor, order: Order, box: SecretBox
) -> Receiver:
    """The order's whole receiver, audited. Raises ``permission_denied`` for a role without
    ``orders.view_receiver`` and ``order_not_found`` for another tenant's order."""
    require(actor, Action.VIEW_RECEIVER)
    if actor.tenant_id is not None and actor.tenant_id != order.tenant_id:
        raise OrderNotFound(details={"order_no": order.order_no})
    receiver = decrypt_receiver(order.receiver_cipher, box)
    await record_audit(
        session,
        actor,
        AUDIT_ACTION,
        target_type="order",
        target_id=order.id,
        tenant_id=order.tenant_id,
        details={"order_no": order.order_no},
    )
    return receiver


@dataclass(frozen=True, slots=True)
class Reencrypted:
    rewritten: int
    batches: int


def _current_prefix(box: SecretBox) -> bytes:
    return PREFIX + box.current_key_id.encode() + b":"


async def reencrypt_batch(
    session: AsyncSession, box: SecretBox, after_id: int, size: int
) -> tuple[int, int]:
    """Rewrite up to ``size`` receivers not under the current key, of orders with an id above
    ``after_id``; returns (rows rewritten, the last id looked at; 0 when none was left)."""
    prefix = _current_prefix(box)
    query = (
        select(Order.id, Order.receiver_cipher)
        .where(Order.id > after_id)
        .where(func.substring(Order.receiver_cipher, 1, len(prefix)) != prefix)
        .order_by(Order.id)
        .limit(size)
        .with_for_update()
    )
    rows = (await session.execute(query)).all()
    for order_id, cipher in rows:
        await session.execute(
            update(Order).where(Order.id == order_id).values(receiver_cipher=box.reencrypt(cipher))
        )
    return len(rows), rows[-1][0] if rows else 0


async def reencrypt_receivers(
    database: Database, box: SecretBox, *, batch_size: int = DEFAULT_BATCH
) -> Reencrypted:
    """Every order's receiver under the current key (see the module docstring). Raises
    ``SecretUnreadable`` (after committing the batches before it) for a ciphertext no known
    key opens."""
    after, rewritten, batches = 0, 0, 0
    while True:
        async with database.platform_transaction() as session:
            count, last = await reencrypt_batch(session, box, after, batch_size)
        if count == 0:
            return Reencrypted(rewritten, batches)
        rewritten, batches, after = rewritten + count, batches + 1, last
