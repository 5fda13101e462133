"""Change-feed messages: every id and state the supplier sends is mapped, malformed ones refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hive.suppliers.types import AfterSaleStep, MessageType
from hive.suppliers.vop.mapping import decode_push_message


def body(msg_type: int, result: dict[str, Any], message_id: Any = 7) -> bytes:
    message = {"id": message_id, "type": msg_type, "time": "2025-03-01 16:00:00", "result": result}
    return json.dumps(message).encode()


def test_after_sale_message_carries_service_order_and_step() -> None:
    message = decode_push_message(
        body(110, {"afsServiceId": 880000002, "orderId": 250000000003, "state": 21})
    )
    assert message is not None and message.type is MessageType.AFTER_SALE_CHANGED
    assert dict(message.payload) == {
        "service_id": "880000002",
        "supplier_order_id": "250000000003",
        "step": AfterSaleStep.AUDITING.value,
    }


def test_split_and_delivery_messages_carry_their_orders() -> None:
    split = decode_push_message(body(1, {"pOrder": 250000000001}))
    assert split is not None and dict(split.payload) == {"parent_order_id": "250000000001"}
    refused = decode_push_message(body(5, {"orderId": "250000000002", "state": 2}))
    assert refused is not None
    assert dict(refused.payload) == {"supplier_order_id": "250000000002", "refused": True}
    assert message_id_of(body(2, {"skuId": 100012}, message_id=123456789012)) == "123456789012"


def message_id_of(raw: bytes) -> str:
    message = decode_push_message(raw)
    assert message is not None
    return message.message_id


@pytest.mark.parametrize(
    ("msg_type", "result"),
    [
        (110, {"afsServiceId": 880000002, "orderId": 250000000003, "state": 99}),
        (110, {"afsServiceId": None, "state": 10}),
        (2, {"skuId": "abc"}),
        (2, {"skuId": -1}),
        (1, {"pOrder": True}),
        (10, {"orderId": 1.5}),
    ],
)
def test_a_message_with_a_value_that_is_not_what_jd_sends_is_refused(
    msg_type: int, result: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match=r"not an id|unknown after-sale step"):  # logged, skipped
        decode_push_message(body(msg_type, result))
