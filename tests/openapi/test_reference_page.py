"""The gateway's API reference page is self-hosted: ``/docs`` is Swagger UI over the gateway's
own ``/openapi.json``, and every file the page loads is answered by the gateway itself (a
CDN may be unreachable from the integrator's network, and must not see who reads our docs)."""

from __future__ import annotations

import re

import httpx


def test_the_docs_page_and_everything_it_loads_come_from_the_gateway(gateway: str) -> None:
    with httpx.Client(base_url=gateway, timeout=30) as client:
        page = client.get("/docs")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        html = page.text
        # Nothing loaded from elsewhere: every src/href is a path on this gateway.
        loaded = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        assert loaded and all(url.startswith("/") and not url.startswith("//") for url in loaded)
        assert "http://" not in html and "https://" not in html
        assert "'/openapi.json'" in html or '"/openapi.json"' in html
        for url in loaded:
            asset = client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 500, url
        kinds = {client.get(url).headers["content-type"].split(";")[0] for url in loaded}
        assert {"text/javascript", "text/css"} <= kinds
        bundle = next(url for url in loaded if url.endswith(".js"))
        assert b"SwaggerUIBundle" in client.get(bundle).content
        spec = client.get("/openapi.json").json()
        assert "/open/v1/products/{product_id}" in spec["paths"]
        assert "/docs" not in spec["paths"] and not any("/docs/" in p for p in spec["paths"])
