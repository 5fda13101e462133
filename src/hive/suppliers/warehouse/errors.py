"""Error codes of the self-run warehouse. Operators' mistakes are 4xx with stable codes;
failures the order flow sees are :class:`SupplierError` subclasses like any supplier's."""

from __future__ import annotations

from hive.platform.errors import Conflict, NotFound, ValidationFailed
from hive.suppliers.errors import SupplierError


class WarehouseNotFound(NotFound):
    code = "warehouse_not_found"
    default_message = "仓库不存在 / Warehouse not found"


class WarehouseSkuNotFound(NotFound):
    code = "warehouse_sku_not_found"
    default_message = "仓库商品不存在 / SKU not stocked by this warehouse supplier"


class BatchNotFound(NotFound):
    code = "warehouse_batch_not_found"
    default_message = "批次不存在 / Batch not found"


class InvalidQuantity(ValidationFailed):
    code = "warehouse_invalid_quantity"
    default_message = "数量不合法 / Invalid quantity"


class InvalidBatch(ValidationFailed):
    code = "warehouse_invalid_batch"
    default_message = "批次信息不合法 / Invalid batch"


class InvalidProduct(ValidationFailed):
    code = "warehouse_invalid_product"
    default_message = "商品信息不合法 / Invalid product"


class InvalidWarehouse(ValidationFailed):
    code = "warehouse_invalid_warehouse"
    default_message = "仓库信息不合法 / Invalid warehouse"


class ReasonRequired(ValidationFailed):
    code = "warehouse_reason_required"
    default_message = "请填写调整原因 / A reason is required"


class DuplicateWarehouseCode(Conflict):
    code = "warehouse_code_taken"
    default_message = "仓库编码已存在 / Warehouse code already exists"


class DuplicateSku(Conflict):
    code = "warehouse_sku_taken"
    default_message = "商品编码已存在 / SKU already exists"


class DuplicateBatch(Conflict):
    code = "warehouse_batch_exists"
    default_message = "批次已入库 / Batch already received"


class AdjustmentBelowReserved(Conflict):
    code = "warehouse_adjustment_below_reserved"
    default_message = "调整后库存低于已预占数量 / Adjustment would leave less than is reserved"


class InvalidOrderRequest(SupplierError):
    code = "warehouse_invalid_order"
    http_status = 422
    default_message = "订单内容不合法 / Invalid order"


class ProductOffShelf(SupplierError):
    code = "warehouse_product_off_shelf"
    http_status = 409
    default_message = "商品已下架 / Product is off shelf"


class InvalidOrderTransition(SupplierError):
    code = "warehouse_invalid_order_transition"
    http_status = 409
    default_message = "订单当前状态不允许该操作 / Not allowed in the order's current status"


class ReturnNotAllowed(SupplierError):
    code = "warehouse_return_not_allowed"
    http_status = 409
    default_message = "该订单行不可退货 / This line cannot be returned"


class ReturnNotCancellable(SupplierError):
    code = "warehouse_return_not_cancellable"
    http_status = 409
    default_message = "退货已处理，无法取消 / Return already processed, cannot cancel"


class InvalidSearch(ValidationFailed):
    code = "warehouse_invalid_search"
    default_message = "搜索条件不合法 / Invalid search"
