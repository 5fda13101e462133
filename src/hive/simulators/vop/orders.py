"""Orders: the record, its state machine (as data) and its storage.

An order is stored as one JSON document; ``due_at`` says when its next scheduled step is due,
so progression reads only the orders that have something to do.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.store import Store, dumps

ORDER_ID_START = 250_000_000_001

# Allowed transitions, one table per entity (split = a parent handed over to its children).
TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"confirmed", "cancelled"}),
    "confirmed": frozenset({"split", "production", "cancelled"}),
    "split": frozenset({"cancelled"}),
    "production": frozenset({"shipped"}),
    "shipped": frozenset({"delivered"}),
    "delivered": frozenset({"completed"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
# VOP's ``jdOrderState`` per status (1 new, 8 awaiting dispatch, 9 packing, 16 awaiting
# receipt, 19 completed).
JD_ORDER_STATE: dict[str, int] = {
    "submitted": 1,
    "confirmed": 8,
    "split": 8,
    "production": 9,
    "shipped": 16,
    "delivered": 16,
    "completed": 19,
    "cancelled": 1,
}
CANCELLABLE = frozenset({"submitted", "confirmed"})


@dataclass
class OrderLine:
    sku_id: int
    num: int
    price: int
    jd_price: int
    tax_rate: int
    name: str
    category: str
    warehouse: int

    @property
    def amount(self) -> int:
        return self.price * self.num


@dataclass
class Order:
    jd_order_id: int
    third_order: str | None
    parent_id: int
    lines: list[OrderLine]
    freight: int
    address: dict[str, object]
    status: str
    submit_state: int
    payment_type: int
    created_at: float
    confirmed_at: float | None = None
    finished_at: float | None = None
    delivered_at: float | None = None
    split_checked: bool = False
    children: list[int] = field(default_factory=list)
    track: list[dict[str, object]] = field(default_factory=list)
    waybills: list[dict[str, object]] = field(default_factory=list)

    @property
    def goods_amount(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def total(self) -> int:
        return self.goods_amount + self.freight

    def move(self, status: str) -> None:
        """Apply one transition of :data:`TRANSITIONS`; anything else is a bug."""
        if status not in TRANSITIONS[self.status]:
            raise ValueError(f"order {self.jd_order_id}: {self.status} -> {status} not allowed")
        self.status = status

    @staticmethod
    def from_json(text: str) -> Order:
        data = json.loads(text)
        data["lines"] = [OrderLine(**line) for line in data["lines"]]
        return Order(**data)


class OrderRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def new_id(self) -> int:
        return self.store.next_id("next_order_id", ORDER_ID_START)

    def save(self, order: Order, due_at: float | None) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO orders (jd_order_id, third_order, parent_id, due_at, data, created_at,"
                " delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (jd_order_id) DO UPDATE "
                "SET due_at = excluded.due_at, data = excluded.data, "
                "delivered_at = excluded.delivered_at",
                (
                    order.jd_order_id,
                    order.third_order,
                    order.parent_id,
                    due_at,
                    dumps(asdict(order)),
                    order.created_at,
                    order.delivered_at,
                ),
            )

    def get(self, jd_order_id: int) -> Order:
        rows = self.store.query("SELECT data FROM orders WHERE jd_order_id = ?", (jd_order_id,))
        if not rows:
            raise VopError(Code.NOT_FOUND, f"order {jd_order_id}")
        return Order.from_json(str(rows[0][0]))

    def by_third_order(self, third_order: str) -> Order | None:
        rows = self.store.query("SELECT data FROM orders WHERE third_order = ?", (third_order,))
        return Order.from_json(str(rows[0][0])) if rows else None

    def due(self, now: float, limit: int = 500) -> list[Order]:
        rows = self.store.query(
            "SELECT data FROM orders WHERE due_at IS NOT NULL AND due_at <= ? "
            "ORDER BY due_at, jd_order_id LIMIT ?",
            (now, limit),
        )
        return [Order.from_json(str(row[0])) for row in rows]

    def next_due(self) -> float | None:
        rows = self.store.query("SELECT MIN(due_at) FROM orders WHERE due_at IS NOT NULL")
        value = rows[0][0] if rows else None
        return None if value is None else float(str(value))

    def created_between(self, start: float, end: float) -> list[Order]:
        """Orders the caller placed (not child orders) in ``[start, end)``."""
        rows = self.store.query(
            "SELECT data FROM orders WHERE parent_id = 0 AND created_at >= ? AND created_at < ? "
            "ORDER BY jd_order_id",
            (start, end),
        )
        return [Order.from_json(str(row[0])) for row in rows]

    def delivered_between(self, start: float, end: float) -> list[Order]:
        """Orders (children of split orders included) delivered in ``[start, end)``."""
        rows = self.store.query(
            "SELECT data FROM orders WHERE delivered_at >= ? AND delivered_at < ? "
            "ORDER BY jd_order_id",
            (start, end),
        )
        return [Order.from_json(str(row[0])) for row in rows]
