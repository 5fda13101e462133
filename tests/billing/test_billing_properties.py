"""Property tests: the freeze, capture and release plans, and the ledger's invariants under
any sequence of operations on real PostgreSQL."""

from __future__ import annotations

import contextlib
import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hive.billing import freezes
from hive.billing import service as billing
from hive.billing.errors import (
    CreditLimitBelowUse,
    ExceedsFreeze,
    FreezeConflict,
    FreezeNotFound,
    InsufficientFunds,
)
from hive.billing.ledger import (
    TENANT_ACCOUNTS,
    AccountKind,
    LedgerAccount,
    Posting,
    Split,
    UnbalancedEntry,
    balanced,
    capture_postings,
    freeze_postings,
    plan_capture,
    plan_freeze,
    plan_release,
    release_postings,
)
from hive.billing.schemas import Adjustment, CreditLimit, TopUp
from hive.platform.actor import SYSTEM
from hive.platform.db import Database
from tests.support.billing import FINANCE, ledger_report, summary, tenant_actor
from tests.support.factories import make_tenant

fen = st.integers(min_value=0, max_value=10**9)


@given(amount=st.integers(min_value=1, max_value=10**9), balance=fen, credit=fen)
def test_a_freeze_plan_takes_the_balance_first_and_never_more_than_there_is(
    amount: int, balance: int, credit: int
) -> None:
    split = plan_freeze(amount, balance, credit)
    if amount > balance + credit:
        assert split is None
        return
    assert split is not None
    assert split.total_fen == amount
    assert 0 <= split.balance_fen <= balance and 0 <= split.credit_fen <= credit
    assert split.credit_fen == 0 or split.balance_fen == balance  # credit only once it is spent


@given(amount=st.integers(min_value=1, max_value=10**9), held_balance=fen, held_credit=fen)
def test_capture_and_release_plans_stay_within_what_is_held(
    amount: int, held_balance: int, held_credit: int
) -> None:
    capture = plan_capture(amount, held_balance, held_credit)
    release = plan_release(amount, held_balance, held_credit)
    if amount > held_balance + held_credit:
        assert capture is None and release is None
        return
    assert capture is not None and release is not None
    for split in (capture, release):
        assert split.total_fen == amount
        assert 0 <= split.balance_fen <= held_balance and 0 <= split.credit_fen <= held_credit
    assert capture.credit_fen == 0 or capture.balance_fen == held_balance
    assert release.balance_fen == 0 or release.credit_fen == held_credit


@given(balance=fen, credit=fen, payable=fen)
def test_every_entry_the_plans_make_sums_to_zero(balance: int, credit: int, payable: int) -> None:
    split = Split(balance, credit)
    for postings in (
        freeze_postings(split),
        release_postings(split),
        capture_postings(split, payable),
    ):
        if any(p.amount_fen for p in postings):
            assert sum(p.amount_fen for p in balanced(postings)) == 0


def test_the_plans_split_known_amounts_and_refuse_nothing_to_move() -> None:
    assert plan_freeze(700, 500, 400) == Split(500, 200)
    assert plan_freeze(900, 500, 400) == Split(500, 400)
    assert plan_freeze(300, 500, 400) == Split(300, 0)
    assert plan_freeze(901, 500, 400) is None
    assert plan_capture(700, 500, 400) == Split(500, 200)
    assert plan_capture(300, 500, 400) == Split(300, 0)
    assert plan_capture(900, 500, 400) == Split(500, 400)
    assert plan_capture(901, 500, 400) is None
    assert plan_release(700, 500, 400) == Split(300, 400)
    assert plan_release(300, 500, 400) == Split(0, 300)
    assert plan_release(900, 500, 400) == Split(500, 400)
    assert plan_release(901, 500, 400) is None
    for plan in (plan_freeze, plan_capture, plan_release):
        assert plan(0, 500, 400) is None
        assert plan(-1, 500, 400) is None
    assert Split(500, 200).total_fen == 700


def test_each_entry_posts_these_lines() -> None:
    B, C = LedgerAccount, AccountKind
    split = Split(500, 200)
    assert freeze_postings(split) == [
        Posting(B.BALANCE_AVAILABLE, -500),
        Posting(B.BALANCE_FROZEN, 500),
        Posting(B.CREDIT_AVAILABLE, -200),
        Posting(B.CREDIT_FROZEN, 200),
    ]
    assert release_postings(split) == [
        Posting(B.BALANCE_AVAILABLE, 500),
        Posting(B.BALANCE_FROZEN, -500),
        Posting(B.CREDIT_AVAILABLE, 200),
        Posting(B.CREDIT_FROZEN, -200),
    ]
    assert capture_postings(split, 600) == [
        Posting(B.BALANCE_FROZEN, -500),
        Posting(B.CREDIT_FROZEN, -200),
        Posting(B.SUPPLIER_PAYABLE, 600),
        Posting(B.REVENUE, 100),
    ]
    assert (C.BALANCE.available, C.BALANCE.frozen) == (B.BALANCE_AVAILABLE, B.BALANCE_FROZEN)
    assert (C.CREDIT.available, C.CREDIT.frozen) == (B.CREDIT_AVAILABLE, B.CREDIT_FROZEN)
    assert [a.value for a in B] == [
        "balance.available",
        "balance.frozen",
        "credit.available",
        "credit.frozen",
        "platform.cash",
        "platform.adjustment",
        "platform.credit_line",
        "platform.revenue",
        "supplier.payable",
    ]
    assert (
        {a for a in B if a.is_tenant}
        == TENANT_ACCOUNTS
        == {
            B.BALANCE_AVAILABLE,
            B.BALANCE_FROZEN,
            B.CREDIT_AVAILABLE,
            B.CREDIT_FROZEN,
        }
    )


