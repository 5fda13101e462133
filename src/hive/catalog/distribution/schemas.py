"""Input shapes of distribution pools (operators' forms), validated on construction."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hive.catalog.distribution.models import PoolKind
from hive.platform.validation import Id, Line

MAX_IDS = 500


class PoolCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Line = Field(min_length=1, max_length=64)
    kind: PoolKind
    description: Line = Field(default="", max_length=255)


class PoolMembers(BaseModel):
    """Ids to add to (or remove from) a pool: categories of a category pool, products of an
    exclusive pool."""

    model_config = ConfigDict(extra="forbid")

    ids: list[Id] = Field(min_length=1, max_length=MAX_IDS)


class AssignmentCreate(BaseModel):
    """A pool for a customer grade or for one tenant (exactly one of the two; the service
    refuses both or neither)."""

    model_config = ConfigDict(extra="forbid")

    grade_id: Id | None = None
    tenant_id: Id | None = None
