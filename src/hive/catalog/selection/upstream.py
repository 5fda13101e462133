"""Live upstream search for operators: the supplier's catalogue, with each hit's pool status,
purchase and retail price and margin. Supplier answers are cached briefly; pool status is read
fresh every time. A slow or failing supplier yields a clear error, never a hung page."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from hive.catalog.errors import UpstreamCredentialsRefused, UpstreamSearchUnavailable
from hive.catalog.pool import repository as pool_repo
from hive.catalog.snapshot import margin_percent
from hive.platform.db import Database
from hive.suppliers.errors import SupplierAuthFailed, SupplierError
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import FacetCount, PriceQuote, SearchQuery, SearchResult

MAX_CACHED_SEARCHES = 512


@dataclass(frozen=True, slots=True)
class UpstreamHit:
    sku: str
    name: str
    brand: str
    category_id: int
    image_url: str
    pool_status: str | None
    purchase_fen: int | None
    retail_fen: int | None

    @property
    def margin_percent(self) -> float | None:
        if self.purchase_fen is None or self.retail_fen is None:
            return None
        return margin_percent(self.purchase_fen, self.retail_fen)


@dataclass(frozen=True, slots=True)
class UpstreamPage:
    total: int
    page: int
    page_size: int
    hits: tuple[UpstreamHit, ...]
    brands: tuple[FacetCount, ...]
    categories: tuple[FacetCount, ...]
    price_bands: tuple[FacetCount, ...]
    cached: bool


@dataclass(frozen=True, slots=True)
class _Answer:
    result: SearchResult
    prices: dict[str, PriceQuote]


class UpstreamSearch:
    """One per process: ``search`` answers from the supplier or from a short-lived cache."""

    def __init__(
        self,
        database: Database,
        *,
        timeout_s: float,
        cache_ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._database = database
        self._timeout_s = timeout_s
        self._ttl_s = cache_ttl_s
        self._clock = clock
        self._cache: OrderedDict[tuple[int, SearchQuery], tuple[float, _Answer]] = OrderedDict()

    async def search(self, adapter: SupplierAdapter, query: SearchQuery) -> UpstreamPage:
        key = (adapter.supplier_id, query)
        answer, cached = self._cached(key), True
        if answer is None:
            answer, cached = await self._ask(adapter, query), False
            self._remember(key, answer)
        async with self._database.platform_transaction() as session:
            in_pool = await pool_repo.pooled_skus(
                session, adapter.supplier_id, [hit.sku for hit in answer.result.hits]
            )
        return _page(answer, in_pool, cached=cached)

    async def _ask(self, adapter: SupplierAdapter, query: SearchQuery) -> _Answer:
        async def both() -> _Answer:
            result = await adapter.search(query)
            quotes = await adapter.prices([hit.sku for hit in result.hits])
            return _Answer(result, {q.sku: q for q in quotes})

        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation
            # that arrives as the answer does (see suppliers/resilience/bulkhead.py).
            async with asyncio.timeout(self._timeout_s):
                return await both()
        except TimeoutError:
            raise UpstreamSearchUnavailable(
                f"供应商在 {self._timeout_s:g} 秒内未响应 / Supplier did not answer in "
                f"{self._timeout_s:g} s",
                details={"reason": "timeout"},
            ) from None
        except SupplierAuthFailed as error:
            said = error.details.get("supplier_message")
            raise UpstreamCredentialsRefused(
                f"{UpstreamCredentialsRefused.default_message} ({said})" if said else None,
                details={"reason": error.code},
            ) from None
        except SupplierError as error:
            raise UpstreamSearchUnavailable(details={"reason": error.code}) from None

    def _cached(self, key: tuple[int, SearchQuery]) -> _Answer | None:
        entry = self._cache.get(key)
        if entry is None or self._clock() - entry[0] > self._ttl_s:
            return None
        self._cache.move_to_end(key)
        return entry[1]

    def _remember(self, key: tuple[int, SearchQuery], answer: _Answer) -> None:
        if self._ttl_s <= 0:
            return
        self._cache[key] = (self._clock(), answer)
        self._cache.move_to_end(key)
        while len(self._cache) > MAX_CACHED_SEARCHES:
            self._cache.popitem(last=False)


def _page(answer: _Answer, in_pool: dict[str, str], *, cached: bool) -> UpstreamPage:
    result = answer.result
    hits = tuple(
        UpstreamHit(
            sku=hit.sku,
            name=hit.name,
            brand=hit.brand,
            category_id=hit.category_id,
            image_url=hit.image_url,
            pool_status=in_pool.get(hit.sku),
            purchase_fen=answer.prices[hit.sku].purchase_fen if hit.sku in answer.prices else None,
            retail_fen=answer.prices[hit.sku].retail_fen if hit.sku in answer.prices else None,
        )
        for hit in result.hits
    )
    return UpstreamPage(
        total=result.total,
        page=result.page,
        page_size=result.page_size,
        hits=hits,
        brands=result.brands,
        categories=result.categories,
        price_bands=result.price_bands,
        cached=cached,
    )
