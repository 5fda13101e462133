"""The API reference page a service serves itself: Swagger UI over its ``/openapi.json``, with
Swagger UI's script, style and icon answered by the service too (vendored by ``make install``
from the pinned npm package ``swagger-ui-dist``), so the page works offline and behind a
firewall — never loaded from a CDN, as FastAPI's default page is."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

VENDOR_DIR = Path(__file__).resolve().parent.parent / "console" / "static" / "vendor"
DOCS_PATH = "/docs"
# Served name -> vendored file and its media type.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


def gateway_docs_url(request: Request) -> str:
    """The Open API gateway's (HAG's) own reference page as a tenant reaches it from the
    console's page: under ``HIVE_OPEN_API_PUBLIC_URL`` when set (a gateway behind a proxy),
    else the scheme and host of ``request`` on HAG's port (``HIVE_HAG_PORT``)."""
    settings = request.app.state.settings
    if settings.open_api_public_url:
        return f"{settings.open_api_public_url.rstrip('/')}{DOCS_PATH}"
    host = request.url.netloc.rsplit(":", 1)[0] if request.url.port else request.url.netloc
    return f"{request.url.scheme}://{host}:{settings.hag_port}{DOCS_PATH}"


def add_api_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and its files under ``/docs/assets/``."""
    openapi_url = app.openapi_url or "/openapi.json"
    assets = f"{DOCS_PATH}/assets"

    @app.get(DOCS_PATH, include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} — API",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
        )

    for name, media_type in ASSETS.items():
        path = VENDOR_DIR / name

        async def asset(path: Path = path, media_type: str = media_type) -> FileResponse:
            return FileResponse(
                path, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
            )

        app.add_api_route(f"{assets}/{name}", asset, methods=["GET"], include_in_schema=False)
