"""oauth2/accessToken and refreshToken: the real sign algorithm and its refusals."""

from __future__ import annotations

from collections.abc import Callable

from vop_sim_harness import RunningSimulator, VopClient

from hive.simulators.vop.auth import md5_hex, sign
from hive.simulators.vop.clock import format_wire_time


def test_sign_matches_the_documented_formula() -> None:
    expected = md5_hex("s" + "2024-01-01 00:00:00" + "c" + "u" + "p" + "access_token" + "" + "s")
    assert (
        sign(
            client_secret="s",
            timestamp="2024-01-01 00:00:00",
            client_id="c",
            username="u",
            password_md5="p",
            grant_type="access_token",
            scope="",
        )
        == expected.upper()
    )


def test_access_token_issued_with_real_fields(vop: VopClient) -> None:
    body = vop.oauth("accessToken", vop.token_form())
    assert body["success"] is True
    assert body["resultCode"] == "0000"
    result = body["result"]
    assert set(result) == {
        "uid",
        "access_token",
        "refresh_token",
        "time",
        "expires_in",
        "refresh_token_expires",
    }
    assert result["expires_in"] == 86400
    assert result["refresh_token_expires"] > result["time"]


def test_wrong_sign_refused(vop: VopClient) -> None:
    form = vop.token_form()
    form["sign"] = "0" * 32
    body = vop.oauth("accessToken", form)
    assert (body["success"], body["resultCode"]) == (False, "1003")


def test_sign_with_wrong_secret_refused(vop: VopClient) -> None:
    body = vop.oauth("accessToken", vop.token_form(client_secret="not-the-secret"))
    assert body["resultCode"] == "1003"


def test_wrong_password_refused(vop: VopClient) -> None:
    body = vop.oauth("accessToken", vop.token_form(password=md5_hex("guess")))
    assert (body["success"], body["resultCode"]) == (False, "1006")


def test_stale_timestamp_refused(vop: VopClient) -> None:
    stale = format_wire_time(vop.now() - 3600)
    body = vop.oauth("accessToken", vop.token_form(timestamp=stale))
    assert (body["success"], body["resultCode"]) == (False, "1005")


def test_unknown_client_and_missing_fields_refused(vop: VopClient) -> None:
    assert vop.oauth("accessToken", vop.token_form(client_id="nobody"))["resultCode"] == "1002"
    form = vop.token_form()
    del form["username"]
    assert vop.oauth("accessToken", form)["resultCode"] == "1001"
    assert vop.oauth("accessToken", vop.token_form(timestamp="yesterday"))["resultCode"] == "1001"


def test_business_call_needs_a_valid_token(vop: VopClient) -> None:
    missing = vop.http.post("/api/area/getProvince", data={}).json()
    assert missing["resultCode"] == "1004"
    unknown = vop.http.post("/api/area/getProvince", data={"token": "nope"}).json()
    assert (unknown["success"], unknown["resultCode"]) == (False, "2007")


def test_token_expires_after_ttl_and_refresh_gives_a_new_one(
    start_sim: Callable[..., RunningSimulator],
) -> None:
    client = start_sim(token_ttl_s=60).client()
    assert client.call("area/getProvince")["success"]
    client.advance(61)
    assert client.call("area/getProvince")["resultCode"] == "2007"
    refreshed = client.oauth(
        "refreshToken",
        {
            "refresh_token": client.refresh_token or "",
            "client_id": client.config.client_id,
            "client_secret": client.config.client_secret,
        },
    )
    assert refreshed["success"], refreshed
    client._token = refreshed["result"]["access_token"]
    assert client.call("area/getProvince")["success"]
    reused = client.oauth(
        "refreshToken",
        {
            "refresh_token": client.refresh_token or "",
            "client_id": client.config.client_id,
            "client_secret": client.config.client_secret,
        },
    )
    assert reused["resultCode"] == "1007"


def test_admin_can_force_token_expiry(private_vop: VopClient) -> None:
    assert private_vop.call("area/getProvince")["success"]
    assert private_vop.http.post("/admin/tokens/expire").json()["expired"] >= 1
    assert private_vop.call("area/getProvince")["resultCode"] == "2007"
