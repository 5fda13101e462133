"""area/*: JD's real ids, four levels, 3405 where a level does not exist."""

from __future__ import annotations

from vop_sim_harness import VopClient


def test_provinces_are_the_34_real_ones(vop: VopClient) -> None:
    provinces = vop.ok("area/getProvince")
    assert len(provinces) == 34
    assert provinces["北京"] == 1
    assert provinces["广东"] == 19
    assert provinces["港澳"] == 52993
    assert provinces["钓鱼岛"] == 84


def test_known_lower_levels_carry_real_ids(vop: VopClient) -> None:
    assert vop.ok("area/getCity", id=1)["朝阳区"] == 72
    assert vop.ok("area/getCounty", id=72)["三环以内"] == 2799
    assert vop.ok("area/getCounty", id=1607) == {"罗湖区": 3638, "福田区": 3639, "南山区": 3155}
    assert vop.ok("area/getCity", id=52993) == {"香港": 52994, "澳门": 52995}
    assert vop.ok("area/getTown", id=3535)["乡饮乡"] == 46682


def test_county_without_towns_answers_3405(vop: VopClient) -> None:
    body = vop.call("area/getTown", id=2799)
    assert (body["success"], body["resultCode"]) == (False, "3405")


def test_every_province_has_cities_and_counties(vop: VopClient) -> None:
    for province_id in vop.ok("area/getProvince").values():
        cities = vop.ok("area/getCity", id=province_id)
        assert cities
        first_city = next(iter(cities.values()))
        if province_id != 84:
            assert vop.ok("area/getCounty", id=first_city)


def test_check_area_accepts_real_chains_and_refuses_broken_ones(vop: VopClient) -> None:
    ok = vop.call("area/checkArea", provinceId=13, cityId=1112, countyId=3535, townId=46682)
    assert ok["success"] and ok["result"]["success"] is True
    no_town = vop.call("area/checkArea", provinceId=1, cityId=72, countyId=2799, townId=0)
    assert no_town["success"]
    broken = vop.call("area/checkArea", provinceId=19, cityId=72, countyId=2799, townId=0)
    assert broken["resultCode"] == "3405"
    missing_town = vop.call("area/checkArea", provinceId=13, cityId=1112, countyId=3535)
    assert missing_town["resultCode"] == "3405"
    assert vop.call("area/getCity", id="abc")["resultCode"] == "1001"
