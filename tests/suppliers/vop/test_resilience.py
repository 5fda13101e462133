"""The adapter under trouble: expired tokens, lost answers, 5001 storms, rate limits."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest

from hive.platform.db import Database
from hive.suppliers.errors import CircuitOpen, SupplierUnavailable
from hive.suppliers.resilience.breaker import BreakerState
from hive.suppliers.resilience.metrics import SUPPLIER_ERRORS
from hive.suppliers.types import (
    Area,
    OrderLine,
    Recipient,
    SearchQuery,
    UpstreamOrderRequest,
    UpstreamOrderStatus,
)
from tests.support.vop import AdapterKit, Simulator, register_vop

RECIPIENT = Recipient(
    name="张三", mobile="13800000000", address="朝阳区建国路 1 号", area=Area(1, 72, 2799, 0)
)


async def in_pool_skus(kit: AdapterKit, supplier_id: int, count: int) -> list[str]:
    adapter = await kit.adapter(supplier_id)
    hits = (await adapter.search(SearchQuery(keyword="笔记本", page_size=40))).hits
    quotes = await adapter.prices([hit.sku for hit in hits])
    shelf = await adapter.shelf_states([q.sku for q in quotes])
    stock = await adapter.stock([(q.sku, 1) for q in quotes if shelf[q.sku]], RECIPIENT.area)
    return [level.sku for level in stock if level.state.can_order][:count]


async def order_request(kit: AdapterKit, supplier_id: int, order_no: str) -> UpstreamOrderRequest:
    adapter = await kit.adapter(supplier_id)
    skus = await in_pool_skus(kit, supplier_id, 2)
    quotes = {q.sku: q for q in await adapter.prices(skus)}
    lines = tuple(OrderLine(sku, 1, quotes[sku].purchase_fen) for sku in skus)
    return UpstreamOrderRequest(order_no=order_no, lines=lines, recipient=RECIPIENT)


async def test_expired_token_mid_run_is_replaced_once_and_the_call_succeeds(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, simulator))
    await adapter.search(SearchQuery(keyword="手机"))
    simulator.admin("tokens/expire")
    results = await asyncio.gather(
        *(adapter.search(SearchQuery(keyword="手机")) for _ in range(10))
    )
    assert all(result.total > 0 for result in results)
    assert adapter._tokens.fetches == 2


class LoseAnswers(httpx.AsyncBaseTransport):
    """Delivers requests, but loses the answers of the first ``count`` calls to ``path``."""

    def __init__(self, path: str, count: int):
        self._inner = httpx.AsyncHTTPTransport()
        self._path = path
        self.remaining = count

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if request.url.path.endswith(self._path) and self.remaining > 0:
            self.remaining -= 1
            await response.aclose()
            raise httpx.ReadTimeout("answer lost", request=request)
        return response


async def test_lost_submit_answer_never_creates_a_second_upstream_order(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    supplier = await register_vop(database, simulator)
    request = await order_request(kit, supplier, "HV-SUB-0001")
    lossy = LoseAnswers("order/submitOrder", count=1)
    async with httpx.AsyncClient(transport=lossy) as http:
        kit.http = http
        adapter = await kit.adapter(supplier)
        placed = await adapter.submit_order(request)
        again = await adapter.submit_order(request)  # a retry of the whole job: still one order
        found = await adapter.find_order("HV-SUB-0001")
    assert lossy.remaining == 0
    assert placed.supplier_order_id == again.supplier_order_id
    assert placed.status is UpstreamOrderStatus.RESERVED
    assert found == placed.supplier_order_id


async def test_order_reserve_confirm_and_cancel(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    supplier = await register_vop(database, simulator)
    adapter = await kit.adapter(supplier)
    placed = await adapter.submit_order(await order_request(kit, supplier, "HV-SUB-0002"))
    assert placed.total_fen == sum(line.unit_price_fen * line.quantity for line in placed.lines) + (
        placed.freight_fen
    )
    await adapter.confirm_order(placed.supplier_order_id)
    await adapter.confirm_order(placed.supplier_order_id)  # "already confirmed" is success
    detail = await adapter.order_detail(placed.supplier_order_id)
    assert detail.status is UpstreamOrderStatus.CONFIRMED
    await adapter.cancel_order(placed.supplier_order_id)
    assert (await adapter.order_detail(placed.supplier_order_id)).status is (
        UpstreamOrderStatus.CANCELLED
    )
    assert await adapter.find_order("HV-NEVER-SENT") is None


async def test_5001_storm_opens_the_breaker_and_a_probe_closes_it(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, simulator))
    await adapter.search(SearchQuery(keyword="手机"))  # token in hand before the storm
    simulator.set_faults(error_5001_rate=1.0)
    with pytest.raises(SupplierUnavailable):
        await adapter.search(SearchQuery(keyword="手机"))  # 3 attempts, 3 failures
    breaker = adapter.guard.breaker("search/search")
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen):
        await adapter.search(SearchQuery(keyword="手机"))
    simulator.set_faults(error_5001_rate=0.0)
    kit.clock.now += kit.settings.supplier_breaker_reset_s
    assert breaker.state is BreakerState.HALF_OPEN
    assert (await adapter.search(SearchQuery(keyword="手机"))).total > 0
    assert breaker.state is BreakerState.CLOSED


async def test_a_probe_cancelled_by_the_console_deadline_does_not_stick_the_breaker(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    adapter = await kit.adapter(await register_vop(database, simulator))
    await adapter.search(SearchQuery(keyword="手机"))  # token in hand before the storm
    simulator.set_faults(error_5001_rate=1.0)
    with pytest.raises(SupplierUnavailable):
        await adapter.search(SearchQuery(keyword="手机"))
    breaker = adapter.guard.breaker("search/search")
    assert breaker.state is BreakerState.OPEN
    kit.clock.now += kit.settings.supplier_breaker_reset_s
    simulator.set_faults(error_5001_rate=0.0, latency_ms=1500)
    with pytest.raises(TimeoutError):  # upstream search gives up on the half-open probe
        await asyncio.wait_for(adapter.search(SearchQuery(keyword="手机")), timeout=0.2)
    assert breaker.state is BreakerState.HALF_OPEN
    simulator.set_faults(latency_ms=0)
    assert (await adapter.search(SearchQuery(keyword="手机"))).total > 0  # the next probe
    assert breaker.state is BreakerState.CLOSED


async def test_parallel_burst_respects_the_configured_rate(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    supplier = await register_vop(
        database, simulator, rate_limits={"*": 1000, "price/getSellPrice": 20}
    )
    adapter = await kit.adapter(supplier)
    skus = await in_pool_skus(kit, supplier, 30)
    simulator.set_faults(qps_limits={"price/getSellPrice": 25})
    label = ("京东VOP", "price/getSellPrice", "supplier_rate_limited")
    before = SUPPLIER_ERRORS.labels(*label)._value.get()
    quotes = await asyncio.gather(*(adapter.prices([sku]) for sku in skus))
    assert all(len(q) == 1 for q in quotes)
    assert SUPPLIER_ERRORS.labels(*label)._value.get() == before


async def test_many_details_at_once_wait_their_turn_rather_than_fill_the_bulkhead(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    supplier = await register_vop(database, simulator, rate_limits={"*": 1000})
    skus = await in_pool_skus(kit, supplier, 12)
    # Two calls in flight, none waiting for a slot: a 12-SKU fan-out fills it at once.
    narrow = kit.settings.model_copy(
        update={"supplier_bulkhead_size": 2, "supplier_bulkhead_wait_s": 0.0}
    )
    adapter = await dataclasses.replace(kit, settings=narrow).adapter(supplier)
    details = await adapter.product_details(skus)
    assert sorted(d.sku for d in details) == sorted(skus)


async def test_many_chunks_at_once_wait_their_turn_rather_than_fill_the_bulkhead(
    kit: AdapterKit, database: Database, simulator: Simulator
) -> None:
    """Batch calls of 100 SKUs (here prices) keep at most a bulkhead's worth in flight too."""
    supplier = await register_vop(database, simulator, rate_limits={"*": 1000})
    known = await in_pool_skus(kit, supplier, 10)
    skus = [sku for _ in range(25) for sku in known]  # 250 SKUs: three chunks
    narrow = kit.settings.model_copy(
        update={"supplier_bulkhead_size": 2, "supplier_bulkhead_wait_s": 0.0}
    )
    adapter = await dataclasses.replace(kit, settings=narrow).adapter(supplier)
    quotes = await adapter.prices(skus)
    assert {q.sku for q in quotes} == set(known)
