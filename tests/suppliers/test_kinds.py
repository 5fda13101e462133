"""The supplier kinds registry: what the launcher and the suppliers page ask instead of testing
a supplier's kind themselves."""

from __future__ import annotations

import json

from hive.suppliers.kinds import KINDS, credentials_from_form, kind_spec, push_decoder
from hive.suppliers.types import MessageType, SupplierKind

FORM = {"client_id": "cid", "client_secret": "sec", "username": "u", "password": "p", "x": "y"}


def test_every_kind_is_registered() -> None:
    assert set(KINDS) == set(SupplierKind)
    assert kind_spec("unknown") is None and push_decoder("unknown") is None


def test_vop_pushes_and_its_decoder_reads_the_vop_wire_format() -> None:
    decode = push_decoder("vop")
    assert decode is not None
    body = {"id": 7, "type": 2, "time": "2025-03-01 16:00:00", "result": {"skuId": 100012}}
    message = decode(json.dumps(body).encode())
    assert message is not None
    assert (message.message_id, message.type) == ("7", MessageType.PRICE_CHANGED)


def test_the_warehouse_does_not_push() -> None:
    assert push_decoder("warehouse") is None


def test_registration_form_credentials_per_kind() -> None:
    assert credentials_from_form("vop", FORM) == {
        "client_id": "cid",
        "client_secret": "sec",
        "username": "u",
        "password": "p",
    }
    assert credentials_from_form("warehouse", FORM) is None
    assert credentials_from_form("unknown", FORM) is None
