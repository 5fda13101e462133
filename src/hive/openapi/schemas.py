"""Input shapes of the Open API's apps (workbench forms, the CLI, the API itself)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hive.openapi.scopes import Scope
from hive.platform.config import parse_networks
from hive.platform.validation import Line

MAX_ALLOW_LIST = 32


class AppCreate(BaseModel):
    """A new app: its name, the scopes it may use and the client networks allowed (CIDR or
    single addresses; empty: any address)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Line = Field(min_length=1, max_length=64)
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope))
    ip_allow: list[str] = Field(default_factory=list, max_length=MAX_ALLOW_LIST)

    @field_validator("scopes")
    @classmethod
    def _unique_scopes(cls, value: list[Scope]) -> list[Scope]:
        return sorted(set(value))

    @field_validator("ip_allow")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        # Normalised (``10.1.2.3/8`` -> ``10.0.0.0/8``), so the stored list is what applies.
        return [str(network) for network in parse_networks(",".join(value))] if value else []


class RateLimitSet(BaseModel):
    """A rate limit: requests per second (refill) and burst (bucket size), per route group."""

    model_config = ConfigDict(extra="forbid")

    rate_per_s: float = Field(gt=0, le=100_000, allow_inf_nan=False)
    burst: int = Field(ge=1, le=1_000_000)
