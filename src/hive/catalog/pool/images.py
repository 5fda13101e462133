"""Product images: fetched from the supplier once, cached on disk, served from our own address
(the console's ``/images/products/<id>``, the Open API's ``/open/v1/images/<name>``), a
placeholder when a product has none or its supplier cannot give it. Neither a supplier's host
nor its path ever reaches a browser or a tenant.

Suppliers give an image as an absolute URL or, like JD, a path relative to their image host;
a VOP supplier's relative path is resolved against ``HIVE_VOP_IMAGE_BASE_URL`` (JD's image
host) or, when that is empty, against the supplier's own address + ``/images/n1/`` (the
simulator serves its pictures there). Only ``http``/``https`` addresses stored on a product are
fetched, answers that are not images or larger than ``image_max_bytes`` are dropped.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from starlette.responses import Response

from hive.platform.config import Settings

PLACEHOLDER = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240">'
    '<rect width="240" height="240" fill="#eceef1"/>'
    '<path d="M70 160l35-45 28 34 20-24 37 35z" fill="#b6bcc6"/>'
    '<circle cx="160" cy="90" r="14" fill="#b6bcc6"/></svg>'
)
PLACEHOLDER_TYPE = "image/svg+xml"
ALLOWED_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "image/svg+xml")


@dataclass(frozen=True, slots=True)
class Picture:
    content: bytes
    media_type: str
    placeholder: bool = False


def placeholder() -> Picture:
    return Picture(PLACEHOLDER.encode(), PLACEHOLDER_TYPE, placeholder=True)


def as_response(found: Picture, *, shared: bool) -> Response:
    """The picture as an HTTP answer: kept a day by browsers (and, ``shared``, by proxies and
    CDNs in front of us), a placeholder only five minutes so a picture that comes back shows."""
    max_age = 300 if found.placeholder else 86400
    visibility = "public" if shared else "private"
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"cache-control": f"{visibility}, max-age={max_age}"},
    )


def resolve(image_url: str, supplier_kind: str, supplier_base_url: str, settings: Settings) -> str:
    """The absolute address of a product's image, or ``""`` when there is none."""
    if not image_url:
        return ""
    if urlsplit(image_url).scheme in ("http", "https"):
        return image_url
    if image_url.startswith("//"):
        return "https:" + image_url
    if supplier_kind != "vop":
        return ""
    base = settings.vop_image_base_url or supplier_base_url.rstrip("/") + "/images/n1/"
    return urljoin(base if base.endswith("/") else base + "/", image_url.lstrip("/"))


async def picture(url: str, settings: Settings) -> Picture:
    """The image at ``url``, from the cache or fetched once; the placeholder when it cannot be
    had (no address, not an image, too large, the supplier down)."""
    if urlsplit(url).scheme not in ("http", "https"):
        return placeholder()
    cached = _cache_path(settings, url)
    stored = await asyncio.to_thread(_read, cached)
    if stored is not None:
        return stored
    fetched = await _fetch(url, settings)
    if fetched is None:
        return placeholder()
    await asyncio.to_thread(_write, cached, fetched)
    return fetched


def _read(path: Path) -> Picture | None:
    try:
        media_type, _, content = path.read_bytes().partition(b"\n")
    except FileNotFoundError:
        return None
    return Picture(content, media_type.decode())


def _write(path: Path, picture: Picture) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own per writer: two requests for the same picture at once each write their
    # own partial file, and whichever renames last wins (both hold the same picture).
    partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
    try:
        partial.write_bytes(picture.media_type.encode() + b"\n" + picture.content)
        partial.replace(path)  # whole or not at all, for readers at the same time
    finally:
        partial.unlink(missing_ok=True)


async def _fetch(url: str, settings: Settings) -> Picture | None:
    try:
        async with httpx.AsyncClient(timeout=settings.image_fetch_timeout_s) as client:
            response = await client.get(url)
    except httpx.HTTPError:
        return None
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if (
        response.status_code != 200
        or media_type not in ALLOWED_TYPES
        or len(response.content) > settings.image_max_bytes
    ):
        return None
    return Picture(response.content, media_type)


def _cache_path(settings: Settings, url: str) -> Path:
    digest = hashlib.sha256(url.encode()).hexdigest()
    return settings.data_dir / "image-cache" / digest[:2] / digest
