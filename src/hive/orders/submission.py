"""The submission saga: each sub-order placed upstream exactly once, then confirmed.

:func:`place_sub_order` is what the ``hive.orders.submit_sub_order`` job runs (deferred by
acceptance, one per sub-order). No database transaction is held while the supplier is asked;
each step is its own short transaction, and the sub-order's status says which step is next, so
the job may run again at any point (a retry, a worker killed mid-call) and carries on:

* ``pending``: an attempt is counted (committed) before the supplier is called. From the
  second attempt on, the order is first looked up by ``thirdOrder`` (our ``sub_order_no``):
  an earlier attempt may have reached the supplier although its answer, or our commit, was
  lost. Found: it is adopted; not found: submitted (reserve first). A business refusal moves
  the sub-order to ``failed`` (``apply_event('refused')`` releases its share of the freeze).
  An order under our number with other lines is an **alarm**, never a success: the sub-order
  is held for an operator (``held_reason``), an ``orders.alarm`` domain event and an error log
  are written, and nothing more is sent.
* placed: the supplier's order id is recorded and ``placed`` applied — unless the tenant
  cancelled meanwhile (the cancellation saw no upstream order yet): then the upstream order is
  cancelled at once, so no orphan order is left upstream and no money is captured.
* ``submitted``: the reserved order is confirmed (an already confirmed one is fine) and
  ``confirmed`` applied.
* ``cancelled`` after an attempt: the order is looked up and cancelled upstream if it exists.

Supplier outages (timeouts, ``5001``, rate limits, an open breaker) raise, and the job is
retried with back-off; held, failed and finished sub-orders are left alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders import repository
from hive.orders import submission_repository as repo
from hive.orders.alarm_lines import line_details, skus_of
from hive.orders.errors import OrderNotFound
from hive.orders.lifecycle import apply_event
from hive.orders.models import Order, OrderEvent, SubOrder
from hive.orders.personal import decrypt_receiver
from hive.orders.status import Outcome, SubOrderEvent, SubOrderStatus
from hive.platform.crypto import SecretBox
from hive.platform.db import Database
from hive.platform.domain_events import raise_event
from hive.platform.logging import get_logger
from hive.suppliers.errors import (
    BulkheadFull,
    CannotCancel,
    CircuitOpen,
    InsufficientSupplierBalance,
    InvalidSupplierAnswer,
    SupplierAuthFailed,
    SupplierError,
    SupplierUnavailable,
    UpstreamOrderCancelled,
)
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import (
    Area,
    OrderLine,
    Recipient,
    UpstreamOrder,
    UpstreamOrderRequest,
    UpstreamOrderStatus,
)

log = get_logger("hive.orders.submission")

AdapterFor = Callable[[int], Awaitable[SupplierAdapter]]
ALARM_EVENT = "orders.alarm"

# Failures of ours or of the line to the supplier, not a verdict on the order: retried later.
_NOT_A_REFUSAL: tuple[type[SupplierError], ...] = (
    SupplierUnavailable,
    CircuitOpen,
    BulkheadFull,
    SupplierAuthFailed,
    InvalidSupplierAnswer,
    InsufficientSupplierBalance,
)


class Placement(StrEnum):
    """What one run of the saga did."""

    PLACED = "placed"  # placed (or adopted) and confirmed upstream
    REFUSED = "refused"  # the supplier refused it: the sub-order failed
    HELD = "held"  # an alarm: held for an operator
    CANCELLED_UPSTREAM = "cancelled_upstream"  # cancelled meanwhile: the upstream order too
    CANCELLED_BY_SUPPLIER = "cancelled_by_supplier"
    NOTHING = "nothing"  # not waiting for the saga (already placed, final, held, unknown)


class Alarm(StrEnum):
    THIRD_ORDER_MISMATCH = "third_order_mismatch"  # our number upstream with other lines
    ORPHAN_NOT_CANCELLABLE = "orphan_not_cancellable"  # cancelled here, upstream refuses


@dataclass(frozen=True, slots=True)
class Plan:
    """A sub-order as the saga found it at the start of a run."""

    sub_order_no: str
    supplier_id: int
    status: SubOrderStatus
    attempt: int  # this run's attempt number (0: the run makes no attempt)
    upstream_order_id: str | None
    held: bool
    request: UpstreamOrderRequest | None  # only when the sub-order is to be placed


async def place_sub_order(
    database: Database, adapter_for: AdapterFor, secrets: SecretBox, sub_order_no: str
) -> Placement:
    """Run the saga for ``sub_order_no`` from wherever it stands (see the module docstring).
    Raises the supplier's error when it was unreachable (the job retries)."""
    plan = await _begin(database, secrets, sub_order_no)
    if plan is None or plan.held:
        return Placement.NOTHING
    adapter = await adapter_for(plan.supplier_id)
    if plan.request is not None:
        return await _place(database, adapter, plan, plan.request)
    if plan.status is SubOrderStatus.SUBMITTED and plan.upstream_order_id:
        return await _confirm(database, adapter, sub_order_no, plan.upstream_order_id)
    if plan.status is SubOrderStatus.CANCELLED and plan.attempt > 0:
        return await _cancel_leftover(database, adapter, plan)
    return Placement.NOTHING


