"""Both sides' lines of a ``third_order_mismatch`` alarm, for the operator who resolves it.

When the supplier already holds an order under our ``thirdOrder`` with other lines, the saga
stores on the ``held`` timeline line what it sent (``ours``: SKU, our product name, quantity,
purchase price in fen) and what the supplier holds (``theirs``: the same fields, the name
looked up in the supplier's products we carry). :func:`compare` pairs them by SKU for the
异常订单 page and says where they differ, so the operator can decide to cancel or release.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hive.suppliers.types import OrderLine


def line_details(lines: Iterable[OrderLine], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Lines as stored in the ``held`` event's details (JSON)."""
    return [
        {
            "sku": x.sku,
            "name": names.get(x.sku, ""),
            "quantity": x.quantity,
            "price_fen": x.unit_price_fen,
        }
        for x in lines
    ]


@dataclass(frozen=True, slots=True)
class LineComparison:
    """One SKU on either side: our quantity and price (None: we did not send it), the
    supplier's (None: it does not hold it). Quantities of a SKU on several lines are summed;
    the price is its first line's."""

    sku: str
    name: str
    our_quantity: int | None
    our_price_fen: int | None
    their_quantity: int | None
    their_price_fen: int | None

    @property
    def difference(self) -> str:
        """``only_ours``, ``only_theirs``, ``quantity``, ``price`` or ``""`` (the same)."""
        if self.their_quantity is None:
            return "only_ours"
        if self.our_quantity is None:
            return "only_theirs"
        if self.our_quantity != self.their_quantity:
            return "quantity"
        if self.our_price_fen != self.their_price_fen:
            return "price"
        return ""

    @property
    def price_differs(self) -> bool:
        return (
            self.our_price_fen is not None
            and self.their_price_fen is not None
            and self.our_price_fen != self.their_price_fen
        )


def _side(raw: Any) -> dict[str, tuple[str, int, int]]:
    """SKU -> (name, summed quantity, first price) of one stored side; bad rows skipped."""
    found: dict[str, tuple[str, int, int]] = {}
    if not isinstance(raw, list):
        return found
    for line in raw:
        if not isinstance(line, dict):
            continue
        sku, quantity, price = line.get("sku"), line.get("quantity"), line.get("price_fen")
        if not isinstance(sku, str) or not isinstance(quantity, int):
            continue
        name = line.get("name") if isinstance(line.get("name"), str) else ""
        if sku in found:
            first = found[sku]
            found[sku] = (first[0] or str(name), first[1] + quantity, first[2])
        else:
            found[sku] = (str(name), quantity, price if isinstance(price, int) else 0)
    return found


def compare(details: Mapping[str, Any] | None) -> tuple[LineComparison, ...]:
    """Our lines then the supplier's extra ones, paired by SKU; empty when the held line
    stored no lines (another alarm, or a hold from before lines were stored)."""
    if not details or "ours" not in details or "theirs" not in details:
        return ()
    ours, theirs = _side(details["ours"]), _side(details["theirs"])
    rows = []
    for sku in [*ours, *(s for s in theirs if s not in ours)]:
        mine, held = ours.get(sku), theirs.get(sku)
        rows.append(
            LineComparison(
                sku=sku,
                name=(mine[0] if mine else "") or (held[0] if held else ""),
                our_quantity=mine[1] if mine else None,
                our_price_fen=mine[2] if mine else None,
                their_quantity=held[1] if held else None,
                their_price_fen=held[2] if held else None,
            )
        )
    return tuple(rows)


def skus_of(*sides: Sequence[OrderLine]) -> list[str]:
    """Every SKU of the given lines, once, in order."""
    return list(dict.fromkeys(x.sku for side in sides for x in side))
