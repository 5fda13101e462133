"""``area/*``: the 4-level address tree."""

from __future__ import annotations

from hive.simulators.vop.envelope import Form, Reply, int_field
from hive.simulators.vop.routes import Handler
from hive.simulators.vop.simulator import Simulator


def get_province(sim: Simulator, form: Form) -> Reply:
    return Reply(sim.areas.children_map(0, 1))


def get_city(sim: Simulator, form: Form) -> Reply:
    return Reply(sim.areas.children_map(int_field(form, "id"), 2))


def get_county(sim: Simulator, form: Form) -> Reply:
    return Reply(sim.areas.children_map(int_field(form, "id"), 3))


def get_town(sim: Simulator, form: Form) -> Reply:
    return Reply(sim.areas.children_map(int_field(form, "id"), 4))


def check_area(sim: Simulator, form: Form) -> Reply:
    address = sim.areas.check(
        int_field(form, "provinceId"),
        int_field(form, "cityId"),
        int_field(form, "countyId"),
        int_field(form, "townId", 0),
    )
    return Reply({"success": True, "addressId": address.town or address.county, "message": ""})


METHODS: dict[str, Handler] = {
    "area/getProvince": get_province,
    "area/getCity": get_city,
    "area/getCounty": get_county,
    "area/getTown": get_town,
    "area/checkArea": check_area,
}
