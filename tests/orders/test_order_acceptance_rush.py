"""200 orders at once against money that covers exactly 100 of them, through the whole
acceptance (library, prices, split by supplier, one freeze per sub-order, jobs) on a pool of
real connections: exactly 100 are accepted, the rest refused with ``insufficient_funds`` and
leave nothing behind, and the available balance and credit end at exactly 0, never below."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from hive.billing import service as billing
from hive.billing.errors import InsufficientFunds
from hive.billing.schemas import Adjustment
from hive.orders.acceptance import accept_order
from hive.platform.db import Database
from tests.orders.test_order_acceptance import SECRETS, Shop, buyer, request, shop, world
from tests.support.billing import FINANCE, fund, ledger_report, pooled, summary

__all__ = ["pooled", "shop", "world"]
ORDERS = 200
COVERED = 100
ON_CREDIT = 40  # of the covered orders' worth, this many are the credit line's


def _items(shop: Shop) -> list[dict[str, int]]:
    """One charger and one pair of earphones: two suppliers, so two freezes per order."""
    return [
        {"product_id": p, "quantity": 1, "unit_price": shop.prices[p]}
        for p in (shop.charger, shop.earphones)
    ]


async def _order(shop: Shop, database: Database, number: int, gate: asyncio.Event) -> str:
    body = request(shop, order_no=f"RUSH-{number}", items=_items(shop))
    await gate.wait()
    try:
        async with database.platform_transaction() as session:
            accepted = await accept_order(session, buyer(shop.tenant), shop.tenant, body, SECRETS)
    except InsufficientFunds:
        return "refused"
    assert accepted.created
    return "accepted"


async def _cover_exactly(shop: Shop, order_fen: int) -> None:
    """Leave the tenant exactly COVERED orders' worth: part prepaid balance, part credit."""
    db = shop.world.database
    before = await summary(db, shop.tenant)
    target = (COVERED - ON_CREDIT) * order_fen
    async with db.platform_transaction() as session:
        change = Adjustment(
            tenant_id=shop.tenant, amount_fen=target - before.available_fen, note="只够一百单"
        )
        await billing.adjust(session, FINANCE, change)
    await fund(db, shop.tenant, 0, credit_fen=ON_CREDIT * order_fen)


async def test_two_hundred_parallel_orders_against_money_for_one_hundred(
    shop: Shop, pooled: Database
) -> None:
    order_fen = sum(line["unit_price"] for line in _items(shop))
    await _cover_exactly(shop, order_fen)
    gate = asyncio.Event()
    calls = [asyncio.create_task(_order(shop, pooled, n, gate)) for n in range(ORDERS)]
    gate.set()
    outcomes = await asyncio.gather(*calls)
    assert outcomes.count("accepted") == COVERED
    assert outcomes.count("refused") == ORDERS - COVERED
    after = await summary(pooled, shop.tenant)
    assert (after.available_fen, after.credit_available_fen) == (0, 0)
    assert after.frozen_fen + after.credit_frozen_fen == COVERED * order_fen
    async with pooled.platform_transaction() as session:
        counts = (
            await session.execute(
                text(
                    "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM sub_orders), "
                    "(SELECT count(*) FROM freezes), (SELECT coalesce(sum(amount_fen), 0) "
                    "FROM freezes), (SELECT count(*) FROM procrastinate_jobs "
                    "WHERE task_name = 'hive.orders.submit_sub_order')"
                )
            )
        ).one()
    assert tuple(counts) == (COVERED, 2 * COVERED, 2 * COVERED, COVERED * order_fen, 2 * COVERED)
    assert (await ledger_report(pooled)).in_balance
