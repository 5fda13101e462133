"""The Open API's routes under ``/open/v1`` (served by HAG). Thin: each names its caller (the
scope it needs) and its tenant transaction, and calls the owning domain's service. Every POST
goes through :func:`hive.openapi.idempotency.idempotent`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from hive.catalog import reference, tenant_view
from hive.catalog.distribution import service as distribution
from hive.catalog.library import service as library
from hive.catalog.library.errors import LibraryItemNotFound
from hive.catalog.pricing import service as pricing
from hive.catalog.search.service import PoolQuery, search_pool_for_tenant
from hive.events import service as events
from hive.openapi.errors import ProductNotFound
from hive.openapi.gateway import (
    CatalogReader,
    LibraryWriter,
    MessagesReader,
    OpenSession,
    gateway_of,
    image_base_url,
)
from hive.openapi.idempotency import idempotent
from hive.openapi.images import image_links
from hive.openapi.responses import ERROR_RESPONSES
from hive.openapi.schemas_api import (
    CategoriesOut,
    CategoryOut,
    LibraryAdd,
    LibraryAdded,
    LibraryRemoved,
    MessageOut,
    MessagesOut,
    PriceOut,
    PricesOut,
    PricesQuery,
    ProductDetailOut,
    ProductOut,
    ProductScope,
    ProductsOut,
    StockAnswerOut,
    StockOut,
    StockQuery,
)
from hive.openapi.service import app_actor
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
        visible = await distribution.visible_product_ids(session, caller.tenant_id, wanted)
        prices = await pricing.tenant_prices(session, caller.tenant_id, list(visible))
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


Money = Annotated[int | None, Query(ge=0, le=INT64_MAX)]


@router.get("/products", response_model=ProductsOut)
async def list_products(
    request: Request,
    caller: CatalogReader,
    session: OpenSession,
    scope: ProductScope = ProductScope.LIBRARY,
    keyword: Annotated[str, Query(max_length=64)] = "",
    category_id: Annotated[int | None, Query(ge=1, le=INT64_MAX)] = None,
    brand: Annotated[str, Query(max_length=128)] = "",
    min_price_fen: Money = None,
    max_price_fen: Money = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ProductsOut:
    """The tenant's library (``scope=library``, the default; price filters on your price), or
    every product visible to it (``scope=pool``; price filters on the market price), each with
    your price in fen. Scope ``catalog:read``."""
    if scope is ProductScope.LIBRARY:
        filters = tenant_view.LibraryFilters(
            keyword, category_id, brand, min_price_fen, max_price_fen
        )
        total, found = await tenant_view.search_library(
            session, caller.tenant_id, filters, page=page, page_size=page_size
        )
        items = [_product_out(request, p) for p in found]
        return ProductsOut(
            items=items, total=total, total_is_estimate=False, page=page, page_size=page_size
        )
    query = PoolQuery(
        keyword=keyword,
        category_id=category_id,
        brand=brand or None,
        min_price_fen=min_price_fen,
        max_price_fen=max_price_fen,
        page=page,
        page_size=page_size,
    )
    result = await search_pool_for_tenant(session, query, tenant_id=caller.tenant_id)
    ids = [hit.id for hit in result.hits]
    products = await tenant_view.tenant_products(session, caller.tenant_id, ids)
    return ProductsOut(
        items=[_product_out(request, products[i]) for i in ids if i in products],
        total=result.total,
        total_is_estimate=result.total_is_estimate,
        page=page,
        page_size=page_size,
    )


def _product_fields(request: Request, product: tenant_view.TenantProduct) -> dict[str, Any]:
    """The product's fields with its pictures under our own address (never the supplier's)."""
    main, gallery = image_links(
        gateway_of(request).image_keys,
        image_base_url(request),
        product.id,
        product.image_url,
        product.images,
    )
    return asdict(product) | {"image_url": main, "images": gallery}


def _product_out(request: Request, product: tenant_view.TenantProduct) -> ProductOut:
    return ProductOut.model_validate(_product_fields(request, product))


@router.get("/products/{product_id}", response_model=ProductDetailOut)
async def get_product(
    request: Request,
    product_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    caller: CatalogReader,
    session: OpenSession,
) -> ProductDetailOut:
    """One product visible to the tenant, with your price; ``product_not_found`` (404) for one
    that does not exist, is removed, or is not in your pools. Scope ``catalog:read``."""
    product = (await tenant_view.tenant_products(session, caller.tenant_id, [product_id])).get(
        product_id
    )
    if product is None:
        raise ProductNotFound(details={"product_id": product_id})
    return ProductDetailOut.model_validate(_product_fields(request, product))


@router.post("/stock/query", response_model=StockAnswerOut)
async def query_stock(
    request: Request, body: StockQuery, caller: CatalogReader, session: OpenSession
) -> Response:
    """Stock of up to 100 products for a delivery area, from the stock the pool keeps per
    province (``unknown`` where it keeps none). Scope ``catalog:read``."""

    async def answer() -> StockAnswerOut:
        ids = list(dict.fromkeys(item.product_id for item in body.items))
        products = await tenant_view.tenant_products(session, caller.tenant_id, ids)
        province = body.area.province_id
        items = [
            StockOut.model_validate(
                asdict(tenant_view.stock_answer(products[i.product_id], i.quantity, province))
            )
            for i in body.items
            if i.product_id in products
        ]
        return StockAnswerOut(items=items, not_found=[i for i in ids if i not in products])

    return await idempotent(request, caller, session, answer)


@router.post("/library/items", response_model=LibraryAdded)
async def add_library_items(
    request: Request, body: LibraryAdd, caller: LibraryWriter, session: OpenSession
) -> Response:
    """Add up to 100 products visible to the tenant to its library (those already there are
    kept). ``invalid_library_request`` (422, problem ``not_visible``) when any id is not in
    your pools: nothing is added then. Scope ``library:write``."""

    async def answer() -> LibraryAdded:
        added = await library.add_products(session, app_actor(caller), body.product_ids)
        return LibraryAdded(added=added)

    return await idempotent(request, caller, session, answer)


@router.delete("/library/items/{product_id}", response_model=LibraryRemoved)
async def remove_library_item(
    product_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    caller: LibraryWriter,
    session: OpenSession,
) -> LibraryRemoved:
    """Remove a product from the tenant's library; ``library_item_not_found`` (404) when it is
    not there. Scope ``library:write``."""
    removed = await library.remove_products(session, app_actor(caller), [product_id])
    if removed == 0:
        raise LibraryItemNotFound(details={"product_id": product_id})
    return LibraryRemoved(removed=removed)
