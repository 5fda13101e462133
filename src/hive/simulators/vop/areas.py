"""JD's 4-level area tree (province, city, county, town) and address checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from hive.simulators.vop.area_data import (
    COUNTY_STEMS,
    COUNTY_SUFFIXES,
    PROVINCES,
    TOWN_STEMS,
    TOWN_SUFFIXES,
    County,
    Town,
)
from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.hashing import mix, pick

# Ids for areas ``vop.md`` does not name start here, above every known JD area id used.
SYNTHETIC_AREA_BASE = 60_001
# Share (percent) of generated counties that have no fourth level.
COUNTIES_WITHOUT_TOWNS_PERCENT = 30
_AREA_SALT = 0xA7EA


@dataclass(frozen=True, slots=True)
class Address:
    """A checked 4-level address; ``town`` is 0 where the county has no towns."""

    province: int
    city: int
    county: int
    town: int

    @property
    def area_string(self) -> str:
        return f"{self.province}_{self.city}_{self.county}_{self.town}"


@dataclass
class AreaTree:
    names: dict[int, str] = field(default_factory=dict)
    parent: dict[int, int] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)
    level: dict[int, int] = field(default_factory=dict)
    _next_id: int = SYNTHETIC_AREA_BASE

    def add(self, area_id: int | None, name: str, parent_id: int, level: int) -> int:
        if area_id is None:
            area_id, self._next_id = self._next_id, self._next_id + 1
        self.names[area_id] = name
        self.parent[area_id] = parent_id
        self.level[area_id] = level
        self.children.setdefault(parent_id, []).append(area_id)
        self.children.setdefault(area_id, [])
        return area_id

    def children_map(self, parent_id: int, level: int) -> dict[str, int]:
        """``name → id`` of the children of an area at ``level`` (1 = province); 3405 if none."""
        if level > 1 and self.level.get(parent_id) != level - 1:
            raise VopError(Code.AREA_INVALID, f"no area {parent_id} at level {level - 1}")
        kids = self.children.get(parent_id, [])
        if not kids:
            raise VopError(Code.AREA_INVALID, f"area {parent_id} has no lower level")
        return {self.names[kid]: kid for kid in kids}

    def check(self, province: int, city: int, county: int, town: int) -> Address:
        """Validate a chain; ``town`` must be 0 exactly when the county has no towns."""
        chain = ((province, 0, 1), (city, province, 2), (county, city, 3))
        for area_id, parent_id, level in chain:
            if self.level.get(area_id) != level or self.parent.get(area_id) != parent_id:
                raise VopError(Code.AREA_INVALID, f"{area_id} is not under {parent_id}")
        towns = self.children.get(county, [])
        if town == 0 and towns:
            raise VopError(Code.AREA_INVALID, f"county {county} needs a town")
        if town != 0 and town not in towns:
            raise VopError(Code.AREA_INVALID, f"{town} is not under {county}")
        return Address(province, city, county, town)

    def parse(self, area: str) -> Address:
        """An ``p_c_co_t`` area string, checked."""
        parts = area.strip().split("_")
        if len(parts) not in (3, 4) or not all(p.isdigit() for p in parts):
            raise VopError(Code.AREA_INVALID, f"area must read p_c_co_t, got {area!r}")
        ids = [int(p) for p in parts] + [0] * (4 - len(parts))
        return self.check(*ids)


def build_areas() -> AreaTree:
    """The tree from :data:`PROVINCES`, with generated counties and towns where none listed."""
    tree = AreaTree()
    for province_id, province_name, cities in PROVINCES:
        tree.add(province_id, province_name, 0, 1)
        for city_id, city_name, counties in cities:
            city = tree.add(city_id, city_name, province_id, 2)
            listed = counties if counties is not None else _generated_counties(city)
            for county_id, county_name, towns in listed:
                county = tree.add(county_id, county_name, city, 3)
                for town_id, town_name, _ in towns if towns is not None else _towns(county):
                    tree.add(town_id, town_name, county, 4)
    return tree


def _generated_counties(city: int) -> tuple[County, ...]:
    count = 3 + pick(3, _AREA_SALT, city)
    start = pick(len(COUNTY_STEMS), _AREA_SALT, city, 1)
    counties: list[County] = []
    for n in range(count):
        stem = COUNTY_STEMS[(start + n * 7) % len(COUNTY_STEMS)]
        suffix = COUNTY_SUFFIXES[pick(len(COUNTY_SUFFIXES), _AREA_SALT, city, n)]
        counties.append((None, stem + suffix, None))
    return tuple(counties)


def _towns(county: int) -> tuple[Town, ...]:
    if mix(_AREA_SALT, county, 2) % 100 < COUNTIES_WITHOUT_TOWNS_PERCENT:
        return ()
    count = 2 + pick(3, _AREA_SALT, county, 3)
    start = pick(len(TOWN_STEMS), _AREA_SALT, county, 4)
    towns: list[Town] = []
    for n in range(count):
        stem = TOWN_STEMS[(start + n * 3) % len(TOWN_STEMS)]
        suffix = TOWN_SUFFIXES[pick(len(TOWN_SUFFIXES), _AREA_SALT, county, 5, n)]
        towns.append((None, stem + suffix, None))
    return tuple(towns)
