"""After-sale rules: what may be applied for, applying, cancelling, shipping back, and the
clock-driven walk through the steps (message 110 at each step)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from hive.simulators.vop.aftersales import (
    CANCELLABLE_STEPS,
    PICKWARE_NAMES,
    STEP_NAMES,
    AfsRepository,
    AfsService,
)
from hive.simulators.vop.balance import TRADE_AFTERSALE_REFUND, Balance
from hive.simulators.vop.clock import format_wire_time
from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.envelope import Form, as_int
from hive.simulators.vop.messages import MessageFeed
from hive.simulators.vop.orders import Order, OrderLine

if TYPE_CHECKING:
    from hive.simulators.vop.simulator import Simulator

AFTER_SALE_STATUSES = frozenset({"delivered", "completed"})


def fields(form: Form) -> dict[str, object]:
    """After-sale methods take a ``param`` JSON object; plain form fields are accepted too."""
    raw = form.get("param", "").strip()
    if not raw:
        return dict(form)
    try:
        value = json.loads(raw)
    except ValueError:
        raise VopError(Code.BAD_PARAMETER, "param is not valid JSON") from None
    if not isinstance(value, dict):
        raise VopError(Code.BAD_PARAMETER, "param must be a JSON object")
    return value


def order_line(sim: Simulator, jd_order_id: int, sku: int) -> tuple[Order, OrderLine]:
    """The (child) order that holds the SKU; a split parent's id is followed to its child."""
    order = sim.order_repo.get(jd_order_id)
    for candidate in [order, *(sim.order_repo.get(c) for c in order.children)]:
        for line in candidate.lines:
            if line.sku_id == sku and not candidate.children:
                return candidate, line
    raise VopError(Code.NOT_FOUND, f"sku {sku} in order {jd_order_id}")


def available(sim: Simulator, jd_order_id: int, sku: int) -> int:
    order, line = order_line(sim, jd_order_id, sku)
    if order.status not in AFTER_SALE_STATUSES:
        return 0
    taken = sum(
        s.num for s in sim.afs_repo.for_order([order.jd_order_id]) if s.sku_id == sku and s.active
    )
    return max(0, line.num - taken)


def expect_types(sim: Simulator, sku: int) -> list[int]:
    # Food and books (reduced VAT) only take returns.
    return [10] if sim.catalog.tax_rate(sku) == 9 else [10, 20, 30]


def apply(sim: Simulator, afs_apply: dict[str, object]) -> AfsService:
    """Create a service from an ``afsApply`` object; a repeated ``thirdApplyId`` is idempotent."""
    third = str(afs_apply.get("thirdApplyId") or "") or None
    if third is not None and (existing := sim.afs_repo.by_third_apply_id(third)):
        return existing
    detail = _object(afs_apply, "asDetailDto")
    sku = as_int(detail.get("skuId"), "skuId")
    num = as_int(detail.get("skuNum"), "skuNum")
    order, line = order_line(sim, as_int(afs_apply.get("jdOrderId"), "jdOrderId"), sku)
    expect = as_int(afs_apply.get("customerExpect"), "customerExpect")
    pickware = as_int(_object(afs_apply, "asPickwareDto").get("pickwareType"), "pickwareType")
    if expect not in expect_types(sim, sku) or pickware not in PICKWARE_NAMES:
        raise VopError(Code.BAD_PARAMETER, "customerExpect / pickwareType")
    if not 1 <= num <= available(sim, order.jd_order_id, sku):
        raise VopError(Code.AFS_NOT_ALLOWED, f"at most {available(sim, order.jd_order_id, sku)}")
    now = sim.clock.now()
    service = AfsService(
        afs_service_id=sim.afs_repo.new_id(),
        jd_order_id=order.jd_order_id,
        sku_id=sku,
        sku_name=line.name,
        num=num,
        unit_price=line.price,
        customer_expect=expect,
        question_desc=str(afs_apply.get("questionDesc") or ""),
        pickware_type=pickware,
        customer=_object(afs_apply, "asCustomerDto"),
        third_apply_id=third,
        created_at=now,
        step_at=now,
    )
    with sim.store.transaction():
        sim.afs_progress.enter(service, 10, now, "您的服务单已申请成功，待售后审核中")
    return service


def _object(container: dict[str, object], name: str) -> dict[str, object]:
    value = container.get(name)
    if not isinstance(value, dict):
        raise VopError(Code.BAD_PARAMETER, f"{name} must be an object")
    return value


class AfsProgress:
    def __init__(
        self, repo: AfsRepository, feed: MessageFeed, balance: Balance, step_after_s: float
    ) -> None:
        self.repo = repo
        self.feed = feed
        self.balance = balance
        self.step_after_s = step_after_s
        self._next_due = repo.next_due()

    def enter(self, service: AfsService, step: int, at: float, content: str) -> None:
        """Move to ``step``, record it, tell the caller (message 110) and schedule what follows."""
        service.step = step
        service.step_at = at
        service.tracks.append(
            {"title": STEP_NAMES[step], "context": content, "createDate": format_wire_time(at)}
        )
        if step == 40 and service.customer_expect == 10:
            refund = service.unit_price * service.num
            self.balance.refund(service.jd_order_id, refund, TRADE_AFTERSALE_REFUND)
        self.save(service)
        self.feed.emit(
            110,
            {"afsServiceId": service.afs_service_id, "orderId": service.jd_order_id, "state": step},
        )

    def save(self, service: AfsService) -> None:
        due = service.step_at + self.step_after_s if service.next_step() else None
        self.repo.save(service, due)
        if due is not None and (self._next_due is None or due < self._next_due):
            self._next_due = due

    def run_due(self, now: float) -> None:
        if self._next_due is None or now < self._next_due:
            return
        while batch := self.repo.due(now):
            for service in batch:
                step = service.next_step()
                if step is None:
                    self.repo.save(service, None)
                    continue
                with self.repo.store.transaction():
                    at = service.step_at + self.step_after_s
                    self.enter(service, step, at, f"服务单进入{STEP_NAMES[step]}")
        self._next_due = self.repo.next_due()

    def cancel(self, service: AfsService, at: float, notes: str) -> None:
        if service.step not in CANCELLABLE_STEPS:
            raise VopError(Code.AFS_NOT_ALLOWED, f"step {service.step} cannot be cancelled")
        service.approve_notes = notes
        self.enter(service, 60, at, "服务单已取消")

    def send_back(self, service: AfsService, at: float, info: dict[str, object]) -> None:
        if service.step not in (10, 21) or service.pickware_type != 40:
            raise VopError(Code.AFS_NOT_ALLOWED, "send-back info is for customer-shipped returns")
        service.send_info = info
        service.step_at = at
        self.save(service)
