"""The supplier change feed: ``message/get`` by type, ``message/del`` to acknowledge.

Delivery is at-least-once: a message comes back on every ``get`` until it is deleted. Faults
can drop messages from a batch (they come back later), duplicate them within a batch and
shuffle the batch, as real feeds sometimes do.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable

from hive.simulators.vop.clock import Clock, format_wire_time
from hive.simulators.vop.config import FaultSettings
from hive.simulators.vop.store import Store, dumps

MessageJson = dict[str, object]
Listener = Callable[[MessageJson], None]


class MessageFeed:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.listeners: list[Listener] = []

    def emit(self, msg_type: int, result: dict[str, object]) -> int:
        """Append a message (inside the caller's transaction when there is one)."""
        now = self.clock.now()
        with self.store.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO messages (type, time, result) VALUES (?, ?, ?)",
                (msg_type, now, dumps(result)),
            )
            message_id = int(cursor.lastrowid or 0)
        body: MessageJson = {
            "id": message_id,
            "type": msg_type,
            "time": format_wire_time(now),
            "result": result,
        }
        for listener in self.listeners:
            listener(body)
        return message_id

    def pending(
        self, types: Iterable[int], limit: int, faults: FaultSettings, rng: random.Random
    ) -> list[MessageJson]:
        wanted = sorted(set(types))
        marks = ",".join("?" * len(wanted))
        rows = self.store.query(
            f"SELECT id, type, time, result FROM messages "  # noqa: S608 - placeholders only
            f"WHERE deleted = 0 AND type IN ({marks}) ORDER BY id LIMIT ?",
            (*wanted, limit),
        )
        batch: list[MessageJson] = []
        for message_id, msg_type, time, result in rows:
            body: MessageJson = {
                "id": message_id,
                "type": msg_type,
                "time": format_wire_time(float(str(time))),
                "result": json.loads(str(result)),
            }
            if faults.drop_message_rate and rng.random() < faults.drop_message_rate:
                continue
            batch.append(body)
            if faults.duplicate_message_rate and rng.random() < faults.duplicate_message_rate:
                batch.append(dict(body))
        if faults.reorder_messages:
            rng.shuffle(batch)
        return batch

    def delete(self, ids: Iterable[int]) -> int:
        wanted = list(ids)
        marks = ",".join("?" * len(wanted))
        with self.store.transaction() as conn:
            cursor = conn.execute(
                f"UPDATE messages SET deleted = 1 WHERE id IN ({marks})",  # noqa: S608
                wanted,
            )
            return cursor.rowcount
