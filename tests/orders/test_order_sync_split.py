"""A supplier's split recorded from its order detail: child sub-orders carry every unit exactly
once, the parent's freeze is split over them exactly, the parent goes to 'split', children
follow their upstream status with waybills, and recording it again changes nothing."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from hive.orders import repository, sync_repository
from hive.orders.lifecycle import apply_event
from hive.orders.splits import SplitMismatch
from hive.orders.status import Outcome, SubOrderEvent, SubOrderStatus
from hive.orders.sync import Upstream, apply_upstream
from hive.suppliers.types import (
    OrderLine,
    OrderTrack,
    TrackEvent,
    UpstreamOrder,
    UpstreamOrderStatus,
    Waybill,
)
from tests.orders.test_order_acceptance import Shop, place, request, shop, world
from tests.support.billing import fund, ledger_report

__all__ = ["shop", "world"]
U = UpstreamOrderStatus
PHONE, CHARGER = "T000001", "T000002"  # the first sub-order: 2 phones (line 1), 3 chargers (3)
_numbers = itertools.count(1)


def child(upstream_id: str, status: U, *lines: tuple[str, int]) -> UpstreamOrder:
    return UpstreamOrder(
        supplier_order_id=upstream_id,
        order_no="",
        status=status,
        total_fen=0,
        freight_fen=0,
        lines=tuple(OrderLine(sku, quantity, 1) for sku, quantity in lines),
        parent_id="P1",
    )


def split(*children: UpstreamOrder, tracks: dict[str, OrderTrack] | None = None) -> Upstream:
    parent = UpstreamOrder("P1", "", U.CONFIRMED, 0, 0, (), children=children)
    return Upstream(parent, tracks or {})


async def first_sub_order(shop: Shop) -> tuple[int, str]:
    await fund(shop.world.database, shop.tenant, 12_000_00)  # what one order holds
    order = (await place(shop, request(shop, order_no=f"PO-S{next(_numbers)}"))).order
    number = f"HV{order.id:010d}-01"
    async with shop.world.database.platform_transaction() as session:
        sub = await repository.find_sub_order(session, number)
        assert sub is not None
        sub.upstream_order_id, sub.status = f"P{order.id}", "submitted"
    return order.id, number


async def apply(shop: Shop, number: str, upstream: Upstream) -> None:
    async with shop.world.database.platform_transaction() as session:
        await apply_upstream(session, number, upstream, via="test")


async def picture(shop: Shop, order_id: int) -> dict[str, object]:
    async with shop.world.database.platform_transaction() as session:
        subs = await repository.sub_orders_of(session, order_id)
        items = await repository.items_of(session, order_id)
        freezes = dict(
            (
                await session.execute(
                    text("SELECT reference, open_balance_fen + open_credit_fen FROM freezes")
                )
            ).all()
        )
        waybills = await sync_repository.waybills_of(session, [s.id for s in subs])
        order_status = await session.scalar(
            text("SELECT status FROM orders WHERE id = :id"), {"id": order_id}
        )
    number_of = {s.id: s.sub_order_no for s in subs}
    return {
        "subs": {s.sub_order_no: (s.status, s.total_fen, s.upstream_order_id) for s in subs},
        "items": sorted(
            (number_of[i.sub_order_id], i.product_id, i.quantity, i.amount_fen) for i in items
        ),
        "held": {no: freezes.get(no, 0) for no in number_of.values()},
        "waybills": [(number_of[w.sub_order_id], w.carrier, w.waybill_no) for w in waybills],
        "order": order_status,
    }


async def test_a_split_moves_items_and_money_to_the_children_and_they_follow_upstream(
    shop: Shop,
) -> None:
    order_id, number = await first_sub_order(shop)
    before = await picture(shop, order_id)
    parent_total = before["subs"][number][1]  # type: ignore[index]
    shipped_at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    track = OrderTrack(
        "C1",
        (TrackEvent(shipped_at, "已出库，京东快递运单号：JDV1"),),
        (Waybill("京东快递", "JDV1", "C1"), Waybill("京东快递", "JDV9", "C2")),
    )
    upstream = split(
        child("C1", U.SHIPPED, (PHONE, 2)),
        child("C2", U.IN_PRODUCTION, (CHARGER, 3)),
        tracks={"C1": track},
    )
    await apply(shop, number, upstream)
    after = await picture(shop, order_id)
    phone, charger = shop.prices[shop.phone], shop.prices[shop.charger]
    subs = after["subs"]
    assert subs[number][0] == "split"  # type: ignore[index]
    assert subs[f"{number}-1"] == ("shipped", 2 * phone, "C1")  # type: ignore[index]
    assert subs[f"{number}-2"] == ("confirmed", 3 * charger, "C2")  # type: ignore[index]
    assert after["items"] == sorted(
        [
            (f"{number}-1", shop.phone, 2, 2 * phone),
            (f"{number}-2", shop.charger, 3, 3 * charger),
            (f"HV{order_id:010d}-02", shop.earphones, 1, shop.prices[shop.earphones]),
        ]
    )
    held = after["held"]
    assert held[number] == 0 and held[f"{number}-1"] + held[f"{number}-2"] == parent_total  # type: ignore[index]
    assert after["waybills"] == [(f"{number}-1", "京东快递", "JDV1")]  # not the other child's
    assert after["order"] == "accepted"  # the second supplier's sub-order is not placed yet

    await apply(shop, number, upstream)  # the same split read again (a repeated job)
    assert await picture(shop, order_id) == after
    assert (await ledger_report(shop.world.database)).in_balance


async def test_a_line_the_supplier_divides_is_shared_without_losing_a_unit(shop: Shop) -> None:
    order_id, number = await first_sub_order(shop)
    await apply(
        shop,
        number,
        split(
            child("C1", U.CONFIRMED, (PHONE, 1), (CHARGER, 1)),
            child("C2", U.CONFIRMED, (CHARGER, 2), (PHONE, 1)),
        ),
    )
    async with shop.world.database.platform_transaction() as session:
        items = await repository.items_of(session, order_id)
    lines = [(i.line_no, i.product_id, i.quantity) for i in items]
    assert lines[:3] == [(1, shop.phone, 1), (2, shop.earphones, 1), (3, shop.charger, 1)]
    assert sorted(lines[3:]) == [(4, shop.charger, 2), (5, shop.phone, 1)]
    assert all(i.amount_fen == i.quantity * i.unit_price_fen for i in items)


@pytest.mark.parametrize(
    "children",
    [
        [child("C1", U.CONFIRMED, (PHONE, 2)), child("C2", U.CONFIRMED, (CHARGER, 2))],
        [child("C1", U.CONFIRMED, (PHONE, 2), (CHARGER, 3)), child("C2", U.CONFIRMED, (PHONE, 1))],
        [child("C1", U.CONFIRMED, (PHONE, 2)), child("C2", U.CONFIRMED, ("T999999", 3))],
    ],
    ids=["a unit left over", "a unit too many", "an unknown sku"],
)
async def test_a_split_that_does_not_match_the_order_is_refused_and_writes_nothing(
    shop: Shop, children: list[UpstreamOrder]
) -> None:
    order_id, number = await first_sub_order(shop)
    before = await picture(shop, order_id)
    with pytest.raises(SplitMismatch):
        await apply(shop, number, split(*children))
    assert await picture(shop, order_id) == before


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(owners=st.lists(st.integers(0, 2), min_size=5, max_size=5))
async def test_any_division_of_the_units_keeps_every_unit_once_and_the_freeze_exact(
    shop: Shop, owners: list[int]
) -> None:
    """``owners``: which child gets each unit (2 phones, then 3 chargers)."""
    units_of = [
        Counter(
            sku
            for sku, owner in zip([PHONE] * 2 + [CHARGER] * 3, owners, strict=True)
            if owner == k
        )
        for k in range(3)
    ]
    order_id, number = await first_sub_order(shop)
    children = [
        child(f"C{order_id}-{k}", U.CONFIRMED, *sorted(units.items()))
        for k, units in enumerate(units_of)
        if units
    ]
    total = (await picture(shop, order_id))["subs"][number][1]  # type: ignore[index]
    await apply(shop, number, split(*children))
    after = await picture(shop, order_id)
    units: Counter[int] = Counter()
    for owner, product, quantity, _ in after["items"]:  # type: ignore[attr-defined]
        if owner.startswith(f"{number}-"):
            units[product] += quantity
    assert units == {shop.phone: 2, shop.charger: 3}
    held: dict[str, int] = after["held"]  # type: ignore[assignment]
    children_held = [v for k, v in held.items() if k.startswith(f"{number}-")]
    assert sum(children_held) == total and held[number] == 0
    assert len(children_held) == len(children)
    # The ledger check: postings balance, and frozen balances equal the open freezes.
    assert (await ledger_report(shop.world.database)).in_balance


async def test_a_split_reported_after_shipment_is_left_alone(shop: Shop) -> None:
    order_id, number = await first_sub_order(shop)
    async with shop.world.database.platform_transaction() as session:
        sub = await repository.find_sub_order(session, number)
        assert sub is not None
        sub.status = "shipped"
    before = await picture(shop, order_id)
    await apply(shop, number, split(child("C1", U.SHIPPED, (PHONE, 2), (CHARGER, 3))))
    assert await picture(shop, order_id) == before  # no children, items and money unmoved


async def test_a_split_parent_does_not_hold_the_order_back_once_its_children_are_recorded(
    shop: Shop,
) -> None:
    """The order's status counts the children, not the parent (which would count as
    submitted): with both children and the other sub-order shipped, the order is shipped."""
    order_id, number = await first_sub_order(shop)
    await apply(
        shop,
        number,
        split(child("C1", U.SHIPPED, (PHONE, 2)), child("C2", U.SHIPPED, (CHARGER, 3))),
    )
    other = f"HV{order_id:010d}-02"
    async with shop.world.database.platform_transaction() as session:
        shipped = await apply_event(session, other, SubOrderEvent.SHIPPED, source="supplier")
    assert (shipped.outcome, shipped.status) == (Outcome.MOVED, SubOrderStatus.SHIPPED)
    after = await picture(shop, order_id)
    assert {no: status for no, (status, _, _) in after["subs"].items()} == {  # type: ignore[attr-defined]
        number: "split",
        f"{number}-1": "shipped",
        f"{number}-2": "shipped",
        other: "shipped",
    }
    assert after["order"] == "shipped"
