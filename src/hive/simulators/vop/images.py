"""Product images of the simulator: JD answers image paths relative to its image host
(``jfs/t1/…/xxxN1.jpg`` under ``https://img13.360buyimg.com/n1/``); the simulator serves any
such path under ``/images/n1/`` as a small generated picture (SVG), so pages show a picture
per product offline. The colour follows the path, so one product always looks the same."""

from __future__ import annotations

import hashlib
from html import escape

from starlette.requests import Request
from starlette.responses import Response

IMAGE_PREFIX = "/images/n1/"
PALETTE = ("#3370ff", "#00a870", "#ff7d00", "#d54941", "#7b61ff", "#0594fa", "#e37318")


def picture(path: str) -> str:
    """An SVG picture for the image ``path`` (a JD-style ``jfs/…/xxxN1.jpg``)."""
    digest = hashlib.sha256(path.encode()).digest()
    colour = PALETTE[digest[0] % len(PALETTE)]
    label = escape(path.rsplit("/", 1)[-1][-8:-4] or "img")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240">'
        f'<rect width="240" height="240" fill="{colour}"/>'
        '<rect x="60" y="40" width="120" height="160" rx="14" fill="#ffffff" opacity="0.85"/>'
        f'<text x="120" y="226" font-size="18" text-anchor="middle" fill="#ffffff">{label}</text>'
        "</svg>"
    )


async def image(request: Request) -> Response:
    path = request.path_params["path"]
    if not path.endswith((".jpg", ".png", ".jpeg")) or ".." in path:
        return Response(status_code=404)
    return Response(
        picture(path),
        media_type="image/svg+xml",
        headers={"cache-control": "public, max-age=86400"},
    )
