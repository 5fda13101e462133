"""The Open API's routes under ``/open/v1`` (served by HAG). Thin: each names its caller (the
scope it needs) and its tenant transaction, and calls the owning domain's service. Every POST
goes through :func:`hive.openapi.idempotency.idempotent`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hive.catalog import reference
from hive.catalog.pricing import service as pricing
from hive.events import service as events
from hive.openapi.gateway import CatalogReader, MessagesReader, OpenSession
from hive.openapi.idempotency import idempotent
from hive.openapi.responses import ERROR_RESPONSES
from hive.openapi.schemas_api import (
    CategoriesOut,
    CategoryOut,
    MessageOut,
    MessagesOut,
    PriceOut,
    PricesOut,
    PricesQuery,
)
from hive.platform.validation import INT64_MAX

router = APIRouter(prefix="/open/v1", tags=["open-api"], responses=ERROR_RESPONSES)


@router.get("/categories", response_model=CategoriesOut)
async def list_categories(caller: CatalogReader, session: OpenSession) -> CategoriesOut:
    """Hive's category tree (3 levels), parents before children. Scope ``catalog:read``."""
    rows = await reference.list_categories(session)
    items = [CategoryOut(id=r.id, parent_id=r.parent_id, name=r.name, level=r.level) for r in rows]
    return CategoriesOut(items=items)


@router.post("/prices/query", response_model=PricesOut)
async def query_prices(
    request: Request, body: PricesQuery, caller: CatalogReader, session: OpenSession
) -> Response:
    """The tenant's price in fen of up to 100 products; ids it has no price for are listed in
    ``not_found``. Scope ``catalog:read``."""

    async def answer() -> PricesOut:
        wanted = list(dict.fromkeys(body.product_ids))
        prices = await pricing.tenant_prices(session, caller.tenant_id, wanted)
        return PricesOut(
            items=[PriceOut(product_id=i, price_fen=prices[i]) for i in wanted if i in prices],
            not_found=[i for i in wanted if i not in prices],
        )

    return await idempotent(request, caller, session, answer)


@router.get("/messages", response_model=MessagesOut)
async def read_messages(
    caller: MessagesReader,
    session: OpenSession,
    after: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=events.MAX_PAGE)] = 100,
) -> MessagesOut:
    """The tenant's events after cursor ``after`` (0: from the oldest kept), oldest first; an
    event of a transaction still in flight is held back, never skipped. ``unknown_event_cursor``
    (404) for a cursor that is not one of this tenant's events. Scope ``messages:read``."""
    rows = await events.read_events(session, caller.tenant_id, after=after, limit=limit)
    items = [MessageOut.model_validate(row, from_attributes=True) for row in rows]
    return MessagesOut(items=items, next_after=items[-1].id if items else after)
