"""The workbench checkout form: its fields, read into the order request (every refused value
named by its form field, so the page shows it next to that field), and the four-level area
pickers (province → city → county → town) built from the area reference data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders import cart_repository
from hive.orders.schemas import OrderRequest
from hive.platform.validation import InvalidInput, Problem, parse_id, parse_int, problems_of

AREA_FIELDS = ("province_id", "city_id", "county_id", "town_id")
TEXT_FIELDS = ("receiver", "mobile", "detail", "remark")
FIELDS = (*AREA_FIELDS, *TEXT_FIELDS, "items")


@dataclass
class AreaPickers:
    """The options of each level given the chosen parents (``(id, name)``), and the chosen ids
    (a choice that is not under the chosen parent is dropped)."""

    options: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    chosen: dict[str, int | None] = field(default_factory=dict)


async def area_pickers(session: AsyncSession, wanted: Mapping[str, int | None]) -> AreaPickers:
    """Options for each level under the chosen parent (cities of the chosen province …)."""
    pickers = AreaPickers()
    parent: int | None = None
    for level, name in enumerate(AREA_FIELDS, start=1):
        if level > 1 and parent is None:
            pickers.options[name], pickers.chosen[name] = [], None
            continue
        children = await cart_repository.area_children(session, parent, level)
        pickers.options[name] = [(area.id, area.name) for area in children]
        choice = wanted.get(name)
        parent = choice if choice in {area.id for area in children} else None
        pickers.chosen[name] = parent
    return pickers


def chosen_areas(params: Mapping[str, str]) -> dict[str, int | None]:
    """The area ids a form or query names (a malformed one counts as not chosen)."""
    chosen: dict[str, int | None] = {}
    for name in AREA_FIELDS:
        try:
            chosen[name] = parse_id(params.get(name, ""), name)
        except InvalidInput:
            chosen[name] = None
    return chosen


def check_areas(pickers: AreaPickers, wanted: Mapping[str, int | None]) -> list[Problem]:
    """Province, city and county are required and each must lie under the one above; a town
    is required where the county has towns."""
    problems = []
    for name in AREA_FIELDS:
        if pickers.chosen.get(name) is not None:
            continue
        if wanted.get(name) is not None:
            problems.append(Problem(name, "not_a_choice", {"choices": "…"}))
        elif name != "town_id" or pickers.options.get(name):
            problems.append(Problem(name, "required"))
    return problems


def _lines(form: Any) -> list[dict[str, int]]:
    ids, quantities, prices = (form.getlist(k) for k in ("product_id", "quantity", "unit_price"))
    if not ids or not len(ids) == len(quantities) == len(prices):
        raise InvalidInput([Problem("items", "required")])
    try:
        return [
            {
                "product_id": parse_id(str(i), "items") or 0,
                "quantity": parse_int(str(q), "quantity", minimum=1, maximum=9_999) or 0,
                "unit_price": parse_int(str(p), "items", minimum=0) or 0,
            }
            for i, q, p in zip(ids, quantities, prices, strict=True)
        ]
    except InvalidInput as error:
        raise InvalidInput([Problem("items", p.code, p.params) for p in error.problems]) from None


def order_request(
    form: Any, pickers: AreaPickers, wanted: Mapping[str, int | None]
) -> OrderRequest:
    """The order the form asks for; ``invalid_input`` with each problem named by its field."""
    problems = check_areas(pickers, wanted)
    try:
        items = _lines(form)
    except InvalidInput as error:
        problems.extend(error.problems)
        items = []
    body = {
        "order_no": str(form.get("order_no", "")),
        "items": items,
        "address": {
            **{name: pickers.chosen.get(name) or 1 for name in AREA_FIELDS[:3]},
            "town_id": pickers.chosen.get("town_id"),
            "detail": str(form.get("detail", "")),
            "receiver": str(form.get("receiver", "")),
            "mobile": str(form.get("mobile", "")).strip(),
        },
        "remark": str(form.get("remark", "")),
    }
    try:
        request = OrderRequest.model_validate(body)
    except ValidationError as error:
        problems.extend(_form_problem(p) for p in problems_of(error))
    if problems:
        raise InvalidInput(problems)
    return request


def _form_problem(problem: Problem) -> Problem:
    name = problem.field.removeprefix("address.")
    if name.startswith("items"):
        name = "items"
    return Problem(name, problem.code, problem.params)


def form_values(form: Any) -> dict[str, str]:
    """What was typed, to show the form again."""
    return {name: str(form.get(name, "")) for name in (*TEXT_FIELDS, "order_no")}


def item_pairs(form: Any) -> Sequence[tuple[int, int]]:
    """``(product id, quantity)`` of the form's lines (to show them again); bad ones left out."""
    pairs = []
    for raw_id, raw_quantity in zip(
        form.getlist("product_id"), form.getlist("quantity"), strict=False
    ):
        try:
            product_id = parse_id(str(raw_id), "items")
            quantity = parse_int(str(raw_quantity), "quantity", minimum=1, maximum=9_999)
        except InvalidInput:
            continue
        if product_id and quantity:
            pairs.append((product_id, quantity))
    return pairs
