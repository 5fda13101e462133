"""The app also runs in-process (ASGI transport, no socket), e.g. inside other test suites."""

from __future__ import annotations

from pathlib import Path

import httpx

from hive.simulators.vop.app import create_app
from hive.simulators.vop.auth import md5_hex, sign
from hive.simulators.vop.clock import format_wire_time
from hive.simulators.vop.config import SimulatorConfig


async def test_create_app_serves_in_process(tmp_path: Path) -> None:
    config = SimulatorConfig(data_dir=tmp_path, manual_clock=True, clock_start=1_717_200_000)
    app = create_app(config)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://vop-sim") as client:
        timestamp = format_wire_time(1_717_200_000)
        form = {
            "grant_type": "access_token",
            "client_id": config.client_id,
            "username": config.username,
            "password": md5_hex(config.password),
            "timestamp": timestamp,
            "scope": "",
        }
        form["sign"] = sign(
            client_secret=config.client_secret,
            timestamp=timestamp,
            client_id=config.client_id,
            username=config.username,
            password_md5=form["password"],
            grant_type="access_token",
            scope="",
        )
        token = (await client.post("/oauth2/accessToken", data=form)).json()["result"]
        found = await client.post(
            "/api/search/search",
            data={"token": token["access_token"], "Keyword": "牛奶", "pageSize": "5"},
        )
        body = found.json()
    assert body["success"] and body["result"]["resultCount"] > 0
    assert all(
        "牛奶" in hit["wareName"] or "乳" in hit["cid2Name"] for hit in body["result"]["hitResult"]
    )
    app.state.simulator.close()
