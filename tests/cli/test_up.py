"""`hive up` end to end: a real start on the embedded PostgreSQL, Ctrl-C, and a second start
that reuses the data. Supervision (restarts, signals, status) is in test_up_supervision.py."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.console import sign_in
from tests.support.platform import (
    REPO,
    Platform,
    assert_stopped_cleanly,
    remove_data_dir,
    up_environment,
)

pytestmark = pytest.mark.slow  # real processes: collected first (tests/conftest.py)


@pytest.fixture
def up_env() -> Iterator[dict[str, str]]:
    # Inside the repository: the embedded server's own system user must be able to reach it.
    data_dir = REPO / ".hive" / f"test-up-{uuid.uuid4().hex[:8]}"
    try:
        yield up_environment(data_dir)
    finally:
        remove_data_dir(data_dir)


def login_works(hcm: str, username: str, password: str) -> bool:
    with httpx.Client(base_url=hcm, timeout=30) as client:
        signed_in = sign_in(client, username, password).status_code == 303
        return signed_in and "示例科技有限公司" in client.get("/").text


def tenant_pool_rows(hcm: str, deadline_s: float) -> int:
    """Products on acme's workbench pool page, waiting until the demo rule has filled it."""
    deadline = time.monotonic() + deadline_s
    with httpx.Client(base_url=hcm, timeout=30) as client:
        assert sign_in(client, "acme-admin", "acme-admin-2026").status_code == 303
        while True:
            rows = len(re.findall(r'<tr data-product="\d+">', client.get("/workbench/pool").text))
            if rows or time.monotonic() > deadline:
                return rows
            time.sleep(1)


def test_up_serves_everything_stops_cleanly_and_reuses_its_data(up_env: dict[str, str]) -> None:
    hcm = f"http://127.0.0.1:{up_env['HIVE_HCM_PORT']}"
    hag = f"http://127.0.0.1:{up_env['HIVE_HAG_PORT']}"
    sim = f"http://127.0.0.1:{up_env['HIVE_VOP_SIM_PORT']}"
    platform = Platform(up_env)
    try:
        banner = platform.wait_until_running()
        assert hcm in banner and hag in banner and sim in banner
        assert "admin" in banner and "hive-admin-2026" in banner
        assert "AppKey" in banner and "AppSecret" in banner
        assert httpx.get(f"{hcm}/readyz", timeout=30).json()["status"] == "ok"
        assert httpx.get(f"{hag}/healthz", timeout=30).json() == {"status": "ok"}
        assert httpx.get(f"{sim}/healthz", timeout=30).status_code == 200
        assert login_works(hcm, "admin", "hive-admin-2026")
        # The demo rule, run by the worker from the simulator, fills the tenant's pool page.
        assert tenant_pool_rows(hcm, deadline_s=90) > 0
        # Every child's output reaches our stderr with its name in front.
        for name in ("hcm", "hag", "vop-sim", "worker"):
            assert re.search(rf"^{re.escape(name)} +\| ", platform.stderr(), re.MULTILINE)
        pids = platform.child_pids()
        platform.interrupt()
        assert platform.wait() == 0
        assert_stopped_cleanly(platform, pids)
    finally:
        platform.kill()

    platform = Platform(up_env)
    try:
        platform.wait_until_running()
        assert login_works(hcm, "acme-admin", "acme-admin-2026")
        pids = platform.child_pids()
        platform.interrupt()
        assert platform.wait() == 0
        assert_stopped_cleanly(platform, pids)
    finally:
        platform.kill()
