"""VOP wire models → Hive domain types (integer fen, our enums, our field names)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC
from typing import Any

from hive.platform.money import format_yuan, to_fen
from hive.suppliers.errors import InvalidSupplierAnswer
from hive.suppliers.types import (
    AfterSaleStep,
    FacetCount,
    MessageType,
    OrderLine,
    OrderTrack,
    PriceQuote,
    ProductDetail,
    SearchHit,
    SearchResult,
    StockLevel,
    StockState,
    SupplierMessage,
    TrackEvent,
    UpstreamOrder,
    UpstreamOrderStatus,
    Waybill,
)
from hive.suppliers.vop.aftersales import STEPS
from hive.suppliers.vop.signing import parse_vop_time
from hive.suppliers.vop.wire import (
    DetailWire,
    MessageWire,
    OrderWire,
    PriceWire,
    SearchWire,
    StockWire,
    TrackWire,
)

STOCK_STATES = {
    33: StockState.IN_STOCK,
    39: StockState.IN_TRANSIT,
    40: StockState.ALLOCATABLE,
    36: StockState.PRE_ORDER,
    34: StockState.OUT_OF_STOCK,
    99: StockState.NO_GOODS,
}


def search_result(wire: SearchWire) -> SearchResult:
    hits = tuple(
        SearchHit(
            sku=h.wareId, name=h.wareName, brand=h.brand, category_id=h.catId, image_url=h.imageUrl
        )
        for h in wire.hitResult
    )
    return SearchResult(
        total=wire.resultCount,
        page=wire.pageIndex,
        page_size=wire.pageSize,
        hits=hits,
        **_facets(wire),
    )


def _facets(wire: SearchWire) -> dict[str, tuple[FacetCount, ...]]:
    """Facets from the top-level aggregates; a count JD leaves out reads 0 (unknown)."""
    brands = tuple(
        FacetCount(b.id or b.name, b.name, b.count) for b in wire.brandAggregate.brandList
    )
    categories = tuple(
        FacetCount(str(c.catId), c.name, c.count) for c in wire.categoryAggregate.leaves
    )
    bands = []
    for band in wire.priceIntervalAggregate:
        label = f"{format_yuan(to_fen(band.min))}-{format_yuan(to_fen(band.max))}"
        bands.append(FacetCount(label, label, band.count))
    return {"brands": brands, "categories": categories, "price_bands": tuple(bands)}


def product_detail(wire: DetailWire) -> ProductDetail:
    try:
        category_ids = tuple(int(part) for part in wire.category.split(";") if part)
    except ValueError:
        raise InvalidSupplierAnswer(details={"category": wire.category}) from None
    return ProductDetail(
        sku=str(wire.sku),
        name=wire.name,
        brand=wire.brandName,
        category_ids=category_ids,
        image_url=wire.imagePath,
        on_shelf=wire.state == 1,
        weight_g=int(wire.weight * 1000) if wire.weight is not None else None,
        upc=wire.upc,
        sale_unit=wire.saleUnit,
        origin=wire.productArea,
        introduction_html=wire.introduction,
        attributes=_params(wire.param),
    )


def _params(param: Any) -> dict[str, str]:
    if isinstance(param, Mapping):
        return {str(k): str(v) for k, v in param.items()}
    return {}


def price_quote(wire: PriceWire) -> PriceQuote:
    return PriceQuote(
        sku=str(wire.skuId),
        purchase_fen=to_fen(wire.price),
        retail_fen=to_fen(wire.jdPrice),
        tax_rate_percent=wire.tax,
    )


def stock_level(wire: StockWire) -> StockLevel:
    state = STOCK_STATES.get(wire.stockStateId)
    if state is None:
        raise InvalidSupplierAnswer(details={"stockStateId": wire.stockStateId})
    return StockLevel(
        sku=str(wire.skuId), state=state, remaining=wire.remainNum if wire.remainNum >= 0 else None
    )


def order_status(wire: OrderWire) -> UpstreamOrderStatus:
    """VOP's ``jdOrderState`` (1 new … 8 awaiting dispatch … 16 awaiting receipt … 19 done)."""
    if wire.orderState == 0:
        return UpstreamOrderStatus.CANCELLED
    if wire.jdOrderState >= 19:
        return UpstreamOrderStatus.COMPLETED
    if wire.state == 1:
        return UpstreamOrderStatus.DELIVERED
    if wire.jdOrderState >= 16:
        return UpstreamOrderStatus.SHIPPED
    if wire.jdOrderState >= 9:
        return UpstreamOrderStatus.IN_PRODUCTION
    if wire.submitState == 1 or wire.jdOrderState == 8:
        return UpstreamOrderStatus.CONFIRMED
    return UpstreamOrderStatus.RESERVED


