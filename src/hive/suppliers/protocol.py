"""The supplier adapter protocol: everything the rest of Hive may ask of a supplier.

VOP and the self-run warehouse implement it; the rest of the code depends only on this and on
:mod:`hive.suppliers.types`, never on an adapter module. Batch methods take up to
:data:`MAX_BATCH` items per call at the protocol level — adapters split larger inputs
themselves. Failures raise :mod:`hive.suppliers.errors` exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from hive.suppliers.types import (
    AfterSaleCase,
    AfterSaleOptions,
    AfterSaleRequest,
    Area,
    AreaNode,
    CategoryNode,
    MessageType,
    OrderLine,
    OrderTrack,
    PriceQuote,
    ProductDetail,
    ProductRating,
    SaleCheck,
    SearchQuery,
    SearchResult,
    StockLevel,
    SupplierKind,
    SupplierMessage,
    UpstreamOrder,
    UpstreamOrderRequest,
)

MAX_BATCH = 100


@runtime_checkable
class SupplierAdapter(Protocol):
    """One configured supplier (a row of the registry) reached through its adapter."""

    @property
    def kind(self) -> SupplierKind: ...

    @property
    def supplier_id(self) -> int: ...

    # Catalogue.
    async def search(self, query: SearchQuery) -> SearchResult: ...

    async def product_details(self, skus: Sequence[str]) -> list[ProductDetail]: ...

    async def images(self, skus: Sequence[str]) -> dict[str, list[str]]: ...

    async def shelf_states(self, skus: Sequence[str]) -> dict[str, bool]: ...

    async def sale_checks(self, skus: Sequence[str]) -> list[SaleCheck]: ...

    async def ratings(self, skus: Sequence[str]) -> list[ProductRating]: ...

    # Reference data.
    async def categories(self) -> list[CategoryNode]:
        """The supplier's whole category tree (3 levels)."""
        ...

    async def child_areas(self, parent_id: int | None, level: int) -> list[AreaNode]:
        """Areas at ``level`` under ``parent_id`` (None for provinces); [] when there are none."""
        ...

    async def area_limits(self, skus: Sequence[str], area: Area) -> dict[str, bool]:
        """True where the SKU may be delivered to ``area``."""
        ...

    # Prices and stock (batched).
    async def prices(self, skus: Sequence[str]) -> list[PriceQuote]: ...

    async def stock(self, items: Sequence[tuple[str, int]], area: Area) -> list[StockLevel]:
        """Stock for (sku, wanted quantity) pairs delivered to ``area``."""
        ...

    async def freight(self, lines: Sequence[OrderLine], area: Area) -> int:
        """Freight in fen for these lines to ``area``."""
        ...

    # Orders. ``request.order_no`` is the idempotency key: submitting it twice is one order.
    async def submit_order(self, request: UpstreamOrderRequest) -> UpstreamOrder: ...

    async def confirm_order(self, supplier_order_id: str) -> None: ...

    async def cancel_order(self, supplier_order_id: str) -> None: ...

    async def find_order(self, order_no: str) -> str | None:
        """The supplier's order id for our ``order_no``, or None if it never arrived."""
        ...

    async def order_detail(self, supplier_order_id: str) -> UpstreamOrder: ...

    async def track(self, supplier_order_id: str) -> OrderTrack: ...

    # After-sales.
    async def after_sale_options(self, supplier_order_id: str, sku: str) -> AfterSaleOptions: ...

    async def apply_after_sale(self, request: AfterSaleRequest) -> AfterSaleCase: ...

    async def after_sale_cases(self, supplier_order_id: str) -> list[AfterSaleCase]: ...

    async def cancel_after_sale(self, service_id: str) -> None: ...

    # Money held with the supplier.
    async def balance(self) -> int:
        """Our prepaid balance with the supplier, in fen."""
        ...

    # Change feed (at least once: ack only after processing has committed).
    async def fetch_messages(self, types: Sequence[MessageType]) -> list[SupplierMessage]: ...

    async def ack_messages(self, message_ids: Sequence[str]) -> None: ...
