"""Request and response shapes of the ``/open/v1`` routes (the OpenAPI document shows these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hive.platform.validation import Id

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
