"""Request and response shapes of the ``/open/v1`` routes (the OpenAPI document shows these)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hive.platform.validation import INT64_MAX, Id

MAX_IDS = 100


class Request_(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategoryOut(BaseModel):
    id: int
    parent_id: int | None
    name: str
    level: int


class CategoriesOut(BaseModel):
    items: list[CategoryOut]


class PricesQuery(Request_):
    product_ids: list[Id] = Field(min_length=1, max_length=MAX_IDS)


class PriceOut(BaseModel):
    product_id: int
    price_fen: int = Field(description="The tenant's price in fen (1 yuan = 100 fen)")


class PricesOut(BaseModel):
    items: list[PriceOut]
    not_found: list[int] = Field(description="Asked for, but not priced for this tenant")


class MessageOut(BaseModel):
    id: int = Field(description="The cursor: pass it back as `after`")
    type: str
    entity_type: str
    entity_id: int
    sequence: int = Field(description="1, 2, 3 … per entity: keep the highest")
    occurred_at: datetime
    payload: dict[str, Any]


class MessagesOut(BaseModel):
    items: list[MessageOut]
    next_after: int = Field(description="Pass as `after` to read on (unchanged when empty)")


class ProductScope(StrEnum):
    LIBRARY = "library"
    POOL = "pool"


class ProductOut(BaseModel):
    """A product as the tenant sees it; money in fen."""

    id: int
    name: str
    brand: str
    category_id: int | None
    category_name: str
    image_url: str = Field(
        description="The main picture at our own address (GET it unsigned; embed it as it is); "
        "empty when the product has none"
    )
    price_fen: int | None = Field(description="Your price (None while it has none yet)")
    market_price_fen: int = Field(description="The supplier's public retail price")
    sellable: bool
    in_library: bool
    library_status: str | None = Field(description="available / unavailable, when in library")
    unavailable_reason: str | None
    own_retail_price_fen: int | None = Field(description="Your own retail price, in library")


class ProductDetailOut(ProductOut):
    images: list[str] = Field(description="The gallery, at our own addresses like image_url")


class ProductsOut(BaseModel):
    items: list[ProductOut]
    total: int
    total_is_estimate: bool = Field(description="True: `total` is a lower bound")
    page: int
    page_size: int


class StockItem(Request_):
    product_id: Id
    quantity: int = Field(ge=1, le=100_000)


class AreaIn(Request_):
    province_id: Id
    city_id: int = Field(ge=0, le=INT64_MAX)
    county_id: int = Field(ge=0, le=INT64_MAX)
    town_id: int = Field(default=0, ge=0, le=INT64_MAX)


class StockQuery(Request_):
    items: list[StockItem] = Field(min_length=1, max_length=MAX_IDS)
    area: AreaIn


class StockOut(BaseModel):
    product_id: int
    quantity: int
    state: str = Field(
        description="in_stock, in_transit, allocatable, pre_order, "
        "out_of_stock, no_goods, or unknown"
    )
    remaining: int | None
    available: bool


class StockAnswerOut(BaseModel):
    items: list[StockOut]
    not_found: list[int]


class LibraryAdd(Request_):
    product_ids: list[Id] = Field(min_length=1, max_length=MAX_IDS)


class LibraryAdded(BaseModel):
    added: int = Field(description="Newly added (those already there are kept as they are)")


class LibraryRemoved(BaseModel):
    removed: int
