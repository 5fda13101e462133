"""Checks an order request must pass before anything is written."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hive.suppliers.errors import PriceChanged, SkuNotInPool
from hive.suppliers.types import UpstreamOrderRequest
from hive.suppliers.warehouse import repository as repo
from hive.suppliers.warehouse.errors import InvalidOrderRequest, ProductOffShelf
from hive.suppliers.warehouse.models import WarehouseProduct

MAX_ORDER_NO_LENGTH = 64


def check_request_shape(request: UpstreamOrderRequest) -> None:
    if not request.order_no.strip() or len(request.order_no) > MAX_ORDER_NO_LENGTH:
        raise InvalidOrderRequest("订单号为空或过长 / order_no empty or too long")
    if not request.lines:
        raise InvalidOrderRequest("订单没有商品 / Order has no lines")
    skus = [line.sku for line in request.lines]
    if len(set(skus)) != len(skus):
        raise InvalidOrderRequest("同一商品出现多行 / A SKU appears on more than one line")
    for line in request.lines:
        if line.quantity <= 0 or line.unit_price_fen < 0:
            raise InvalidOrderRequest(
                f"数量或单价不合法 / Bad quantity or price for {line.sku}",
                details={"sku": line.sku},
            )


async def validated_products(
    session: AsyncSession, supplier_id: int, request: UpstreamOrderRequest
) -> dict[str, WarehouseProduct]:
    """The request's products, refusing unknown, off-shelf or re-priced SKUs."""
    check_request_shape(request)
    products = await repo.products_by_sku(session, supplier_id, [x.sku for x in request.lines])
    for line in request.lines:
        product = products.get(line.sku)
        if product is None:
            raise SkuNotInPool(details={"sku": line.sku})
        if not product.on_shelf:
            raise ProductOffShelf(details={"sku": line.sku})
        if product.unit_price_fen != line.unit_price_fen:
            raise PriceChanged(
                details={
                    "sku": line.sku,
                    "price_fen": product.unit_price_fen,
                    "offered_fen": line.unit_price_fen,
                }
            )
    return products
