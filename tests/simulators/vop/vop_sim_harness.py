"""Run the VOP simulator on a real socket for tests and talk to it like a VOP client."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import uvicorn

from hive.simulators.vop.app import create_app
from hive.simulators.vop.auth import md5_hex, sign
from hive.simulators.vop.clock import format_wire_time
from hive.simulators.vop.config import SimulatorConfig

STARTUP_DEADLINE_S = 60.0  # an upper bound: generous for a loaded machine


class RunningSimulator:
    """uvicorn on 127.0.0.1, port 0, in a background thread."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.app = create_app(config)
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> RunningSimulator:
        self.thread.start()
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("simulator did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=STARTUP_DEADLINE_S)

    @property
    def base_url(self) -> str:
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def client(self) -> VopClient:
        return VopClient(self.base_url, self.config)


class VopClient:
    def __init__(self, base_url: str, config: SimulatorConfig) -> None:
        self.config = config
        self.http = httpx.Client(base_url=base_url, timeout=30.0)
        self._token: str | None = None
        self.refresh_token: str | None = None

    def token_form(self, **overrides: str) -> dict[str, str]:
        fields = {
            "grant_type": "access_token",
            "client_id": self.config.client_id,
            "username": self.config.username,
            "password": md5_hex(self.config.password),
            "timestamp": format_wire_time(self.now()),
            "scope": "",
        }
        fields.update(overrides)
        fields["sign"] = sign(
            client_secret=overrides.get("client_secret", self.config.client_secret),
            timestamp=fields["timestamp"],
            client_id=fields["client_id"],
            username=fields["username"],
            password_md5=fields["password"],
            grant_type=fields["grant_type"],
            scope=fields["scope"],
        )
        fields.pop("client_secret", None)
        return fields

    def now(self) -> float:
        return float(self.http.get("/admin/state").json()["epoch"])

    def oauth(self, action: str, data: dict[str, str]) -> dict[str, Any]:
        response = self.http.post(f"/oauth2/{action}", data=data)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    @property
    def token(self) -> str:
        if self._token is None:
            body = self.oauth("accessToken", self.token_form())
            assert body["success"], body
            self._token = body["result"]["access_token"]
            self.refresh_token = body["result"]["refresh_token"]
        return self._token

    def call(self, method: str, **fields: Any) -> dict[str, Any]:
        """POST a VOP method with the token; answers the decoded envelope (HTTP 200 asserted)."""
        data = {"token": self.token, **{k: str(v) for k, v in fields.items()}}
        response = self.http.post(f"/api/{method}", data=data)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert set(body) == {"success", "resultCode", "resultMessage", "result"}, body
        return body

    def ok(self, method: str, **fields: Any) -> Any:
        body = self.call(method, **fields)
        assert body["success"], body
        return body["result"]

    def advance(self, seconds: float) -> None:
        response = self.http.post("/admin/clock/advance", json={"seconds": seconds})
        assert response.status_code == 200, response.text

    def faults(self, **settings: Any) -> dict[str, Any]:
        response = self.http.post("/admin/faults", json=settings)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def close(self) -> None:
        self.http.close()


BEIJING = {"province": 1, "city": 72, "county": 2799, "town": 0}
BEIJING_AREA = "1_72_2799_0"


def sellable_skus(
    client: VopClient, count: int, *, distinct_warehouses: bool = False, page: str = "70004"
) -> list[int]:
    """In-pool, on-shelf, unrestricted SKUs with undisclosed (ample) stock in Beijing."""
    import json

    from hive.simulators.vop.catalog import Catalog
    from hive.simulators.vop.categories import build_tree

    catalog = Catalog(build_tree(), client.config.seed, client.config.min_sku_count)
    found: list[int] = []
    page_no = 1
    while len(found) < count:
        ids = client.ok("product/getSkuByPage", pageNum=page, pageNo=page_no)["skuIds"][:100]
        page_no += 1
        joined = ",".join(map(str, ids))
        nums = json.dumps([{"skuId": s, "num": 1} for s in ids])
        stock = json.loads(client.ok("stock/getNewStockById", skuNums=nums, area=BEIJING_AREA))
        on_shelf = {r["sku"] for r in client.ok("product/skuState", sku=joined) if r["state"]}
        limits = json.loads(client.ok("product/checkAreaLimit", skuIds=joined, **BEIJING))
        restricted = {row["skuId"] for row in limits if row["isAreaRestrict"]}
        for row in stock:
            sku = row["skuId"]
            if row["stockStateId"] not in (33, 39, 40) or row["remainNum"] != -1:
                continue
            if sku not in on_shelf or sku in restricted:
                continue
            used = {catalog.warehouse(s) for s in found}
            if distinct_warehouses and catalog.warehouse(sku) in used:
                continue
            found.append(sku)
    return found[:count]


SCHEDULE = {
    "split_after_s": 10,
    "production_after_s": 20,
    "ship_after_s": 30,
    "deliver_after_s": 40,
    "complete_after_s": 50,
    "auto_cancel_after_s": 100,
}


def order_form(
    skus: list[int], third_order: str, submit_state: int = 1, **extra: Any
) -> dict[str, Any]:
    return {
        "thirdOrder": third_order,
        "sku": json.dumps([{"skuId": s, "num": 1, "bNeedGift": False} for s in skus]),
        "name": "张三",
        "address": "朝阳区建国路1号",
        "mobile": "13800000000",
        "email": "buyer@example.com",
        "zip": "100000",
        "invoiceState": 2,
        "invoiceType": 2,
        "selectedInvoiceTitle": 5,
        "companyName": "示例科技有限公司",
        "invoiceContent": 1,
        "paymentType": 4,
        "isUseBalance": 1,
        "submitState": submit_state,
        **BEIJING,
        **extra,
    }


def fen(value: object) -> int:
    """A money field as JD sends it: a JSON number of yuan with at most two decimals."""
    from decimal import Decimal

    assert isinstance(value, int | float) and not isinstance(value, bool), value
    amount = Decimal(str(value)) * 100
    assert amount == amount.to_integral_value(), value
    return int(amount)
