"""``GET /open/v1/images/{name}``: a product picture from our own address, for the names the
Open API's product answers carry (``hive.openapi.images``). Unsigned on purpose: shoppers'
browsers fetch these from the tenants' shops."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from hive.catalog.pool import images as pictures
from hive.catalog.pool import service as pool
from hive.openapi.errors import ImageNotFound
from hive.openapi.gateway import gateway_of
from hive.openapi.images import parse_name
from hive.openapi.responses import ErrorOut
from hive.platform.http import PUBLIC, database_of

router = APIRouter(prefix="/open/v1", tags=["open-api"], dependencies=[PUBLIC])

_IMAGE_TYPES: dict[str, dict[str, object]] = {kind: {} for kind in pictures.ALLOWED_TYPES}


@router.get(
    "/images/{name}",
    response_class=Response,
    responses={
        200: {"content": _IMAGE_TYPES, "description": "The picture, or a placeholder"},
        404: {"model": ErrorOut, "description": "Not a name an Open API answer gave"},
    },
)
async def product_image(request: Request, name: Annotated[str, Path(max_length=64)]) -> Response:
    """A product picture named in an Open API answer (``image_url``, ``images``): fetched from
    the supplier once and cached, a placeholder while the product has none, its supplier
    cannot give it, or we no longer sell it. ``image_not_found`` (404) for any other name.
    No signature: embed these addresses in your shop as they are."""
    found = parse_name(gateway_of(request).image_keys, name)
    if found is None:
        raise ImageNotFound()
    settings = request.app.state.settings
    async with database_of(request).platform_transaction() as session:
        url = await pool.image_address(session, settings, found[0], found[1], sold_only=True)
    return pictures.as_response(await pictures.picture(url, settings), shared=True)
