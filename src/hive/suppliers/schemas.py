from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from hive.platform.validation import Line
from hive.suppliers.types import SupplierKind

_METHOD = r"^(\*|[a-zA-Z0-9]+(/[a-zA-Z0-9]+)*)$"


class VopCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    client_id: Line = Field(min_length=1, max_length=128)
    client_secret: Line = Field(min_length=1, max_length=256)
    username: Line = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)


class SupplierCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Line = Field(min_length=1, max_length=64)
    kind: SupplierKind
    base_url: HttpUrl | None = None
    credentials: VopCredentials | None = None
    # Calls per second per method ("*" = default for every method).
    rate_limits: dict[str, float] = Field(default_factory=dict)

    @field_validator("rate_limits")
    @classmethod
    def _positive_rates(cls, value: dict[str, float]) -> dict[str, float]:
        import re

        for method, rate in value.items():
            if not re.fullmatch(_METHOD, method):
                raise ValueError(f"not a method name: {method!r}")
            if not 0 < rate <= 10_000:
                raise ValueError(f"rate for {method} must be in (0, 10000] calls/s")
        return value
