"""A supplier in memory for the submission saga's tests, with the faults they need.

It keeps orders by our number (``thirdOrder``) the way VOP does: a second submission of one
number answers the first order. Faults: an answer lost after the order was made (a timeout),
a refusal, another caller's order already under our number, and a hook run while a submission
is in flight (a tenant cancelling meanwhile, a worker dying after the call)."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from hive.suppliers.errors import (
    CannotCancel,
    SupplierError,
    SupplierUnavailable,
    UpstreamNotFound,
    UpstreamOrderCancelled,
)
from hive.suppliers.types import (
    OrderLine,
    SupplierKind,
    UpstreamOrder,
    UpstreamOrderRequest,
    UpstreamOrderStatus,
)

S = UpstreamOrderStatus


@dataclass
class MemorySupplier:
    supplier_id: int = 0
    kind: SupplierKind = SupplierKind.VOP
    orders: dict[str, UpstreamOrder] = field(default_factory=dict)
    submits: int = 0  # submission calls received (duplicates included)
    lose_answers: int = 0  # the next N submissions are made, but their answers lost
    unreachable: int = 0  # the next N calls of any order method fail before doing anything
    refuse_with: SupplierError | None = None
    cannot_cancel: bool = False
    during_submit: Callable[[], Awaitable[None]] | None = None
    calls: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(900001))

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if self.unreachable:
            self.unreachable -= 1
            raise SupplierUnavailable(details={"fault": "unreachable"})

    def plant(self, order_no: str, lines: tuple[OrderLine, ...]) -> UpstreamOrder:
        """Someone else's order already under ``order_no`` (for the mismatch alarm)."""
        order = UpstreamOrder(str(next(self._ids)), order_no, S.RESERVED, 0, 0, lines)
        self.orders[order_no] = order
        return order

    async def submit_order(self, request: UpstreamOrderRequest) -> UpstreamOrder:
        self._call("submit_order")
        self.submits += 1
        if self.during_submit is not None:
            hook, self.during_submit = self.during_submit, None
            await hook()
        existing = self.orders.get(request.order_no)
        if existing is not None:
            return existing
        if self.refuse_with is not None:
            raise self.refuse_with
        status = S.CONFIRMED if request.place_directly else S.RESERVED
        total = sum(x.quantity * x.unit_price_fen for x in request.lines)
        order = UpstreamOrder(
            str(next(self._ids)), request.order_no, status, total, 0, request.lines
        )
        self.orders[request.order_no] = order
        if self.lose_answers:
            self.lose_answers -= 1
            raise SupplierUnavailable(details={"fault": "timeout after processing"})
        return order

    def _by_id(self, supplier_order_id: str) -> UpstreamOrder:
        for order in self.orders.values():
            if order.supplier_order_id == supplier_order_id:
                return order
        raise UpstreamNotFound(details={"id": supplier_order_id})

    def _set(self, order: UpstreamOrder, status: UpstreamOrderStatus) -> None:
        self.orders[order.order_no] = replace(order, status=status)

    async def confirm_order(self, supplier_order_id: str) -> None:
        self._call("confirm_order")
        order = self._by_id(supplier_order_id)
        if order.status is S.CANCELLED:
            raise UpstreamOrderCancelled()
        self._set(order, S.CONFIRMED)

    async def cancel_order(self, supplier_order_id: str) -> None:
        self._call("cancel_order")
        order = self._by_id(supplier_order_id)
        if order.status is S.CANCELLED:
            raise UpstreamOrderCancelled()
        if self.cannot_cancel:
            raise CannotCancel()
        self._set(order, S.CANCELLED)

    async def find_order(self, order_no: str) -> str | None:
        self._call("find_order")
        order = self.orders.get(order_no)
        return None if order is None else order.supplier_order_id

    async def order_detail(self, supplier_order_id: str) -> UpstreamOrder:
        self._call("order_detail")
        return self._by_id(supplier_order_id)

    async def adapter_for(self, supplier_id: int) -> MemorySupplier:
        return self
