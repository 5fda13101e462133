"""Validated inputs of the catalog: selection requests and rule conditions."""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hive.platform.validation import Line

MAX_BATCH_SELECTION = 1000
SKU_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class SelectSkus(BaseModel):
    model_config = ConfigDict(extra="forbid")

    supplier_id: int = Field(gt=0)
    skus: list[str] = Field(min_length=1, max_length=MAX_BATCH_SELECTION)

    @model_validator(mode="after")
    def _skus_well_formed(self) -> Self:
        import re

        bad = [sku for sku in self.skus if not re.fullmatch(SKU_PATTERN, sku)]
        if bad:
            raise ValueError(f"malformed SKU ids: {bad[:5]}")
        self.skus = list(dict.fromkeys(self.skus))
        return self


class RuleConditions(BaseModel):
    """What a product must satisfy to be selected by a rule. Every field is optional."""

    model_config = ConfigDict(extra="forbid")

    keywords: list[Line] = Field(default_factory=list, max_length=20)
    min_margin_percent: Decimal | None = Field(default=None, ge=-100, le=100)
    min_good_rate: Decimal | None = Field(default=None, ge=0, le=1)
    category_whitelist: list[int] = Field(default_factory=list, max_length=500)
    category_blacklist: list[int] = Field(default_factory=list, max_length=500)
    brands: list[Line] = Field(default_factory=list, max_length=200)
    min_price_fen: int | None = Field(default=None, ge=0)
    max_price_fen: int | None = Field(default=None, ge=0)
    require_in_stock: bool = False
    max_products: int = Field(default=1000, ge=1, le=MAX_BATCH_SELECTION * 10)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (
            self.min_price_fen is not None
            and self.max_price_fen is not None
            and self.min_price_fen > self.max_price_fen
        ):
            raise ValueError("min_price_fen must not exceed max_price_fen")
        overlap = set(self.category_whitelist) & set(self.category_blacklist)
        if overlap:
            raise ValueError(f"categories both allowed and refused: {sorted(overlap)[:5]}")
        if not self.keywords and not self.category_whitelist:
            raise ValueError("a rule needs keywords or a category whitelist to search by")
        return self


class RuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Line = Field(min_length=1, max_length=64)
    supplier_id: int = Field(gt=0)
    conditions: RuleConditions
    scheduled: bool = False