async def _begin(database: Database, secrets: SecretBox, sub_order_no: str) -> Plan | None:
    async with database.platform_transaction() as session:
        attempt = await repo.start_attempt(session, sub_order_no)
        found = await repo.sub_order_with_order(session, sub_order_no)
        if found is None:
            log.warning("submission of an unknown sub-order", sub_order_no=sub_order_no)
            return None
        sub, order = found
        request = None
        if attempt is not None:
            request = await _request(session, secrets, sub, order)
        return Plan(
            sub_order_no=sub_order_no,
            supplier_id=sub.supplier_id,
            status=SubOrderStatus(sub.status),
            attempt=attempt if attempt is not None else sub.submit_attempts,
            upstream_order_id=sub.upstream_order_id,
            held=sub.held_reason is not None,
            request=request,
        )


async def _request(
    session: AsyncSession, secrets: SecretBox, sub: SubOrder, order: Order
) -> UpstreamOrderRequest:
    receiver = decrypt_receiver(order.receiver_cipher, secrets)
    area = Area(order.province_id, order.city_id, order.county_id, order.town_id or 0)
    lines = tuple(
        OrderLine(row.sku, row.quantity, row.purchase_price_fen)
        for row in await repo.placement_lines(session, sub.id)
    )
    return UpstreamOrderRequest(
        order_no=sub.sub_order_no,
        lines=lines,
        recipient=Recipient(receiver.name, receiver.mobile, receiver.address, area),
        place_directly=False,  # reserve, then confirm: a cancel in between costs nothing
    )


async def _place(
    database: Database, adapter: SupplierAdapter, plan: Plan, request: UpstreamOrderRequest
) -> Placement:
    upstream = None
    if plan.attempt > 1:  # an earlier attempt may have reached the supplier
        upstream = await look_up(adapter, plan.sub_order_no)
    if upstream is None:
        try:
            upstream = await adapter.submit_order(request)
        except _NOT_A_REFUSAL:
            raise
        except SupplierError as refusal:
            return await _refuse(database, plan.sub_order_no, refusal)
    if not same_lines(upstream.lines, request.lines):
        await hold(database, plan.sub_order_no, Alarm.THIRD_ORDER_MISMATCH, upstream, request)
        return Placement.HELD
    if upstream.status is UpstreamOrderStatus.CANCELLED:
        await _apply(
            database, plan.sub_order_no, SubOrderEvent.AUTO_CANCELLED, "supplier", upstream
        )
        return Placement.CANCELLED_BY_SUPPLIER
    status = await _record_placed(database, plan.sub_order_no, upstream)
    if status is SubOrderStatus.CANCELLED:  # the tenant cancelled while we were submitting
        return await _cancel_upstream(database, adapter, plan.sub_order_no, upstream)
    if status is not SubOrderStatus.SUBMITTED:
        return Placement.NOTHING
    return await _confirm(database, adapter, plan.sub_order_no, upstream.supplier_order_id)


async def look_up(adapter: SupplierAdapter, sub_order_no: str) -> UpstreamOrder | None:
    """The supplier's order under our ``thirdOrder``, or None when it never arrived."""
    supplier_order_id = await adapter.find_order(sub_order_no)
    if supplier_order_id is None:
        return None
    return await adapter.order_detail(supplier_order_id)


def same_lines(upstream: Sequence[OrderLine], ours: Sequence[OrderLine]) -> bool:
    """The same SKUs in the same quantities (prices are the supplier's to state)."""
    return Counter((x.sku, x.quantity) for x in upstream) == Counter(
        (x.sku, x.quantity) for x in ours
    )


async def _refuse(database: Database, sub_order_no: str, refusal: SupplierError) -> Placement:
    log.info("sub-order refused upstream", sub_order_no=sub_order_no, code=refusal.code)
    async with database.platform_transaction() as session:
        await apply_event(
            session,
            sub_order_no,
            SubOrderEvent.REFUSED,
            source="supplier",
            details={"code": refusal.code, "message": str(refusal)[:200]},
        )
    return Placement.REFUSED


async def _apply(
    database: Database,
    sub_order_no: str,
    event: SubOrderEvent,
    source: str,
    upstream: UpstreamOrder,
) -> None:
    async with database.platform_transaction() as session:
        details = {"upstream_order_id": upstream.supplier_order_id}
        await apply_event(session, sub_order_no, event, source=source, details=details)


async def _record_placed(
    database: Database, sub_order_no: str, upstream: UpstreamOrder
) -> SubOrderStatus:
    """Record the supplier's order id; ``placed`` when the sub-order still waits for it.
    Returns the sub-order's status afterwards."""
    async with database.platform_transaction() as session:
        # apply_event locks the order and reads the sub-order afresh: a cancellation that
        # committed meanwhile is seen, and ``placed`` is then ignored on the final status.
        decision = await apply_event(
            session,
            sub_order_no,
            SubOrderEvent.PLACED,
            source="system",
            details={"upstream_order_id": upstream.supplier_order_id},
        )
        sub = await repository.find_sub_order(session, sub_order_no)
        assert sub is not None  # apply_event found it
        sub.upstream_order_id = upstream.supplier_order_id
        return decision.status