def upstream_order(
    wire: OrderWire,
    order_no: str,
    children: tuple[UpstreamOrder, ...] = (),
    parent_id: str | None = None,
) -> UpstreamOrder:
    lines = tuple(OrderLine(str(line.skuId), line.num, to_fen(line.price)) for line in wire.sku)
    return UpstreamOrder(
        supplier_order_id=wire.jdOrderId,
        order_no=order_no,
        status=order_status(wire),
        total_fen=to_fen(wire.orderPrice) + to_fen(wire.freight),
        freight_fen=to_fen(wire.freight),
        lines=lines,
        children=children,
        parent_id=parent_id,
    )


def order_track(supplier_order_id: str, wire: TrackWire) -> OrderTrack:
    events = tuple(
        TrackEvent(
            at=parse_vop_time(e.msgTime).astimezone(UTC), content=e.content, operator=e.operator
        )
        for e in wire.orderTrack
    )
    waybills = tuple(
        Waybill(carrier=w.carrier, waybill_no=w.deliveryOrderId, supplier_order_id=w.orderId)
        for w in wire.waybillCode
    )
    return OrderTrack(supplier_order_id, events, waybills)


def _id_text(value: Any) -> str:
    """A JD id (SKU, order, service): a positive integer sent as a number or as digits."""
    plain = isinstance(value, int | str) and not isinstance(value, bool)
    text = str(value).strip() if plain else ""
    if not (text.isascii() and text.isdigit() and int(text) > 0):
        raise ValueError(f"not an id: {value!r}")
    return text


_PAYLOAD_FIELDS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "skuId": ("sku", _id_text),
    "orderId": ("supplier_order_id", _id_text),
    "jdOrderId": ("supplier_order_id", _id_text),
    "pOrder": ("parent_order_id", _id_text),
    "packageId": ("package_id", str),
    "afsServiceId": ("service_id", _id_text),
}


def _after_sale_step(state: Any) -> AfterSaleStep:
    step = STEPS.get(int(state)) if str(state).isascii() and str(state).isdigit() else None
    if step is None:
        raise ValueError(f"unknown after-sale step {state!r}")
    return step


def supplier_message(wire: MessageWire) -> SupplierMessage | None:
    """Our form of a change-feed message; None for a type Hive does not know."""
    try:
        message_type = MessageType(wire.type)
    except ValueError:
        return None
    result = wire.result if isinstance(wire.result, Mapping) else {}
    payload: dict[str, Any] = {}
    for field, (ours, convert) in _PAYLOAD_FIELDS.items():
        if field in result:
            payload[ours] = convert(result[field])
    if message_type is MessageType.SHELF_CHANGED and "state" in result:
        payload["on_shelf"] = str(result["state"]) == "1"
    if message_type is MessageType.POOL_CHANGED and "state" in result:
        payload["in_pool"] = str(result["state"]) == "1"
    if message_type is MessageType.AFTER_SALE_CHANGED and "state" in result:
        payload["step"] = _after_sale_step(result["state"]).value
    if message_type is MessageType.ORDER_DELIVERED and "state" in result:
        payload["refused"] = str(result["state"]) == "2"  # 1 delivered, 2 refused by the recipient
    return SupplierMessage(
        message_id=wire.id,
        type=message_type,
        occurred_at=parse_vop_time(wire.time).astimezone(UTC),
        payload=payload,
        raw={"id": wire.id, "type": wire.type, "time": wire.time, "result": wire.result},
    )


def decode_push_message(body: bytes) -> SupplierMessage | None:
    """A message the supplier pushed (VOP wire JSON); None for a type Hive does not know.

    Raises ``ValueError`` (pydantic's ``ValidationError`` is one) for a body that is not a message.
    """
    return supplier_message(MessageWire.model_validate_json(body))
