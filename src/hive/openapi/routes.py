"""The Open API's routes under ``/open/v1`` (served by HAG). Thin: each names its caller (the
scope it needs) and its tenant transaction, and calls the owning domain's service."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from hive.catalog import reference
from hive.openapi.gateway import CatalogReader, OpenSession
from hive.openapi.responses import ERROR_RESPONSES

router = APIRouter(prefix="/open/v1", tags=["open-api"], responses=ERROR_RESPONSES)


class CategoryOut(BaseModel):
    id: int
    parent_id: int | None
    name: str
    level: int


class CategoriesOut(BaseModel):
    items: list[CategoryOut]


@router.get("/categories", response_model=CategoriesOut)
async def list_categories(caller: CatalogReader, session: OpenSession) -> CategoriesOut:
    """Hive's category tree (3 levels), parents before children. Scope ``catalog:read``."""
    rows = await reference.list_categories(session)
    return CategoriesOut(
        items=[
            CategoryOut(id=r.id, parent_id=r.parent_id, name=r.name, level=r.level) for r in rows
        ]
    )