async def _locked_sub_order(session: AsyncSession, sub_order_no: str) -> SubOrder:
    """The sub-order, read after locking its order (the lock apply_event takes too)."""
    found = await repository.find_sub_order(session, sub_order_no)
    if found is None or await repository.lock_order(session, found.order_id) is None:
        raise OrderNotFound(details={"sub_order_no": sub_order_no})
    sub = await repository.find_sub_order(session, sub_order_no)
    assert sub is not None
    return sub


async def _confirm(
    database: Database, adapter: SupplierAdapter, sub_order_no: str, supplier_order_id: str
) -> Placement:
    try:
        await adapter.confirm_order(supplier_order_id)  # confirming twice is harmless
    except UpstreamOrderCancelled:
        async with database.platform_transaction() as session:
            details = {"upstream_order_id": supplier_order_id}
            await apply_event(
                session, sub_order_no, SubOrderEvent.CANCELLED, source="supplier", details=details
            )
        return Placement.CANCELLED_BY_SUPPLIER
    async with database.platform_transaction() as session:
        await apply_event(
            session,
            sub_order_no,
            SubOrderEvent.CONFIRMED,
            source="system",
            details={"upstream_order_id": supplier_order_id},
        )
    return Placement.PLACED


async def _cancel_leftover(database: Database, adapter: SupplierAdapter, plan: Plan) -> Placement:
    """A sub-order cancelled here after an attempt: an upstream order may exist nonetheless
    (our commit of it was lost). Cancel it there too."""
    upstream = None
    if plan.upstream_order_id:
        upstream = await adapter.order_detail(plan.upstream_order_id)
    else:
        upstream = await look_up(adapter, plan.sub_order_no)
    if upstream is None or upstream.status is UpstreamOrderStatus.CANCELLED:
        return Placement.NOTHING
    return await _cancel_upstream(database, adapter, plan.sub_order_no, upstream)


async def _cancel_upstream(
    database: Database, adapter: SupplierAdapter, sub_order_no: str, upstream: UpstreamOrder
) -> Placement:
    try:
        await adapter.cancel_order(upstream.supplier_order_id)
    except UpstreamOrderCancelled:
        pass  # already cancelled there
    except CannotCancel:
        await hold(database, sub_order_no, Alarm.ORPHAN_NOT_CANCELLABLE, upstream, None)
        return Placement.HELD
    log.info(
        "upstream order of a cancelled sub-order cancelled",
        sub_order_no=sub_order_no,
        upstream_order_id=upstream.supplier_order_id,
    )
    async with database.platform_transaction() as session:
        sub = await _locked_sub_order(session, sub_order_no)
        sub.upstream_order_id = upstream.supplier_order_id
        await apply_event(
            session,
            sub_order_no,
            SubOrderEvent.CANCELLED,
            source="system",
            details={"upstream_order_id": upstream.supplier_order_id, "upstream": "cancelled"},
        )
    return Placement.CANCELLED_UPSTREAM


async def hold(
    database: Database,
    sub_order_no: str,
    reason: Alarm,
    upstream: UpstreamOrder,
    request: UpstreamOrderRequest | None,
) -> None:
    """Hold the sub-order for an operator and raise the alarm: ``held_reason`` on the
    sub-order, a ``held`` line on its timeline, an ``orders.alarm`` domain event (with both
    sides' lines, for the operator) and an error log. A mismatch (``request`` given) stores
    both sides' lines — SKU, name, quantity, price — on the ``held`` line for the 异常订单
    page (:mod:`hive.orders.alarm_lines`)."""
    ours = [] if request is None else [[x.sku, x.quantity] for x in request.lines]
    theirs = [[x.sku, x.quantity] for x in upstream.lines]
    log.error(
        "order alarm: sub-order held for an operator",
        sub_order_no=sub_order_no,
        reason=reason.value,
        upstream_order_id=upstream.supplier_order_id,
        our_lines=ours,
        upstream_lines=theirs,
    )
    async with database.platform_transaction() as session:
        sub = await _locked_sub_order(session, sub_order_no)
        sub.held_reason = reason.value
        details: dict[str, Any] = {"reason": reason.value}
        if request is not None:
            names = await repo.product_names(
                session, sub.supplier_id, skus_of(request.lines, upstream.lines)
            )
            details["ours"] = line_details(request.lines, names)
            details["theirs"] = line_details(upstream.lines, names)
        await repository.add(
            session,
            # MOVED: a line of its own on the timeline, as cancel_requested.
            OrderEvent.note(sub, "held", outcome=Outcome.MOVED, source="system", details=details),
        )
        raise_event(
            session,
            ALARM_EVENT,
            subject_type="sub_order",
            subject_id=sub.id,
            sub_order_no=sub_order_no,
            reason=reason.value,
            upstream_order_id=upstream.supplier_order_id,
            our_lines=ours,
            upstream_lines=theirs,
        )
