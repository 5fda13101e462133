"""The self-run warehouse behind the :class:`SupplierAdapter` protocol.

Each call is one short platform transaction. Unknown SKUs are left out of catalogue answers
(or reported as not sellable / no goods); the order calls raise :mod:`hive.suppliers.errors`.

Stock and area checks asked at the same moment for the same SKUs and province (a quote asks
``area_limits`` and ``stock`` concurrently) share one read of the sellable units: a second
caller awaits the read in flight instead of starting its own (its answer is as current as its
own read would have been, the two being concurrent). Nothing is kept once the read ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from hive.platform.db import Database
from hive.suppliers.types import (
    AfterSaleCase,
    AfterSaleOptions,
    AfterSaleRequest,
    Area,
    FacetCount,
    MessageType,
    OrderLine,
    OrderTrack,
    PriceQuote,
    ProductDetail,
    SaleCheck,
    SearchHit,
    SearchQuery,
    SearchResult,
    StockLevel,
    StockState,
    SupplierKind,
    SupplierMessage,
    UpstreamOrder,
    UpstreamOrderRequest,
)
from hive.suppliers.warehouse import catalog_repository, orders, returns, views
from hive.suppliers.warehouse import order_repository as orepo
from hive.suppliers.warehouse import repository as repo
from hive.suppliers.warehouse.errors import InvalidSearch
from hive.suppliers.warehouse.models import WarehouseProduct
from hive.suppliers.warehouse.rules import DEFAULT_RULES, WarehouseRules, business_date

if TYPE_CHECKING:
    from hive.suppliers.types import AreaNode, CategoryNode, ProductRating

MAX_PAGE_SIZE = 100


def _utcnow() -> datetime:
    return datetime.now(UTC)


class WarehouseAdapter:
    """Hive's own stock as a supplier (``kind='warehouse'`` rows of the registry)."""

    def __init__(
        self,
        database: Database,
        supplier_id: int,
        *,
        rules: WarehouseRules = DEFAULT_RULES,
        clock: Callable[[], datetime] = _utcnow,
    ):
        self._database = database
        self._supplier_id = supplier_id
        self._rules = rules
        self._clock = clock
        # Reads of the sellable units in flight, by (SKUs, province, business day).
        self._reading: dict[tuple[frozenset[str], int, date], asyncio.Future[dict[str, int]]] = {}

    @property
    def kind(self) -> SupplierKind:
        return SupplierKind.WAREHOUSE

    @property
    def supplier_id(self) -> int:
        return self._supplier_id

    async def _products(self, skus: Sequence[str]) -> dict[str, WarehouseProduct]:
        async with self._database.platform_transaction() as session:
            return await repo.products_by_sku(session, self._supplier_id, skus)

    # Catalogue.
    async def search(self, query: SearchQuery) -> SearchResult:
        if query.page < 1 or not 1 <= query.page_size <= MAX_PAGE_SIZE:
            raise InvalidSearch(details={"page": query.page, "page_size": query.page_size})
        async with self._database.platform_transaction() as session:
            rows = await catalog_repository.search(session, self._supplier_id, query)
        hits = tuple(
            SearchHit(p.sku, p.name, p.brand, p.category_id, p.image_url, p.retail_fen)
            for p in rows.products
        )
        return SearchResult(
            total=rows.total,
            page=query.page,
            page_size=query.page_size,
            hits=hits,
            brands=tuple(FacetCount(b, b, n) for b, n in rows.brands),
            categories=tuple(FacetCount(str(c), str(c), n) for c, n in rows.categories),
        )

    async def product_details(self, skus: Sequence[str]) -> list[ProductDetail]:
        products = await self._products(skus)
        return [views.detail(products[s]) for s in dict.fromkeys(skus) if s in products]

    async def images(self, skus: Sequence[str]) -> dict[str, list[str]]:
        products = await self._products(skus)
        return {s: [p.image_url] if p.image_url else [] for s, p in products.items()}

    async def shelf_states(self, skus: Sequence[str]) -> dict[str, bool]:
        return {s: p.on_shelf for s, p in (await self._products(skus)).items()}

    async def sale_checks(self, skus: Sequence[str]) -> list[SaleCheck]:
        products = await self._products(skus)
        return [
            SaleCheck(
                s,
                can_sell=s in products and products[s].on_shelf,
                can_vat_invoice=True,
                returnable_7_days=True,
            )
            for s in dict.fromkeys(skus)
        ]

    async def ratings(self, skus: Sequence[str]) -> list[ProductRating]:
        """Always empty: the warehouse collects no reviews of its own."""
        return []

    # Reference data.
    async def categories(self) -> list[CategoryNode]:
        """Always empty: warehouse products use the platform's category ids; the warehouse
        keeps no category tree of its own."""
        return []

    async def child_areas(self, parent_id: int | None, level: int) -> list[AreaNode]:
        """Always empty: the warehouse knows only which province ids each location serves."""
        return []

    async def area_limits(self, skus: Sequence[str], area: Area) -> dict[str, bool]:
        """Deliverable where a warehouse serving the province holds sellable units."""
        sellable = await self._sellable(skus, area)
        return {s: sellable.get(s, 0) > 0 for s in dict.fromkeys(skus)}

    async def _sellable(self, skus: Sequence[str], area: Area) -> dict[str, int]:
        """Free units per known SKU over the warehouses serving the area's province (none
        when no warehouse serves it): one statement, shared with a caller asking the same at
        the same moment (module docstring)."""
        key = (frozenset(skus), area.province, business_date(self._clock()))
        reading = self._reading.get(key)
        if reading is None:
            reading = asyncio.ensure_future(self._read_sellable(*key))
            self._reading[key] = reading
            reading.add_done_callback(lambda done: self._forget(key, done))
        # shield: a caller that gives up does not cancel the read another caller awaits.
        return dict(await asyncio.shield(reading))

    def _forget(
        self,
        key: tuple[frozenset[str], int, date],
        done: asyncio.Future[dict[str, int]],
    ) -> None:
        if self._reading.get(key) is done:
            del self._reading[key]
        if not done.cancelled():
            done.exception()  # retrieved: an error no caller awaited is not logged as lost

    async def _read_sellable(
        self, skus: frozenset[str], province: int, today: date
    ) -> dict[str, int]:
        async with self._database.platform_transaction() as session:
            return await repo.sellable_by_sku(
                session, self._supplier_id, sorted(skus), province, today
            )

    # Prices and stock.
    async def prices(self, skus: Sequence[str]) -> list[PriceQuote]:
        products = await self._products(skus)
        return [
            PriceQuote(s, products[s].unit_price_fen, products[s].retail_fen)
            for s in dict.fromkeys(skus)
            if s in products
        ]

    async def stock(self, items: Sequence[tuple[str, int]], area: Area) -> list[StockLevel]:
        """Exact sellable units per SKU over the warehouses serving the area's province."""
        sellable = await self._sellable([sku for sku, _ in items], area)
        levels = []
        for sku, wanted in items:
            if sku not in sellable:
                levels.append(StockLevel(sku, StockState.NO_GOODS, 0))
                continue
            have = sellable[sku]
            state = StockState.IN_STOCK if have >= max(wanted, 1) else StockState.OUT_OF_STOCK
            levels.append(StockLevel(sku, state, have))
        return levels

    async def freight(self, lines: Sequence[OrderLine], area: Area) -> int:
        return self._rules.freight_for(sum(x.quantity * x.unit_price_fen for x in lines))

    # Orders.
    async def submit_order(self, request: UpstreamOrderRequest) -> UpstreamOrder:
        async with self._database.platform_transaction() as session:
            order = await orders.submit_order(
                session, self._supplier_id, request, self._rules, self._clock()
            )
            return await views.upstream_order(session, order)

    async def confirm_order(self, supplier_order_id: str) -> None:
        async with self._database.platform_transaction() as session:
            await orders.confirm_order(session, self._supplier_id, supplier_order_id)

    async def cancel_order(self, supplier_order_id: str) -> None:
        async with self._database.platform_transaction() as session:
            await orders.cancel_order(session, self._supplier_id, supplier_order_id, self._clock())

    async def find_order(self, order_no: str) -> str | None:
        async with self._database.platform_transaction() as session:
            order = await orepo.find_order_by_no(session, self._supplier_id, order_no)
        return None if order is None else orders.format_order_id(order.id)

    async def order_detail(self, supplier_order_id: str) -> UpstreamOrder:
        async with self._database.platform_transaction() as session:
            order = await orders.load_order(session, self._supplier_id, supplier_order_id)
            return await views.upstream_order(session, order)

    async def track(self, supplier_order_id: str) -> OrderTrack:
        async with self._database.platform_transaction() as session:
            order = await orders.load_order(session, self._supplier_id, supplier_order_id)
            return await views.track(session, order)

    # After-sales.
    async def after_sale_options(self, supplier_order_id: str, sku: str) -> AfterSaleOptions:
        async with self._database.platform_transaction() as session:
            return await returns.options(session, self._supplier_id, supplier_order_id, sku)

    async def apply_after_sale(self, request: AfterSaleRequest) -> AfterSaleCase:
        async with self._database.platform_transaction() as session:
            return await returns.apply(session, self._supplier_id, request)

    async def after_sale_cases(self, supplier_order_id: str) -> list[AfterSaleCase]:
        async with self._database.platform_transaction() as session:
            return await returns.cases(session, self._supplier_id, supplier_order_id)

    async def cancel_after_sale(self, service_id: str) -> None:
        async with self._database.platform_transaction() as session:
            await returns.cancel(session, self._supplier_id, service_id)

    async def balance(self) -> int:
        """Always 0: the stock is ours and needs no prepaid balance. Callers must not treat
        kind ``warehouse`` as balance-limited."""
        return 0

    # Change feed.
    async def fetch_messages(self, types: Sequence[MessageType]) -> list[SupplierMessage]:
        """Unacknowledged messages of these types (all types when empty), oldest first."""
        async with self._database.platform_transaction() as session:
            rows = await orepo.fetch_messages(
                session,
                self._supplier_id,
                [int(t) for t in types],
                self._rules.message_batch_size,
            )
        return [views.message(row) for row in rows]

    async def ack_messages(self, message_ids: Sequence[str]) -> None:
        """Delete acknowledged messages; unknown or repeated ids are ignored."""
        ids = [int(m) for m in message_ids if m.isdigit()]
        if not ids:
            return
        async with self._database.platform_transaction() as session:
            await orepo.delete_messages(session, self._supplier_id, ids)
