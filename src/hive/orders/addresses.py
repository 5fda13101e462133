"""The delivery address's four area ids checked against the area reference data: each must lie
under the one above (a city of the chosen province …) and a town is required where the county's
towns are known. A level the reference data does not hold yet (areas are fetched from a supplier
the first time a picker needs them) cannot be checked and is let through; the supplier's own
area check still applies when the order is placed upstream."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders import repository
from hive.orders.schemas import AddressIn
from hive.platform.validation import InvalidInput, Problem

AREA_FIELDS = ("province_id", "city_id", "county_id", "town_id")


def address_problems(
    address: AddressIn, known: dict[int, tuple[int | None, int]], filled: set[int | None]
) -> list[Problem]:
    """What is wrong with ``address``'s areas. ``known``: area id → (parent id, level) for the
    ids the address names that the reference data holds; ``filled``: the parents (``None`` for
    the provinces) whose children the reference data holds."""
    parent: int | None = None
    for level, name in enumerate(AREA_FIELDS, start=1):
        chosen: int | None = getattr(address, name)
        field = f"address.{name}"
        if chosen is None:  # only the town may be left out
            return [Problem(field, "required")] if parent in filled else []
        place = known.get(chosen)
        if place == (parent, level) or (place is None and parent not in filled):
            parent = chosen  # under the one above, or a level not held yet
            continue
        if place is None or level == 1:
            return [Problem(field, "not_found", {"ids": chosen})]
        return [Problem(field, "outside_parent", {"parent": f"address.{AREA_FIELDS[level - 2]}"})]
    return []


async def check_address(session: AsyncSession, address: AddressIn) -> None:
    """Raises ``invalid_input`` (422) naming the first area field that is not under the one
    above it (``outside_parent``), an id unknown where its level is held (``not_found``), or
    the town missing where the county's towns are held (``required``)."""
    ids = [i for i in (getattr(address, name) for name in AREA_FIELDS) if i is not None]
    known, filled = await repository.areas_around(session, ids)
    problems = address_problems(address, known, filled)
    if problems:
        raise InvalidInput(problems)
