"""What the Open API's order routes answer (the OpenAPI document shows these). Money is fen;
the receiver is masked; suppliers and purchase prices are never shown."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from hive.orders.service import OrderView
from hive.platform.validation import Line


class OrderLineOut(BaseModel):
    line_no: int
    product_id: int
    quantity: int
    unit_price_fen: int
    amount_fen: int = Field(description="quantity × unit_price_fen")
    sub_order_no: str = Field(description="The sub-order (one per supplier) holding the line")


class WaybillOut(BaseModel):
    carrier: str = Field(description="The carrier, e.g. 京东快递")
    waybill_no: str
    shipped_at: datetime | None = Field(description="When the parcel left, if the supplier says")


class SubOrderOut(BaseModel):
    sub_order_no: str
    status: str
    items_fen: int
    freight_fen: int
    total_fen: int
    parent_no: str | None = Field(description="After a supplier split: the sub-order split")
    waybills: list[WaybillOut] = Field(description="Once shipped: its parcels' waybills")


class TimelineEntryOut(BaseModel):
    event: str
    sub_order_no: str | None
    from_status: str
    to_status: str
    outcome: str = Field(description="moved, ignored (stale or duplicated) or refused")
    source: str = Field(description="tenant, operator, supplier or system")
    occurred_at: datetime


class AddressOut(BaseModel):
    province_id: int
    city_id: int
    county_id: int
    town_id: int | None
    receiver: str = Field(description="Masked, e.g. 张*")
    mobile: str = Field(description="Masked, e.g. 138****0000")


class OrderOut(BaseModel):
    """An order as its tenant sees it. ``status`` is derived from the sub-orders: accepted,
    submitted, confirmed, shipped, delivered, completed, partially_failed, cancelled,
    failed."""

    order_no: str
    status: str
    items_fen: int
    freight_fen: int
    total_fen: int = Field(description="items_fen + freight_fen: what is frozen on the account")
    created_at: datetime
    address: AddressOut
    invoice: dict[str, Any] | None
    remark: str
    items: list[OrderLineOut]
    sub_orders: list[SubOrderOut]
    timeline: list[TimelineEntryOut]


class OrderSummaryOut(BaseModel):
    order_no: str
    status: str
    items_fen: int
    freight_fen: int
    total_fen: int
    created_at: datetime


class OrdersOut(BaseModel):
    items: list[OrderSummaryOut]
    total: int
    page: int
    page_size: int


class CancelIn(BaseModel):
    """``POST /open/v1/orders/{order_no}/cancel``: an optional reason (one line, ≤ 200)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    reason: Annotated[Line, Field(max_length=200)] = ""


class CancelOut(BaseModel):
    """What the cancellation did: sub-orders ``cancelled`` at once (not yet placed upstream;
    their money released), ``cancelling`` (placed upstream: the supplier is asked to cancel,
    the order's status follows when it answers), ``already_final`` (cancelled or failed
    before)."""

    order: OrderOut
    cancelled: list[str]
    cancelling: list[str]
    already_final: list[str]


def order_out(view: OrderView) -> OrderOut:
    order = view.order
    numbers = {sub.sub_order_id: sub.sub_order_no for sub in view.sub_orders}
    return OrderOut(
        order_no=order.order_no,
        status=order.status,
        items_fen=order.items_fen,
        freight_fen=order.freight_fen,
        total_fen=order.total_fen,
        created_at=order.created_at,
        address=AddressOut(
            province_id=order.province_id,
            city_id=order.city_id,
            county_id=order.county_id,
            town_id=order.town_id,
            receiver=order.receiver_name_masked,
            mobile=order.receiver_mobile_masked,
        ),
        invoice=order.invoice,
        remark=order.remark,
        items=[OrderLineOut.model_validate(line, from_attributes=True) for line in view.lines],
        sub_orders=[SubOrderOut.model_validate(s, from_attributes=True) for s in view.sub_orders],
        timeline=[
            TimelineEntryOut(
                event=event.event,
                sub_order_no=numbers.get(event.sub_order_id) if event.sub_order_id else None,
                from_status=event.from_status,
                to_status=event.to_status,
                outcome=event.outcome,
                source=event.source,
                occurred_at=event.created_at,
            )
            for event in view.timeline
        ],
    )
