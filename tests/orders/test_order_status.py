"""The sub-order state machine (a table of allowed moves) and the order's derived status:
no sequence of events leaves the table, final states are final, duplicated and reordered
supplier messages converge to the state of the history in order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hive.orders.status import (
    FINAL,
    TRANSITIONS,
    Decision,
    OrderStatus,
    Outcome,
    SubOrderEvent,
    SubOrderStatus,
    check_sql,
    decide,
    order_status,
    replay,
    transition_table,
)

S, E = SubOrderStatus, SubOrderEvent
events = st.sampled_from(list(E))
statuses = st.sampled_from(list(S))


@given(st.lists(events, max_size=30))
def test_no_sequence_of_events_leaves_the_table(sequence: list[SubOrderEvent]) -> None:
    status = S.PENDING
    for event in sequence:
        decision = decide(status, event)
        if decision.outcome is Outcome.MOVED:
            assert TRANSITIONS[status][event] is decision.status
        else:
            assert decision.status is status
        status = decision.status
    assert status in set(S)


# Written out, not read from the code under test: a final state dropped from FINAL must fail
# the test below, not just leave it one state fewer to try.
FINAL_STATES = (S.COMPLETED, S.SPLIT, S.CANCELLED, S.FAILED)


@given(st.sampled_from(FINAL_STATES), st.lists(events, min_size=1, max_size=10))
def test_final_states_are_final(start: SubOrderStatus, sequence: list[SubOrderEvent]) -> None:
    assert start in FINAL
    assert TRANSITIONS[start] == {}
    for event in sequence:
        decision = decide(start, event)
        assert decision.outcome is Outcome.IGNORED and decision.status is start


@st.composite
def histories(draw: st.DrawFn) -> list[SubOrderEvent]:
    """A supplier history: a walk through the table, each event a real move."""
    status, walk = S.PENDING, []
    for _ in range(draw(st.integers(0, 8))):
        moves = sorted(TRANSITIONS[status].items())
        if not moves:
            break
        event, status = draw(st.sampled_from(moves))
        walk.append(event)
    return walk


@given(histories(), st.data())
def test_duplicated_and_reordered_messages_converge(
    history: list[SubOrderEvent], data: st.DataObject
) -> None:
    copies = data.draw(st.lists(st.sampled_from(history), max_size=10)) if history else []
    delivered = data.draw(st.permutations(history + copies))
    assert replay(delivered) is replay(history)


def test_a_tenant_cannot_cancel_a_shipped_sub_order_and_stale_messages_are_ignored() -> None:
    assert decide(S.SHIPPED, E.CANCELLED).outcome is Outcome.REFUSED
    assert decide(S.SHIPPED, E.CONFIRMED) == decide(S.SHIPPED, E.PLACED)
    assert decide(S.SHIPPED, E.CONFIRMED).outcome is Outcome.IGNORED
    assert decide(S.SUBMITTED, E.DELIVERED).status is S.DELIVERED  # a jump over lost stages
    assert decide(S.PENDING, E.REFUSED).status is S.FAILED
    assert decide(S.CONFIRMED, E.REFUSED).outcome is Outcome.REFUSED


@given(st.lists(statuses, min_size=1, max_size=6))
def test_the_order_status_follows_its_sub_orders(subs: list[SubOrderStatus]) -> None:
    status = order_status(subs)
    counted = [S.SUBMITTED if s is S.SPLIT else s for s in subs]
    live = [s for s in counted if s not in (S.FAILED, S.CANCELLED)]
    if not live:
        assert status in (OrderStatus.FAILED, OrderStatus.CANCELLED)
        assert (status is OrderStatus.FAILED) == all(s is S.FAILED for s in counted)
    elif S.FAILED in counted:
        assert status is OrderStatus.PARTIALLY_FAILED
    else:
        assert status.value in {s.value for s in live} or status is OrderStatus.ACCEPTED
    assert order_status(list(reversed(subs))) is status


def test_known_order_statuses() -> None:
    assert order_status([S.SHIPPED, S.CONFIRMED]) is OrderStatus.CONFIRMED
    assert order_status([S.SHIPPED, S.SHIPPED]) is OrderStatus.SHIPPED  # a split's children
    assert order_status([S.SPLIT, S.SHIPPED]) is OrderStatus.SUBMITTED  # children not yet known
    assert order_status([S.SPLIT]) is OrderStatus.SUBMITTED
    assert order_status([S.FAILED, S.SHIPPED]) is OrderStatus.PARTIALLY_FAILED
    assert order_status([S.CANCELLED, S.FAILED]) is OrderStatus.CANCELLED
    assert order_status([S.FAILED, S.FAILED]) is OrderStatus.FAILED
    assert order_status([S.PENDING]) is OrderStatus.ACCEPTED


_CANCEL = {E.CANCELLED: S.CANCELLED, E.AUTO_CANCELLED: S.CANCELLED, E.SPLIT: S.SPLIT}
_UNSUBMITTED = {E.REFUSED: S.FAILED, E.TIMED_OUT: S.CANCELLED}
_AFTER_CONFIRMED = {E.SHIPPED: S.SHIPPED, E.DELIVERED: S.DELIVERED, E.COMPLETED: S.COMPLETED}
# Every allowed move, written out.
TABLE = {
    S.PENDING: {
        E.PLACED: S.SUBMITTED,
        E.CONFIRMED: S.CONFIRMED,
        **_AFTER_CONFIRMED,
        **_CANCEL,
        **_UNSUBMITTED,
    },
    S.SUBMITTED: {E.CONFIRMED: S.CONFIRMED, **_AFTER_CONFIRMED, **_CANCEL, **_UNSUBMITTED},
    S.CONFIRMED: {**_AFTER_CONFIRMED, **_CANCEL},
    S.SHIPPED: {E.DELIVERED: S.DELIVERED, E.COMPLETED: S.COMPLETED},
    S.DELIVERED: {E.COMPLETED: S.COMPLETED},
    S.COMPLETED: {},
    S.SPLIT: {},
    S.CANCELLED: {},
    S.FAILED: {},
}


def test_the_table_of_moves_is_exactly_this() -> None:
    assert TABLE == TRANSITIONS


def test_the_table_built_from_the_stages_is_exactly_this() -> None:
    """Built again here: TRANSITIONS is built at import, before mutation testing switches on
    a changed version of the function, so a test that only read TRANSITIONS would never see
    one."""
    assert transition_table() == TABLE


def test_a_repeated_stage_is_ignored_and_an_event_the_table_lacks_is_refused() -> None:
    assert decide(S.SHIPPED, E.SHIPPED) == Decision(Outcome.IGNORED, S.SHIPPED)
    assert decide(S.SUBMITTED, E.PLACED) == Decision(Outcome.IGNORED, S.SUBMITTED)
    assert decide(S.SHIPPED, E.TIMED_OUT) == Decision(Outcome.REFUSED, S.SHIPPED)
    assert decide(S.DELIVERED, E.SPLIT) == Decision(Outcome.REFUSED, S.DELIVERED)
    assert decide(S.CANCELLED, E.PLACED) == Decision(Outcome.IGNORED, S.CANCELLED)
    assert replay([E.PLACED, E.SHIPPED, E.CONFIRMED, E.COMPLETED]) is S.COMPLETED
    assert replay([E.SHIPPED], start=S.CONFIRMED) is S.SHIPPED


def test_an_order_without_sub_orders_has_no_status() -> None:
    with pytest.raises(ValueError, match=r"^an order has at least one sub-order$"):
        order_status([])


def test_the_check_constraint_allows_exactly_the_enum_values() -> None:
    assert check_sql("status", [S.PENDING, S.SPLIT]) == "status IN ('pending', 'split')"
    assert check_sql("outcome", Outcome) == "outcome IN ('moved', 'ignored', 'refused')"
