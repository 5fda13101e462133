"""A supplier that refuses our credentials says so: on the suppliers page and in upstream search
(its own code, the supplier's words), and in the worker's log once per change, not a traceback
every poll. The simulator is configured with a wrong password for one supplier."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from structlog.testing import capture_logs

from hive.apps.hcm import create_hcm_app
from hive.catalog.freshness.refresh import Aspect, refresh_skus
from hive.feed.polling import FeedConsumer
from hive.platform.db import Database
from hive.platform.permissions import Role
from hive.suppliers.errors import SupplierCredentialsRefused
from hive.suppliers.health import (
    OK,
    REFRESH,
    AccessStatus,
    StateLog,
    check_access,
    record_outcome,
)
from tests.support.console import sign_in
from tests.support.factories import make_user
from tests.support.servers import running_server
from tests.support.vop import AdapterKit, Simulator, register_vop

REFUSED = "supplier_credentials_refused"


@pytest.fixture
async def suppliers(database: Database, simulator: Simulator) -> tuple[int, int]:
    good = await register_vop(database, simulator, name="京东VOP")
    bad = await register_vop(database, simulator, name="京东VOP-旧密码", password="wrong-password")
    return good, bad


@pytest.fixture
def hcm(kit: AdapterKit, suppliers: tuple[int, int]) -> Iterator[httpx.Client]:
    app = create_hcm_app(kit.settings, kit.settings.database_url)
    with running_server(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


@pytest.fixture
async def operator(database: Database) -> None:
    await make_user(database, "operator1", "operator-pass-1", role=Role.OPERATOR)


async def test_refused_credentials_are_named_on_the_suppliers_page(
    operator: None, hcm: httpx.Client, suppliers: tuple[int, int]
) -> None:
    good, bad = suppliers
    assert sign_in(hcm, "operator1", "operator-pass-1").status_code == 303
    page = hcm.get("/admin/suppliers").text
    good_row = page.split(f'data-supplier="{good}"')[1].split("</tr>")[0]
    bad_row = page.split(f'data-supplier="{bad}"')[1].split("</tr>")[0]
    assert 'data-code="ok"' in good_row and "正常" in good_row
    assert f'data-code="{REFUSED}"' in bad_row
    assert (
        "供应商拒绝了接入凭据" in bad_row and "用户名或密码错误" in bad_row
    )  # the supplier's words


async def test_upstream_search_names_refused_credentials_not_unavailability(
    operator: None, hcm: httpx.Client, suppliers: tuple[int, int]
) -> None:
    good, bad = suppliers
    assert sign_in(hcm, "operator1", "operator-pass-1").status_code == 303
    refused = hcm.get("/admin/catalog/upstream", params={"supplier_id": bad, "keyword": "手机"})
    assert refused.status_code == 503
    assert 'data-code="upstream_credentials_refused"' in refused.text
    assert "供应商拒绝了接入凭据" in refused.text and "用户名或密码错误" in refused.text
    assert "暂时不可用" not in refused.text
    fine = hcm.get("/admin/catalog/upstream", params={"supplier_id": good, "keyword": "手机"})
    assert fine.status_code == 200 and 'id="hits"' in fine.text


async def test_the_feed_logs_refused_credentials_once_and_without_a_traceback(
    database: Database, kit: AdapterKit, suppliers: tuple[int, int]
) -> None:
    _, bad = suppliers
    consumer = FeedConsumer(database, kit.factory())
    with capture_logs() as logs:
        for _ in range(3):
            report = await consumer.poll_once()
            assert report.failed_suppliers == [bad]
    failing = [entry for entry in logs if entry["log_level"] in ("warning", "error")]
    assert failing == [
        {
            "event": "change feed poll failing",
            "log_level": "warning",
            "supplier_id": bad,
            "code": REFUSED,
            "reason": failing[0]["reason"],
        }
    ]
    assert "用户名或密码错误" in failing[0]["reason"]
    assert not any("exc_info" in entry for entry in logs)


async def test_check_access_reads_the_refusal_from_the_supplier(
    kit: AdapterKit, suppliers: tuple[int, int]
) -> None:
    good, bad = suppliers
    assert await check_access(await kit.adapter(good), timeout_s=30) == AccessStatus(OK)
    status = await check_access(await kit.adapter(bad), timeout_s=30)
    assert status.code == REFUSED and "用户名或密码错误" in status.message
    with pytest.raises(SupplierCredentialsRefused):
        await (await kit.adapter(bad)).sign_in()


def test_state_log_logs_each_change_once() -> None:
    states = StateLog("test access")
    refused = AccessStatus(REFUSED, "用户名或密码错误")
    with capture_logs() as logs:
        changes = [
            states.record(1, AccessStatus(OK)),
            states.record(1, refused),
            states.record(1, refused),
            states.record(2, refused),
            states.record(1, AccessStatus(OK)),
            states.record(1, AccessStatus(OK)),
        ]
    assert changes == [False, True, False, True, True, False]
    assert [(e["event"], e["supplier_id"]) for e in logs] == [
        ("test access failing", 1),
        ("test access failing", 2),
        ("test access recovered", 1),
    ]


async def _refresh(database: Database, kit: AdapterKit, supplier_id: int) -> dict[str, str]:
    """One run of a refresh job for the supplier (a fresh adapter: another worker process)."""
    adapter = await kit.factory().for_supplier_id(supplier_id)
    report = await refresh_skus(
        database, adapter, ["100001"], aspects=[Aspect.PRICE], source="refresh", stock_areas=[]
    )
    return report.failed


async def test_refresh_jobs_log_refused_credentials_once_and_the_page_shows_them(
    operator: None,
    database: Database,
    kit: AdapterKit,
    hcm: httpx.Client,
    suppliers: tuple[int, int],
) -> None:
    good, bad = suppliers
    with capture_logs() as logs:
        for _ in range(3):  # three runs, as the retries of a job and the next schedule make
            assert await _refresh(database, kit, bad) == {"100001": REFUSED}
            assert await _refresh(database, kit, good) == {}
    noisy = [entry for entry in logs if entry["log_level"] in ("warning", "error")]
    assert [(e["event"], e["supplier_id"], e["code"]) for e in noisy] == [
        ("supplier refresh failing", bad, REFUSED)
    ]
    assert "用户名或密码错误" in noisy[0]["reason"]
    assert sign_in(hcm, "operator1", "operator-pass-1").status_code == 303
    page = hcm.get("/admin/suppliers").text
    bad_row = page.split(f'data-supplier="{bad}"')[1].split("</tr>")[0]
    good_row = page.split(f'data-supplier="{good}"')[1].split("</tr>")[0]
    assert 'data-activity="refresh"' in bad_row and "商品刷新失败" in bad_row
    assert "用户名或密码错误" in bad_row.split('data-activity="refresh"')[1]
    assert "data-activity" not in good_row
    english = hcm.get("/admin/suppliers?lang=en").text
    assert "Product refresh failing" in english

    with capture_logs() as logs:  # the supplier lets us in again
        async with database.platform_transaction() as session:
            changed = [
                await record_outcome(session, bad, REFRESH, AccessStatus(OK)),
                await record_outcome(session, bad, REFRESH, AccessStatus(OK)),
            ]
    assert changed == [True, False]
    # The console's server thread may still log the last page's request line in this window.
    ours = [e for e in logs if e["event"] != "request"]
    assert [(e["event"], e["log_level"]) for e in ours] == [("supplier refresh recovered", "info")]
    assert "data-activity" not in hcm.get("/admin/suppliers").text
