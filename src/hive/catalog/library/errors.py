"""Error codes of the tenants' product libraries."""

from __future__ import annotations

from hive.platform.errors import NotFound
from hive.platform.validation import InvalidInput


class InvalidLibraryInput(InvalidInput):
    """A library request refused; ``problems`` name each field with a stable code
    (``not_visible``, ``below_cost``, ``too_many`` …)."""

    code = "invalid_library_request"
    default_message = "商品库操作不合法 / Invalid product library request"


class LibraryItemNotFound(NotFound):
    code = "library_item_not_found"
    default_message = "商品不在您的商品库中 / The product is not in your library"