def test_an_entry_keeps_its_moving_lines_and_refuses_to_be_unbalanced_or_empty() -> None:
    B = LedgerAccount
    lines = [Posting(B.CASH, -300), Posting(B.REVENUE, 0), Posting(B.BALANCE_AVAILABLE, 300)]
    assert balanced(lines) == [lines[0], lines[2]]
    unbalanced = [Posting(B.CASH, -300), Posting(B.BALANCE_AVAILABLE, 299)]
    with pytest.raises(UnbalancedEntry, match=r"^postings must move money and sum to zero: "):
        balanced(unbalanced)
    for nothing in ([], [Posting(B.CASH, 0)]):
        with pytest.raises(UnbalancedEntry, match=r"^postings must move money and sum to zero: "):
            balanced(nothing)


refs = st.sampled_from(["SO-1", "SO-2"])
amounts = st.integers(min_value=1, max_value=3_000)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("top_up"), amounts),
        st.tuples(st.just("adjust"), st.integers(-3_000, 3_000).filter(bool)),
        st.tuples(st.just("credit"), st.integers(0, 5_000)),
        st.tuples(st.just("freeze"), refs, amounts),
        st.tuples(st.just("capture"), refs, amounts, st.integers(0, 3_000)),
        st.tuples(st.just("release"), refs, amounts),
        st.tuples(st.just("release_all"), refs),
    ),
    min_size=1,
    max_size=10,
)
# Every sequence starts from money on the account, so freezes and captures mostly succeed.
openings = st.tuples(st.integers(1, 10_000), st.integers(0, 5_000))
EXPECTED_REFUSALS = (
    InsufficientFunds,
    ExceedsFreeze,
    FreezeNotFound,
    FreezeConflict,
    CreditLimitBelowUse,
)
_tenants = itertools.count()


async def _apply(
    database: Database, tenant: int, op: tuple[Any, ...], money: dict[str, int]
) -> None:
    """Run one operation in its own transaction; ``money`` counts what went in and out."""
    kind, *args = op
    async with database.platform_transaction() as session:
        if kind == "top_up":
            await billing.top_up(
                session, FINANCE, TopUp(tenant_id=tenant, amount_fen=args[0], note="t")
            )
            money["in"] += args[0]
        elif kind == "adjust":
            await billing.adjust(
                session, FINANCE, Adjustment(tenant_id=tenant, amount_fen=args[0], note="a")
            )
            money["in"] += args[0]
        elif kind == "credit":
            before = (await billing.account_summary(session, FINANCE, tenant)).credit_limit_fen
            await billing.set_credit_limit(
                session, FINANCE, CreditLimit(tenant_id=tenant, limit_fen=args[0], note="c")
            )
            money["in"] += args[0] - before
        elif kind == "freeze":
            await freezes.freeze(session, tenant_actor(tenant), tenant, args[0], args[1])
        elif kind == "capture":
            await freezes.capture(
                session, SYSTEM, tenant, args[0], args[1], supplier_payable_fen=args[2]
            )
            money["out"] += args[1]
        elif kind == "release":
            await freezes.release(session, SYSTEM, tenant, args[0], args[1])
        else:
            await freezes.release_remaining(session, SYSTEM, tenant, args[0])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(opening=openings, ops=operations)
async def test_any_sequence_of_operations_keeps_the_books_in_balance(
    database: Database, opening: tuple[int, int], ops: list[tuple[Any, ...]]
) -> None:
    tenant = await make_tenant(database, f"prop-{next(_tenants)}")
    money = {"in": 0, "out": 0}
    start = [("top_up", opening[0]), ("credit", opening[1]), ("freeze", "SO-1", opening[0])]
    for op in [*start, *ops]:
        with contextlib.suppress(EXPECTED_REFUSALS):
            await _apply(database, tenant, op, money)
        now = await summary(database, tenant)
        assert min(now.available_fen, now.frozen_fen, now.credit_available_fen) >= 0
        assert now.credit_used_fen >= 0
        held = now.available_fen + now.frozen_fen + now.credit_available_fen + now.credit_frozen_fen
        assert held == money["in"] - money["out"]
    report = await ledger_report(database)
    assert report.in_balance, report.summary()
