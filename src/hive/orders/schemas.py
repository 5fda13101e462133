"""The order request (Open API body and workbench checkout): validated before anything is
read or written."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from hive.orders.models import ORDER_NO_PATTERN
from hive.platform.money import MAX_ABS_FEN
from hive.platform.validation import Id, Line

MAX_ITEMS = 100
MAX_QUANTITY = 9_999
MOBILE_PATTERN = r"^1[3-9][0-9]{9}$"


class OrderItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: Id
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY, strict=True)]
    # The price the tenant expects (fen); refused with the current price when it differs.
    unit_price: Annotated[int, Field(ge=0, le=MAX_ABS_FEN, strict=True)]


class AddressIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    province_id: Id
    city_id: Id
    county_id: Id
    town_id: Id | None = None
    detail: Annotated[Line, Field(min_length=1, max_length=200)]
    receiver: Annotated[Line, Field(min_length=1, max_length=32)]
    mobile: Annotated[str, Field(pattern=MOBILE_PATTERN)]


class InvoiceIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    title: Annotated[Line, Field(min_length=1, max_length=100)]
    tax_id: Annotated[str, Field(pattern=r"^[0-9A-Z]{15,20}$")] | None = None


class OrderRequest(BaseModel):
    """``POST /open/v1/orders``: the tenant's own ``order_no`` (1–64 of ``A-Z a-z 0-9 _ -``),
    1–100 lines (each product once), the four-level address with receiver, optional invoice and
    remark."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    # Never trimmed: " PO-1" or "PO-1\n" is refused, not silently made another number.
    order_no: Annotated[str, StringConstraints(strip_whitespace=False, pattern=ORDER_NO_PATTERN)]
    items: Annotated[list[OrderItemIn], Field(min_length=1, max_length=MAX_ITEMS)]
    address: AddressIn
    invoice: InvoiceIn | None = None
    remark: Annotated[Line, Field(max_length=200)] = ""

    @field_validator("items")
    @classmethod
    def _each_product_once(cls, items: list[OrderItemIn]) -> list[OrderItemIn]:
        ids = [item.product_id for item in items]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            text = ", ".join(map(str, repeated))
            raise PydanticCustomError(
                "duplicate", "each product must appear once: {ids}", {"ids": text}
            )
        return items

    def fingerprint(self) -> str:
        """SHA-256 of the canonical request: the same body always gives the same value."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()
