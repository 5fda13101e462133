"""The caller's prepaid balance: a running total plus one detail row per movement."""

from __future__ import annotations

from hive.simulators.vop.clock import Clock
from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.store import Store

BALANCE_KEY = "balance_fen"
TRADE_ORDER_PAYMENT = (301, "订单支付")
TRADE_ORDER_REFUND = (302, "订单取消退款")
TRADE_AFTERSALE_REFUND = (303, "售后退款")


class Balance:
    def __init__(self, store: Store, clock: Clock, initial_fen: int) -> None:
        self.store = store
        self.clock = clock
        if store.get_kv(BALANCE_KEY) is None:
            store.set_kv(BALANCE_KEY, str(initial_fen))

    @property
    def remaining(self) -> int:
        return int(self.store.get_kv(BALANCE_KEY) or 0)

    def set(self, fen: int) -> None:
        self.store.set_kv(BALANCE_KEY, str(fen))

    def pay(self, order_id: int, amount: int) -> None:
        """Take ``amount`` fen for an order, or refuse with 3017 when it is not there."""
        with self.store.transaction():
            if self.remaining < amount:
                raise VopError(Code.BALANCE_INSUFFICIENT)
            self._move(order_id, -amount, TRADE_ORDER_PAYMENT)

    def refund(
        self, order_id: int, amount: int, trade: tuple[int, str] = TRADE_ORDER_REFUND
    ) -> None:
        if amount > 0:
            self._move(order_id, amount, trade)

    def _move(self, order_id: int, amount: int, trade: tuple[int, str]) -> None:
        with self.store.transaction() as conn:
            self.set(self.remaining + amount)
            conn.execute(
                "INSERT INTO balance_detail (order_id, amount_fen, trade_type, trade_name, created)"
                " VALUES (?, ?, ?, ?, ?)",
                (order_id, amount, trade[0], trade[1], self.clock.now()),
            )

    def detail(
        self, order_id: int | None, start: float, end: float, offset: int, limit: int
    ) -> tuple[int, list[tuple[object, ...]]]:
        params = (start, end, order_id, order_id)
        total = self.store.query(
            "SELECT COUNT(*) FROM balance_detail "
            "WHERE created >= ? AND created < ? AND (? IS NULL OR order_id = ?)",
            params,
        )
        rows = self.store.query(
            "SELECT id, order_id, amount_fen, trade_type, trade_name, created FROM balance_detail "
            "WHERE created >= ? AND created < ? AND (? IS NULL OR order_id = ?) "
            "ORDER BY id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return int(str(total[0][0])), rows
