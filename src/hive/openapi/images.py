"""Product pictures under our own address for the Open API: ``/open/v1/images/<name>``.

A tenant must not learn our supplier, so an answer never carries the supplier's image host or
path: each picture becomes ``<base>/<product_id>-<index>-<mac>`` (index 0 the main image, 1…
the gallery), served by the gateway through the console's image proxy (fetched once, cached on
disk, a placeholder when missing).

Why unsigned, and why a MAC: integrators embed these URLs in their own shops, where shoppers'
browsers fetch them, so they cannot carry a request signature and must not expire. The MAC
(HMAC-SHA256 under a key derived from ``HIVE_SECRET_KEY``, 96 bits) makes a name unguessable,
so only holders of an Open API answer can fetch a picture and nobody can walk our catalogue by
counting ids; it is stable, so a name stays valid (keys in ``HIVE_PREVIOUS_SECRET_KEYS`` are
still accepted after a rotation). And only products we sell (active in the pool) are fetched
from the supplier; any other valid name answers the placeholder.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

from hive.platform.validation import INT64_MAX

_PURPOSE = b"hive.openapi.images"
_MAC_HEX = 24
_NAME = re.compile(r"([1-9][0-9]{0,18})-([0-9]{1,3})-([0-9a-f]{24})", re.ASCII)
MAX_INDEX = 999


@dataclass(frozen=True, slots=True)
class ImageKeys:
    """The current key (names are made with it) and the previous ones (still accepted)."""

    current: bytes
    previous: tuple[bytes, ...] = ()

    @classmethod
    def from_secrets(cls, secret: str, previous: Sequence[str] = ()) -> ImageKeys:
        def derive(value: str) -> bytes:
            return hmac.new(value.encode(), _PURPOSE, hashlib.sha256).digest()

        return cls(derive(secret), tuple(derive(value) for value in previous))


def _mac(key: bytes, product_id: int, index: int) -> str:
    message = f"{product_id}:{index}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:_MAC_HEX]


def image_name(keys: ImageKeys, product_id: int, index: int) -> str:
    """The opaque name of picture ``index`` of ``product_id``."""
    return f"{product_id}-{index}-{_mac(keys.current, product_id, index)}"


def parse_name(keys: ImageKeys, name: str) -> tuple[int, int] | None:
    """``(product_id, index)`` of a name one of our keys made, else None."""
    found = _NAME.fullmatch(name)
    if found is None:
        return None
    product_id, index = int(found[1]), int(found[2])
    if product_id > INT64_MAX or index > MAX_INDEX:
        return None
    for key in (keys.current, *keys.previous):
        if hmac.compare_digest(_mac(key, product_id, index), found[3]):
            return product_id, index
    return None


def image_links(
    keys: ImageKeys, base_url: str, product_id: int, image_url: str, images: Sequence[object]
) -> tuple[str, list[str]]:
    """Our addresses for a product's main image (``""`` when it has none) and its gallery, in
    place of the supplier's ``image_url`` and ``images``."""
    base = base_url.rstrip("/")
    main = f"{base}/{image_name(keys, product_id, 0)}" if image_url else ""
    count = min(len(images), MAX_INDEX)
    gallery = [f"{base}/{image_name(keys, product_id, i + 1)}" for i in range(count) if images[i]]
    return main, gallery
