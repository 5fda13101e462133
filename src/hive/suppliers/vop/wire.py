"""Pydantic models of VOP answers: every supplier answer is validated before it is mapped.

Lenient where real deployments differ (ids as numbers or strings, money as strings or numbers),
strict where a wrong value would corrupt our data (prices must parse as yuan).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hive.suppliers.errors import InvalidSupplierAnswer

# Money in yuan as JD sends it (a JSON number; digits in a string are read too), bounded so
# that an absurd amount is refused here as a malformed answer, never stored or summed.
MAX_YUAN = 10**12
Yuan = Annotated[Decimal, Field(ge=0, le=MAX_YUAN)]
SignedYuan = Annotated[Decimal, Field(ge=-MAX_YUAN, le=MAX_YUAN)]


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def json_text(value: Any) -> Any:
    """VOP sends some results as JSON inside a string; a string that is not JSON is a
    malformed answer (never a crash)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise InvalidSupplierAnswer(details={"problem": "result text is not JSON"}) from None


class SearchHitWire(Wire):
    wareId: str
    wareName: str = ""
    brand: str = ""
    catId: int = 0
    imageUrl: str = ""

    @field_validator("wareId", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> str:
        return str(value)


class BrandBucketWire(Wire):
    id: str = ""
    name: str
    count: int = Field(default=0, ge=0)  # JD does not always count brands

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> str:
        return "" if value is None else str(value)


class BrandAggregateWire(Wire):
    """JD's ``brandAggregate``: ``{pinyinAggr, brandList}`` (Go and .NET clients); a bare list
    of brands (the Java client) is read as the ``brandList``."""

    brandList: list[BrandBucketWire] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, value: Any) -> Any:
        return {"brandList": value} if isinstance(value, list) else value


class CategoryBucketWire(Wire):
    catId: int
    name: str = ""
    count: int = Field(default=0, ge=0)


class CategoryAggregateWire(Wire):
    """Levels keyed by name (JD spells the third ``thridCategory``; some clients fix it)."""

    thridCategory: list[CategoryBucketWire] | None = None
    thirdCategory: list[CategoryBucketWire] | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, value: Any) -> Any:
        return {"thirdCategory": value} if isinstance(value, list) else value

    @property
    def leaves(self) -> list[CategoryBucketWire]:
        return self.thridCategory or self.thirdCategory or []


class PriceBandWire(Wire):
    min: Yuan
    max: Yuan
    count: int = Field(default=0, ge=0)


