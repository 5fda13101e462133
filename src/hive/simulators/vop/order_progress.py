"""Clock-driven order life: auto-cancel, split, production, shipping, delivery, completion.

Every step is due at a fixed offset from confirmation (see ``OrderSchedule``) and emits the
message VOP would (1 split, 12 shipped, 5 delivered, 31 completed, 15 auto-cancelled).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from hive.platform.money import split_largest_remainder
from hive.simulators.vop.balance import Balance
from hive.simulators.vop.clock import format_wire_time
from hive.simulators.vop.config import OrderSchedule
from hive.simulators.vop.messages import MessageFeed
from hive.simulators.vop.orders import Order, OrderLine, OrderRepository

CARRIER = "京东快递"
OPERATOR = "系统"


class OrderProgress:
    def __init__(
        self, repo: OrderRepository, feed: MessageFeed, balance: Balance, schedule: OrderSchedule
    ) -> None:
        self.repo = repo
        self.feed = feed
        self.balance = balance
        self.schedule = schedule
        self._next_due = repo.next_due()
        self._steps: dict[str, Callable[[Order, float], None]] = {
            "auto_cancel": self._auto_cancel,
            "split": self._split,
            "production": self._production,
            "ship": self._ship,
            "deliver": self._deliver,
            "complete": self._complete,
        }

    def next_step(self, order: Order) -> tuple[str, float] | None:
        s = self.schedule
        if order.status == "submitted":
            return "auto_cancel", order.created_at + s.auto_cancel_after_s
        if order.confirmed_at is None:
            return None
        at = order.confirmed_at
        if order.status == "confirmed":
            if not order.split_checked:
                return "split", at + s.split_after_s
            return "production", at + s.production_after_s
        later = {
            "production": ("ship", s.ship_after_s),
            "shipped": ("deliver", s.deliver_after_s),
            "delivered": ("complete", s.complete_after_s),
        }.get(order.status)
        return (later[0], at + later[1]) if later else None

    def save(self, order: Order) -> None:
        """Store the order with the time of its next step, and remember the earliest."""
        step = self.next_step(order)
        due = step[1] if step else None
        self.repo.save(order, due)
        if due is not None and (self._next_due is None or due < self._next_due):
            self._next_due = due

    def run_due(self, now: float) -> None:
        if self._next_due is None or now < self._next_due:
            return
        while batch := self.repo.due(now):
            for order in batch:
                step = self.next_step(order)
                if step is None:
                    self.repo.save(order, None)
                    continue
                with self.repo.store.transaction():
                    self._steps[step[0]](order, step[1])
                    self.save(order)
        self._next_due = self.repo.next_due()

    def note(self, order: Order, at: float, content: str) -> None:
        order.track.append(
            {"msgTime": format_wire_time(at), "content": content, "operator": OPERATOR}
        )

    def _auto_cancel(self, order: Order, at: float) -> None:
        order.move("cancelled")
        order.finished_at = at
        self.balance.refund(order.jd_order_id, order.total)
        self.note(order, at, "订单超时未确认，系统已自动取消")
        self.feed.emit(15, {"orderId": order.jd_order_id})

    def _split(self, order: Order, at: float) -> None:
        order.split_checked = True
        by_warehouse = [
            list(group)
            for _, group in groupby(sorted(order.lines, key=_warehouse_of), _warehouse_of)
        ]
        if len(by_warehouse) < 2:
            return
        weights = [sum(line.amount for line in group) for group in by_warehouse]
        freights = split_largest_remainder(order.freight, weights)
        for lines, freight in zip(by_warehouse, freights, strict=True):
            child = Order(
                jd_order_id=self.repo.new_id(),
                third_order=None,
                parent_id=order.jd_order_id,
                lines=lines,
                freight=freight,
                address=order.address,
                status="confirmed",
                submit_state=1,
                payment_type=order.payment_type,
                created_at=at,
                confirmed_at=order.confirmed_at,
                split_checked=True,
                track=list(order.track),
            )
            self.note(child, at, "您的订单已拆分，将从不同仓库发货")
            self.save(child)
            order.children.append(child.jd_order_id)
        order.move("split")
        self.note(order, at, f"订单已拆分为{len(order.children)}个子订单")
        self.feed.emit(1, {"pOrder": order.jd_order_id})

    def _production(self, order: Order, at: float) -> None:
        order.move("production")
        self.note(order, at, "您的订单已经进入京东仓库准备出库")

    def _ship(self, order: Order, at: float) -> None:
        order.move("shipped")
        package = f"JDV{order.jd_order_id:015d}"
        order.waybills.append(
            {
                "carrier": CARRIER,
                "deliveryOrderId": package,
                "parentId": order.parent_id,
                "orderId": order.jd_order_id,
            }
        )
        self.note(order, at, f"您的订单已出库，{CARRIER}运单号：{package}")
        self.feed.emit(12, {"orderId": order.jd_order_id, "packageId": package})

    def _deliver(self, order: Order, at: float) -> None:
        order.move("delivered")
        order.delivered_at = at
        self.note(order, at, "您的订单已妥投，感谢您在京东购物")
        self.feed.emit(5, {"orderId": order.jd_order_id, "state": 1})

    def _complete(self, order: Order, at: float) -> None:
        order.move("completed")
        order.finished_at = at
        self.note(order, at, "订单已完成")
        self.feed.emit(31, {"orderId": order.jd_order_id})


def _warehouse_of(line: OrderLine) -> int:
    return line.warehouse
