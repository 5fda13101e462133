"""The workbench cart and checkout: lines a tenant's user collects from its library, priced
and checked with the same rules an order is accepted by, and turned into an order by
:func:`place_from_cart` (``accept_order``; the ordered lines leave the cart in the same
transaction).

Each checkout form carries its own order number (:func:`new_order_no`), so a form sent twice
(a double click, a retry after a timeout) is one order: the second answer is the first order.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.library import service as library
from hive.console.timefmt import DISPLAY_TIMEZONE
from hive.orders import cart_repository as repository
from hive.orders import search_repository
from hive.orders.acceptance import Accepted, accept_order
from hive.orders.cart_models import MAX_CART_LINES, MAX_CART_QUANTITY, CartItem
from hive.orders.errors import ProductsNotOrderable
from hive.orders.quotation import Quote
from hive.orders.schemas import OrderRequest
from hive.platform.actor import Actor
from hive.platform.crypto import SecretBox
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import Action, require
from hive.platform.validation import InvalidInput, Problem


def _owner(actor: Actor) -> tuple[int, int]:
    require(actor, Action.PLACE_ORDER)
    if actor.tenant_id is None or actor.user_id is None:
        raise PermissionDenied(details={"action": Action.PLACE_ORDER.value})
    return actor.tenant_id, actor.user_id


def shopper_tenant(actor: Actor) -> int:
    """The tenant a user may order for (``orders.place``); raises ``permission_denied``."""
    return _owner(actor)[0]


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_CART_QUANTITY:
        code, params = (
            ("too_small", {"min": 1}) if quantity < 1 else ("too_large", {"max": MAX_CART_QUANTITY})
        )
        raise InvalidInput([Problem("quantity", code, params)])


async def add_to_cart(session: AsyncSession, actor: Actor, product_id: int, quantity: int) -> None:
    """Add a library product to the actor's cart (its quantity adds up, at most 9,999). Raises
    ``products_not_orderable`` for a product not in the tenant's library, ``invalid_input`` for
    a bad quantity or a cart already holding 100 other products."""
    tenant_id, user_id = _owner(actor)
    _check_quantity(quantity)
    if product_id not in await library.held(session, tenant_id, [product_id]):
        raise ProductsNotOrderable(details={"product_ids": [product_id]})
    held = {line.product_id for line in await repository.lines(session, tenant_id, user_id)}
    if product_id not in held and len(held) >= MAX_CART_LINES:
        raise InvalidInput(
            [Problem("product_id", "too_many", {"count": len(held) + 1, "max": MAX_CART_LINES})]
        )
    await repository.add(session, tenant_id, user_id, product_id, quantity)


async def change_quantity(
    session: AsyncSession, actor: Actor, product_id: int, quantity: int
) -> None:
    """Set a cart line's quantity (1–9,999); a product not in the cart is ``invalid_input``."""
    tenant_id, user_id = _owner(actor)
    _check_quantity(quantity)
    if not await repository.set_quantity(session, tenant_id, user_id, product_id, quantity):
        raise InvalidInput([Problem("product_id", "not_found", {"ids": product_id})])


async def remove_from_cart(session: AsyncSession, actor: Actor, product_ids: Sequence[int]) -> None:
    tenant_id, user_id = _owner(actor)
    await repository.remove(session, tenant_id, user_id, product_ids)


async def cart_items(session: AsyncSession, actor: Actor) -> list[CartItem]:
    """The actor's cart lines, oldest first (a tenant session)."""
    tenant_id, user_id = _owner(actor)
    return await repository.lines(session, tenant_id, user_id)


@dataclass(frozen=True, slots=True)
class CartLine:
    """A cart line as checkout shows it: the tenant's price now (fen), None when the product
    cannot be ordered now (left the library or the pool, off shelf, out of stock)."""

    product_id: int
    name: str
    quantity: int
    price_fen: int | None

    @property
    def amount_fen(self) -> int:
        return (self.price_fen or 0) * self.quantity


async def priced_lines(
    session: AsyncSession, tenant_id: int, items: Sequence[tuple[int, int]]
) -> list[CartLine]:
    """``(product id, quantity)`` pairs with names and the tenant's current prices, by the
    rules acceptance applies (``library.orderable``; a platform session: it reads suppliers)."""
    ids = [product_id for product_id, _ in items]
    orderable = await library.orderable(session, tenant_id, ids)
    names = await search_repository.product_names(session, ids)
    return [
        CartLine(
            product_id,
            names.get(product_id, ""),
            quantity,
            orderable[product_id].price_fen if product_id in orderable else None,
        )
        for product_id, quantity in items
    ]


def new_order_no(now: datetime | None = None) -> str:
    """A fresh order number for one checkout form: ``WB`` + Beijing time to the second + six
    random hex digits (22 characters of the order number alphabet)."""
    moment = (now or datetime.now(UTC)).astimezone(DISPLAY_TIMEZONE)
    return f"WB{moment:%Y%m%d%H%M%S}{secrets.token_hex(3).upper()}"


async def place_from_cart(
    session: AsyncSession,
    actor: Actor,
    request: OrderRequest,
    box: SecretBox,
    quote: Quote | None,
) -> Accepted:
    """Accept the checkout's order (the same rules and codes as ``POST /open/v1/orders``) at
    the suppliers' ``quote`` (freight; asked with no transaction open, see
    :func:`hive.orders.quotation.quote_new_order`; None for a number already placed) and take
    its products out of the actor's cart, in the caller's platform transaction."""
    tenant_id, user_id = _owner(actor)
    accepted = await accept_order(session, actor, tenant_id, request, box, quote=quote)
    await repository.remove(
        session, tenant_id, user_id, [item.product_id for item in request.items]
    )
    return accepted
