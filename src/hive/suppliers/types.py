"""Domain types every supplier adapter speaks. Money is integer fen; SKUs are strings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any


class SupplierKind(StrEnum):
    VOP = "vop"
    WAREHOUSE = "warehouse"


@dataclass(frozen=True, slots=True)
class Area:
    """A 4-level delivery area (province, city, county, town); ``town`` 0 when there is none."""

    province: int
    city: int
    county: int
    town: int = 0

    def __post_init__(self) -> None:
        if min(self.province, self.city, self.county) <= 0 or self.town < 0:
            raise ValueError(f"invalid area {self.province}_{self.city}_{self.county}_{self.town}")


class SearchSort(StrEnum):
    RELEVANCE = "relevance"
    SALES_DESC = "sales_desc"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    keyword: str = ""
    category_id: int | None = None
    brands: tuple[str, ...] = ()
    min_price_fen: int | None = None
    max_price_fen: int | None = None
    sort: SearchSort = SearchSort.RELEVANCE
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True, slots=True)
class SearchHit:
    sku: str
    name: str
    brand: str
    category_id: int
    image_url: str
    retail_fen: int | None = None


@dataclass(frozen=True, slots=True)
class FacetCount:
    value: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class SearchResult:
    total: int
    page: int
    page_size: int
    hits: tuple[SearchHit, ...]
    brands: tuple[FacetCount, ...] = ()
    categories: tuple[FacetCount, ...] = ()
    price_bands: tuple[FacetCount, ...] = ()


@dataclass(frozen=True, slots=True)
class ProductDetail:
    sku: str
    name: str
    brand: str
    category_ids: tuple[int, ...]
    image_url: str
    on_shelf: bool
    weight_g: int | None = None
    upc: str = ""
    sale_unit: str = ""
    origin: str = ""
    introduction_html: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProductRating:
    sku: str
    # Share of good reviews, 0 to 1.
    good_rate: Decimal
    comment_count: int


@dataclass(frozen=True, slots=True)
class CategoryNode:
    """A supplier category; ``level`` 1 to 3, ``parent_id`` None at level 1."""

    category_id: int
    parent_id: int | None
    name: str
    level: int


@dataclass(frozen=True, slots=True)
class AreaNode:
    """A delivery area; ``level`` 1 province, 2 city, 3 county, 4 town."""

    area_id: int
    parent_id: int | None
    name: str
    level: int


@dataclass(frozen=True, slots=True)
class SaleCheck:
    sku: str
    can_sell: bool
    can_vat_invoice: bool
    returnable_7_days: bool


@dataclass(frozen=True, slots=True)
class PriceQuote:
    sku: str
    purchase_fen: int
    retail_fen: int
    tax_rate_percent: int | None = None


class StockState(StrEnum):
    IN_STOCK = "in_stock"
    IN_TRANSIT = "in_transit"
    ALLOCATABLE = "allocatable"
    PRE_ORDER = "pre_order"
    OUT_OF_STOCK = "out_of_stock"
    NO_GOODS = "no_goods"

    @property
    def can_order(self) -> bool:
        return self in (StockState.IN_STOCK, StockState.IN_TRANSIT, StockState.ALLOCATABLE)


@dataclass(frozen=True, slots=True)
class StockLevel:
    sku: str
    state: StockState
    # None when the supplier does not disclose the exact count.
    remaining: int | None


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    quantity: int
    unit_price_fen: int


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    mobile: str
    address: str
    area: Area
    email: str = ""
    zip_code: str = ""


@dataclass(frozen=True, slots=True)
class UpstreamOrderRequest:
    """One sub-order placed with one supplier. ``order_no`` is ours and is the idempotency key."""

    order_no: str
    lines: tuple[OrderLine, ...]
    recipient: Recipient
    # True: placed directly; False: reserved, then confirmed with ``confirm_order``.
    place_directly: bool = False


class UpstreamOrderStatus(StrEnum):
    RESERVED = "reserved"
    CONFIRMED = "confirmed"
    IN_PRODUCTION = "in_production"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class UpstreamOrder:
    supplier_order_id: str
    order_no: str
    status: UpstreamOrderStatus
    total_fen: int
    freight_fen: int
    lines: tuple[OrderLine, ...]
    children: tuple[UpstreamOrder, ...] = ()
    parent_id: str | None = None


@dataclass(frozen=True, slots=True)
class TrackEvent:
    at: datetime
    content: str
    operator: str = ""


@dataclass(frozen=True, slots=True)
class Waybill:
    carrier: str
    waybill_no: str
    supplier_order_id: str


@dataclass(frozen=True, slots=True)
class OrderTrack:
    supplier_order_id: str
    events: tuple[TrackEvent, ...]
    waybills: tuple[Waybill, ...] = ()


class AfterSaleType(StrEnum):
    RETURN = "return"
    EXCHANGE = "exchange"
    REPAIR = "repair"


class PickupMethod(StrEnum):
    PICKUP = "pickup"
    DROP_OFF = "drop_off"
    POST = "post"


class AfterSaleStep(StrEnum):
    APPLIED = "applied"
    REFUSED = "refused"
    AUDITING = "auditing"
    RECEIVED = "received"
    PROCESSING = "processing"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class AfterSaleOptions:
    """What the supplier allows for one line of one order."""

    available_quantity: int
    types: tuple[AfterSaleType, ...]
    pickup_methods: tuple[PickupMethod, ...]


@dataclass(frozen=True, slots=True)
class AfterSaleRequest:
    """``request_no`` is ours and is the idempotency key."""

    request_no: str
    supplier_order_id: str
    sku: str
    quantity: int
    type: AfterSaleType
    reason: str
    pickup: PickupMethod
    contact: Recipient


@dataclass(frozen=True, slots=True)
class AfterSaleCase:
    service_id: str
    supplier_order_id: str
    sku: str
    quantity: int
    type: AfterSaleType
    step: AfterSaleStep


class MessageType(IntEnum):
    """Change-feed message types (the supplier's numbering, which VOP defined)."""

    ORDER_SPLIT = 1
    PRICE_CHANGED = 2
    SHELF_CHANGED = 4
    ORDER_DELIVERED = 5
    POOL_CHANGED = 6
    ORDER_CANCELLED = 10
    ORDER_SHIPPED = 12
    PAYMENT_FAILED = 14
    ORDER_AUTO_CANCELLED = 15
    PRODUCT_INFO_CHANGED = 16
    ORDER_CREATED = 25
    ORDER_COMPLETED = 31
    ADDRESS_CHANGED = 50
    TAX_CHANGED = 100
    AFTER_SALE_CHANGED = 110


@dataclass(frozen=True, slots=True)
class SupplierMessage:
    """One change-feed message in our words.

    ``payload`` keys are ours, never the supplier's: ``sku`` (str), ``supplier_order_id`` (str),
    ``parent_order_id`` (str), ``on_shelf`` (bool), ``in_pool`` (bool), ``package_id`` (str),
    ``service_id`` (str), ``step`` (:class:`AfterSaleStep` value), ``refused`` (bool: a
    delivery the recipient refused) — whichever the type carries.
    ``raw`` is the supplier's original message, kept for the operators' message log only.
    """

    message_id: str
    type: MessageType
    occurred_at: datetime
    payload: Mapping[str, Any]
    raw: Mapping[str, Any] = field(default_factory=dict)
