"""`hive up` end to end: a real start on the embedded PostgreSQL, Ctrl-C, and a second start
that reuses the data."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.console import sign_in

REPO = Path(__file__).resolve().parents[2]
START_DEADLINE_S = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def up_env() -> Iterator[dict[str, str]]:
    # Inside the repository: the embedded server's own system user must be able to reach it.
    data_dir = REPO / ".hive" / f"test-up-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIVE_")}
    env.update(
        HIVE_DATA_DIR=str(data_dir),
        HIVE_HCM_PORT=str(free_port()),
        HIVE_HAG_PORT=str(free_port()),
        HIVE_VOP_SIM_PORT=str(free_port()),
        HIVE_LOG_FORMAT="json",
    )
    try:
        yield env
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def start_platform(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "hive", "up"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if "Demo logins:" in line:
            seen += [process.stdout.readline() for _ in range(5)]
            return process, "".join(seen)
    process.kill()
    raise AssertionError(f"hive up did not report ready: {''.join(seen)}")


def stop_platform(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    return process.wait(timeout=60)


def login_works(hcm: str, username: str, password: str) -> bool:
    with httpx.Client(base_url=hcm) as client:
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
    process, banner = start_platform(up_env)
    try:
        assert hcm in banner and hag in banner and sim in banner
        assert "admin" in banner and "hive-admin-2026" in banner
        assert httpx.get(f"{hcm}/readyz").json()["status"] == "ok"
        assert httpx.get(f"{hag}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{sim}/healthz").status_code == 200
        assert login_works(hcm, "admin", "hive-admin-2026")
        # The demo rule, run by the worker from the simulator, fills the tenant's pool page.
        assert tenant_pool_rows(hcm, deadline_s=90) > 0
    finally:
        assert stop_platform(process) == 0
    pgdata = Path(up_env["HIVE_DATA_DIR"]) / "pgdata"
    assert not (pgdata / "postmaster.pid").exists(), "embedded PostgreSQL kept running"

    process, _ = start_platform(up_env)
    try:
        assert login_works(hcm, "acme-admin", "acme-admin-2026")
    finally:
        assert stop_platform(process) == 0
