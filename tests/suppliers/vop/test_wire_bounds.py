"""Supplier answers that would corrupt the pool are refused at the adapter's boundary."""

from __future__ import annotations

from typing import Any

import pytest

from hive.suppliers.errors import InvalidSupplierAnswer
from hive.suppliers.vop.adapter import parse_list
from hive.suppliers.vop.mapping import price_quote
from hive.suppliers.vop.wire import PriceWire

GOOD = {"skuId": 100012, "price": "88.50", "jdPrice": 99, "tax": 13}


@pytest.mark.parametrize(
    "change",
    [
        {"price": "-0.01"},
        {"jdPrice": -5},
        {"price": "NaN"},
        {"price": "Infinity"},
        {"tax": 101},
        {"tax": -1},
        {"price": "12,30"},
    ],
)
def test_a_price_we_could_not_store_fails_the_answer(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidSupplierAnswer):
        parse_list(PriceWire, [GOOD, {**GOOD, **change}], "api/price/getSellPrice")


def test_a_good_price_is_read_in_fen() -> None:
    (wire,) = parse_list(PriceWire, [GOOD], "api/price/getSellPrice")
    quote = price_quote(wire)
    assert (quote.purchase_fen, quote.retail_fen, quote.tax_rate_percent) == (8850, 9900, 13)
