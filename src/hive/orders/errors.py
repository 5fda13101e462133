"""Order error codes (stable; clients may branch on them)."""

from __future__ import annotations

from hive.platform.errors import Conflict, NotFound, ValidationFailed


class OrderNumberTaken(Conflict):
    """The tenant's ``order_no`` already names an order with another body."""

    code = "order_no_conflict"
    default_message = "订单号已用于内容不同的订单 / This order number names a different order"


class ProductsNotOrderable(ValidationFailed):
    """Products not in the tenant's library or not sellable now; ``details["product_ids"]``."""

    code = "products_not_orderable"
    default_message = "商品不在商品库或暂不可售 / Products not in your library or not for sale"


class PriceChanged(Conflict):
    """A line's ``unit_price`` differs from the tenant's current price; ``details["prices"]``
    lists ``{product_id, unit_price, current_price}`` for each such line (fen)."""

    code = "price_changed"
    default_message = "商品价格已变化 / The price has changed"


class OrderNotFound(NotFound):
    code = "order_not_found"
    default_message = "订单不存在 / Order not found"


class OrderNotCancellable(Conflict):
    """A sub-order has shipped (or completed): the order can no longer be cancelled;
    ``details["sub_orders"]`` lists ``{sub_order_no, status}`` of the ones in the way."""

    code = "order_not_cancellable"
    default_message = "订单已发货，不能取消 / The order has shipped and cannot be cancelled"


class SubOrderNotHeld(Conflict):
    """The sub-order is not held on an alarm (never was, or an operator resolved it already):
    there is nothing to resolve; ``details["sub_order_no"]``, ``details["status"]``."""

    code = "sub_order_not_held"
    default_message = "该子订单未挂起，无需处理 / The sub-order is not held"


class QuoteOutdated(Conflict):
    """A product's supplier changed between the stock check and the acceptance: send the
    order again."""

    code = "order_quote_outdated"
    default_message = (
        "商品信息刚刚变化，请重新提交 / Product data just changed; send the order again"
    )


class AreaNotDeliverable(ValidationFailed):
    """Products the supplier does not deliver to the order's area; ``details["product_ids"]``."""

    code = "area_not_deliverable"
    default_message = "部分商品不支持配送到该地区 / Some products cannot be delivered to this area"


class OutOfStockForArea(Conflict):
    """Products without enough stock for the order's area; ``details["product_ids"]``."""

    code = "out_of_stock"
    default_message = "部分商品在该地区库存不足 / Some products are out of stock for this area"