class SearchWire(Wire):
    """The three aggregates sit at the top level of ``result``, beside the hits."""

    resultCount: int = Field(ge=0)
    pageIndex: int = 1
    pageSize: int = 20
    hitResult: list[SearchHitWire] = Field(default_factory=list)
    brandAggregate: BrandAggregateWire = Field(default_factory=BrandAggregateWire)
    categoryAggregate: CategoryAggregateWire = Field(default_factory=CategoryAggregateWire)
    priceIntervalAggregate: list[PriceBandWire] = Field(default_factory=list)

    @field_validator("brandAggregate", "categoryAggregate", "priceIntervalAggregate", mode="before")
    @classmethod
    def _absent(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None:
            return value
        return [] if info.field_name == "priceIntervalAggregate" else {}


class DetailWire(Wire):
    sku: int
    name: str
    brandName: str = ""
    category: str = ""
    imagePath: str = ""
    state: int = 0
    weight: Annotated[Decimal, Field(ge=0, le=1_000_000)] | None = None  # kg
    upc: str = ""
    saleUnit: str = ""
    productArea: str = ""
    introduction: str = ""
    param: Any = None

    @field_validator("weight", mode="before")
    @classmethod
    def _blank_weight(cls, value: Any) -> Any:
        return None if value in ("", None) else value


class PriceWire(Wire):
    skuId: int
    # A negative price or a tax rate outside 0-100 % is refused here (the whole answer is then
    # supplier_invalid_answer), not stored.
    price: Yuan
    jdPrice: Yuan
    tax: int | None = Field(default=None, ge=0, le=100)


class StockWire(Wire):
    skuId: int
    stockStateId: int
    remainNum: int = -1


class ImageWire(Wire):
    path: str = Field(min_length=1)
    isPrimary: int = 0
    orderSort: int = 0


class SkuImagesWire(Wire):
    """``skuImage``: images per SKU id, the primary one first, then in the supplier's order."""

    images: dict[str, list[ImageWire]]

    @field_validator("images", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        return json_text(value)

    @field_validator("images")
    @classmethod
    def _primary_first(cls, value: dict[str, list[ImageWire]]) -> dict[str, list[ImageWire]]:
        return {
            sku: sorted(images, key=lambda i: (-i.isPrimary, i.orderSort))
            for sku, images in value.items()
        }


class ShelfWire(Wire):
    sku: int
    state: int


class SaleCheckWire(Wire):
    skuId: int
    saleState: int
    isCanVAT: int = 0
    is7ToReturn: int = 0


class AreaLimitWire(Wire):
    skuId: int
    isAreaRestrict: bool


class OrderLineWire(Wire):
    skuId: int
    num: int = Field(ge=0)
    price: Yuan


class OrderWire(Wire):
    jdOrderId: str
    # 0 for an order placed as it is; the parent's id (a number) for a child order read alone;
    # the parent's object inside a split answer (read by :class:`SplitOrderWire`).
    pOrder: Any = 0
    orderState: int = 1
    state: int = 0
    submitState: int = 0
    jdOrderState: int = 1
    freight: Yuan = Decimal(0)
    orderPrice: Yuan = Decimal(0)
    sku: list[OrderLineWire] = Field(default_factory=list)

    @field_validator("jdOrderId", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> str:
        return order_id_text(value)

    @field_validator("pOrder", mode="before")
    @classmethod
    def _parent(cls, value: Any) -> Any:
        if isinstance(value, dict):
            order_id_text(value.get("jdOrderId"))
            return value
        return 0 if value in (0, "0", None) else order_id_text(value)

    @property
    def parent_id(self) -> str | None:
        """The parent order's id this answer names, or None for an order without a parent."""
        if isinstance(self.pOrder, dict):
            return order_id_text(self.pOrder.get("jdOrderId"))
        return None if self.pOrder == 0 else str(self.pOrder)


def order_id_text(value: Any) -> str:
    """A JD order id: a positive integer, sent as a number (or, by some gateways, as digits)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("an order id must be a number")
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or int(text) <= 0:
        raise ValueError("an order id must be a positive integer")
    return text


class SplitOrderWire(Wire):
    pOrder: OrderWire
    cOrder: list[OrderWire]


class TrackEventWire(Wire):
    msgTime: str
    content: str
    operator: str = ""


class WaybillWire(Wire):
    """JD sends the waybill's order ids as strings (numbers are read too)."""

    carrier: str = ""
    deliveryOrderId: str
    orderId: str

    @field_validator("orderId", mode="before")
    @classmethod
    def _order(cls, value: Any) -> str:
        return order_id_text(value)

    @field_validator("deliveryOrderId", mode="before")
    @classmethod
    def _waybill_no(cls, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
            raise ValueError("a waybill number is text")
        return str(value)


class TrackWire(Wire):
    orderTrack: list[TrackEventWire] = Field(default_factory=list)
    waybillCode: list[WaybillWire] = Field(default_factory=list)


class MessageWire(Wire):
    id: str
    type: int
    time: str
    result: Any = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> str:
        return str(value)


class FreightWire(Wire):
    freight: Yuan


class BalanceWire(Wire):
    remainLimit: SignedYuan


class UnionBalanceWire(Wire):
    balance: BalanceWire


class RatingWire(Wire):
    skuId: int
    goodRate: Decimal = Field(ge=0, le=1)
    commentCount: int = Field(default=0, ge=0)


class CategoryWire(Wire):
    catId: int
    parentId: int = 0
    name: str
    catClass: int = Field(ge=0, le=2)


class CategoryPageWire(Wire):
    totalRows: int
    categorys: list[CategoryWire] = Field(default_factory=list)
