"""Recording a supplier's split of a sub-order: child sub-orders, their items, their money.

When a supplier splits an order (VOP: one child per warehouse), the parent sub-order hands over
to one child sub-order per child order, in one transaction under the order's lock:

* each child is numbered ``<parent number>-<n>`` in the supplier's order of children, carries
  the child's supplier order id and starts where the parent was (``confirmed``, usually; at
  least ``submitted``: it exists upstream), so the order's status never goes back;
* the parent's items **move** to the children by SKU, line order first, so each unit belongs
  to exactly one sub-order; a line the supplier divided keeps its row for the first part, the
  other parts get new lines after the order's last one. A child line we cannot match, or a
  unit no child takes, refuses the split (:class:`SplitMismatch`): nothing is written;
* the parent's freight is split over the children by their goods (largest remainder, ties to
  the earlier child), and what the parent's freeze still holds is released and frozen again
  under the children's numbers in the same shares, so the children's freezes sum to exactly
  what the parent held;
* the parent moves to ``split`` through :func:`hive.orders.lifecycle.apply_event`.

Recording the same split again finds the children and does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from hive.billing import freezes
from hive.orders import repository, sync_repository
from hive.orders.lifecycle import apply_event
from hive.orders.models import OrderItem, SubOrder
from hive.orders.status import (
    FINAL,
    PROGRESS,
    Outcome,
    SubOrderEvent,
    SubOrderStatus,
    decide,
)
from hive.platform.actor import SYSTEM
from hive.platform.errors import Conflict
from hive.platform.logging import get_logger
from hive.platform.money import split_largest_remainder
from hive.suppliers.types import UpstreamOrder

log = get_logger(__name__)


class SplitMismatch(Conflict):
    """The supplier's children do not carry exactly the parent's units; ``details`` say which
    SKU. Nothing is recorded; the sync holds the sub-order for an operator
    (:func:`hive.orders.sync.hold_split_mismatch`)."""

    code = "order_split_mismatch"
    default_message = "供应商拆单与原订单商品不符 / The supplier's split does not match the order"


@dataclass
class _Part:
    """What one child takes: (item, quantity) pairs."""

    takes: list[tuple[OrderItem, int]] = field(default_factory=list)

    @property
    def items_fen(self) -> int:
        return sum(item.unit_price_fen * quantity for item, quantity in self.takes)


async def record_split(
    session: AsyncSession, parent_no: str, detail: UpstreamOrder
) -> list[SubOrder]:
    """Record ``detail.children`` as the children of sub-order ``parent_no`` (see the module
    docstring); returns the children (those already recorded, on a repeat). A parent the state
    machine does not let split (final, or shipped) is left alone (returns []). Raises
    ``order_split_mismatch``."""
    parent = await repository.find_sub_order(session, parent_no)
    if parent is None or not detail.children:
        return []
    await repository.lock_order(session, parent.order_id)
    existing = await sync_repository.children_of(session, parent.id)
    status = SubOrderStatus(parent.status)
    if existing or decide(status, SubOrderEvent.SPLIT).outcome is not Outcome.MOVED:
        if not existing and status not in FINAL:
            log.warning("split reported for a sub-order past shipment", sub_order_no=parent_no)
        return existing
    items = await sync_repository.items_with_skus(session, parent.id)
    parts = _allocate(parent_no, items, detail.children)
    children = await _create_children(session, parent, detail.children, parts)
    await _move_items(session, parent, children, parts)
    await _split_freeze(session, parent, children)
    await apply_event(
        session,
        parent_no,
        SubOrderEvent.SPLIT,
        source="supplier",
        details={"children": [child.sub_order_no for child in children]},
    )
    log.info("sub-order split", sub_order_no=parent_no, children=len(children))
    return children


def _allocate(
    parent_no: str, items: list[sync_repository.ItemSku], children: tuple[UpstreamOrder, ...]
) -> list[_Part]:
    """Each child's share of the parent's items: by SKU, earlier lines first."""
    left = {row.item.id: row.item.quantity for row in items}
    parts = []
    for child in children:
        part = _Part()
        for line in child.lines:
            wanted = line.quantity
            for row in items:
                if wanted == 0:
                    break
                if row.sku == line.sku and left[row.item.id] > 0:
                    taken = min(wanted, left[row.item.id])
                    part.takes.append((row.item, taken))
                    left[row.item.id] -= taken
                    wanted -= taken
            if wanted:
                raise SplitMismatch(details={"sub_order_no": parent_no, "sku": line.sku})
        parts.append(part)
    unplaced = [row.sku for row in items if left[row.item.id]]
    if unplaced:
        raise SplitMismatch(details={"sub_order_no": parent_no, "sku": unplaced[0]})
    return parts


async def _create_children(
    session: AsyncSession,
    parent: SubOrder,
    upstream: tuple[UpstreamOrder, ...],
    parts: list[_Part],
) -> list[SubOrder]:
    goods = [part.items_fen for part in parts]
    freights = split_largest_remainder(
        parent.freight_fen, goods if sum(goods) > 0 else [1] * len(goods)
    )
    children = []
    for number, (child, part, freight) in enumerate(zip(upstream, parts, freights, strict=True)):
        row = SubOrder(
            tenant_id=parent.tenant_id,
            order_id=parent.order_id,
            parent_id=parent.id,
            sub_order_no=f"{parent.sub_order_no}-{number + 1}",
            supplier_id=parent.supplier_id,
            # Where the parent was (confirmed, usually), so the order's status does not go
            # back; at least submitted, since the child exists upstream.
            status=max(
                SubOrderStatus(parent.status), SubOrderStatus.SUBMITTED, key=PROGRESS.index
            ).value,
            items_fen=part.items_fen,
            freight_fen=freight,
            total_fen=part.items_fen + freight,
            upstream_order_id=child.supplier_order_id,
        )
        await repository.add(session, row)
        children.append(row)
    return children


async def _move_items(
    session: AsyncSession, parent: SubOrder, children: list[SubOrder], parts: list[_Part]
) -> None:
    """Hand each item (or each part of a divided line) to its child."""
    next_line = await sync_repository.last_line_no(session, parent.order_id)
    seen: set[int] = set()
    for child, part in zip(children, parts, strict=True):
        for item, quantity in part.takes:
            if item.id not in seen:
                seen.add(item.id)
                item.sub_order_id, item.quantity = child.id, quantity
                item.amount_fen = quantity * item.unit_price_fen
                continue
            next_line += 1
            session.add(
                OrderItem(
                    tenant_id=item.tenant_id,
                    order_id=item.order_id,
                    sub_order_id=child.id,
                    line_no=next_line,
                    product_id=item.product_id,
                    quantity=quantity,
                    unit_price_fen=item.unit_price_fen,
                    amount_fen=quantity * item.unit_price_fen,
                    purchase_price_fen=item.purchase_price_fen,
                )
            )
    await session.flush()


async def _split_freeze(session: AsyncSession, parent: SubOrder, children: list[SubOrder]) -> None:
    """Release what the parent holds and hold it again under the children, in proportion to
    their totals: the children's freezes sum to exactly what the parent held."""
    held = await freezes.held_for(session, parent.tenant_id, parent.sub_order_no)
    if held == 0:
        return
    totals = [child.total_fen for child in children]
    shares = split_largest_remainder(held, totals if sum(totals) > 0 else [1] * len(totals))
    await freezes.release_remaining(session, SYSTEM, parent.tenant_id, parent.sub_order_no)
    for child, share in zip(children, shares, strict=True):
        if share > 0:
            await freezes.freeze(session, SYSTEM, parent.tenant_id, child.sub_order_no, share)
