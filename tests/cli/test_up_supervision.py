"""`hive up` as a service: a killed child comes back while the others keep serving, repeated
crashes stop the platform with the child's last output, Ctrl-C during start-up and SIGTERM to
the supervisor alone stop everything with exit code 0, `hive status` tells what runs."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.platform import (
    REPO,
    STOP_DEADLINE_S,
    Platform,
    assert_stopped_cleanly,
    hive_status,
    is_alive,
    postgres_pids,
    remove_data_dir,
    up_environment,
    wait_for,
)

pytestmark = pytest.mark.slow  # real processes: collected first (tests/conftest.py)

RESTART_DEADLINE_S = 180.0


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Inside the repository: the embedded server's own system user must be able to reach it.
    path = REPO / ".hive" / f"test-up-{uuid.uuid4().hex[:8]}"
    try:
        yield path
    finally:
        remove_data_dir(path)


def healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=30).status_code == 200
    except httpx.HTTPError:
        return False


def pid_of(pids: dict[str, int | None], name: str) -> int:
    """A child's pid; never 0, which would signal the test's own process group."""
    pid = pids[name]
    assert pid, f"{name} has no process: {pids}"
    return pid


def restarted(platform: Platform, name: str, old_pid: int) -> int | None:
    pid = platform.child_pids().get(name)
    return pid if pid and pid != old_pid else None


def test_a_killed_child_is_restarted_the_others_keep_serving_and_sigterm_stops_all(
    data_dir: Path,
) -> None:
    env = up_environment(data_dir, HIVE_UP_STOP_GRACE_S="5")
    hcm = f"http://127.0.0.1:{env['HIVE_HCM_PORT']}/healthz"
    others = {
        "hag": f"http://127.0.0.1:{env['HIVE_HAG_PORT']}/healthz",
        "vop-sim": f"http://127.0.0.1:{env['HIVE_VOP_SIM_PORT']}/healthz",
    }
    platform = Platform(env)
    try:
        platform.wait_until_running()
        status = hive_status(env)
        assert status.returncode == 0, status.stdout
        assert "Hive is running" in status.stdout
        before = platform.child_pids()
        for name in ("hcm", "hag", "vop-sim", "worker"):
            assert f"{name} " in status.stdout and str(before[name]) in status.stdout

        os.kill(pid_of(before, "hcm"), signal.SIGKILL)

        def hcm_back() -> bool:
            # The others answer all along.
            assert all(healthy(url) for url in others.values())
            return bool(restarted(platform, "hcm", pid_of(before, "hcm"))) and healthy(hcm)

        wait_for(hcm_back, RESTART_DEADLINE_S, "hcm to be restarted")
        after = platform.child_pids()
        assert {k: v for k, v in after.items() if k != "hcm"} == {
            k: v for k, v in before.items() if k != "hcm"
        }
        status = hive_status(env)
        hcm_row = next(line for line in status.stdout.splitlines() if line.startswith("hcm "))
        assert hcm_row.split()[1] == str(after["hcm"]) and hcm_row.split()[5] == "1"
        assert "killed by SIGKILL" in platform.stderr()

        # A child that hangs (stopped, it cannot even handle SIGTERM) does not hold us up.
        os.kill(pid_of(after, "worker"), signal.SIGSTOP)
        started = time.monotonic()
        platform.terminate()
        assert platform.wait() == 0
        assert time.monotonic() - started < STOP_DEADLINE_S
        assert_stopped_cleanly(platform, after)
        status = hive_status(env)
        assert status.returncode == 3 and "not running" in status.stdout
    finally:
        platform.kill()


def test_repeated_crashes_stop_the_platform_naming_the_child_and_its_last_output(
    data_dir: Path,
) -> None:
    env = up_environment(data_dir, HIVE_UP_CRASH_LIMIT="3", HIVE_UP_CRASH_WINDOW_S="3600")
    platform = Platform(env)
    try:
        platform.wait_until_running()
        pids = platform.child_pids()
        worker = pid_of(pids, "worker")
        for run in range(1, 4):
            # Each run has printed something before it is killed, or there is no last output.
            wait_for(
                lambda run=run: platform.stderr().count("worker ready") >= run,
                RESTART_DEADLINE_S,
                f"worker run {run} to be ready",
            )
            pids = platform.child_pids()
            os.kill(worker, signal.SIGKILL)
            if run < 3:
                worker = wait_for(
                    lambda old=worker: restarted(platform, "worker", old),
                    RESTART_DEADLINE_S,
                    "the worker to be restarted",
                )
        assert platform.wait() == 2
        stderr = platform.stderr()
        assert "hive: `hive worker` crashed 3 times within 3600 s (last: killed by SIGKILL)" in (
            stderr
        )
        last_output = stderr.split("Its last output:", 1)[1]
        assert "  worker | " in last_output and "worker ready" in last_output
        assert "Traceback" not in stderr
        assert not [name for name, pid in pids.items() if pid and is_alive(pid)]
        assert not postgres_pids(platform.pgdata), "embedded PostgreSQL left running"
        assert hive_status(env).returncode == 3
    finally:
        platform.kill()


def test_ctrl_c_during_start_up_exits_0_and_leaves_nothing_running(data_dir: Path) -> None:
    env = up_environment(data_dir)
    pgdata = data_dir / "pgdata"
    # 1. While the new database starts: the Ctrl-C reaches pg_ctl too.
    platform = Platform(env)
    try:
        wait_for((pgdata / "postmaster.pid").exists, 120, "the database to start")
        platform.interrupt()
        assert platform.wait() == 0
        assert "Hive is running" not in platform.stdout()
        assert_stopped_cleanly(platform, {})
    finally:
        platform.kill()
    # 2. A supervisor killed with SIGKILL takes its children along (they exit when it dies);
    # the database keeps running, with the dead supervisor still registered as its user.
    platform = Platform(env)
    try:
        pids = wait_for(platform.children_started, 120, "the children to start")
        platform.process.kill()
        platform.wait()
        wait_for(lambda: not any(pid and is_alive(pid) for pid in pids.values()), 120, "exit")
        assert postgres_pids(pgdata.resolve())
    finally:
        platform.process.kill()
    # 3. The next start reuses that database; a Ctrl-C once the children are started, while
    # `hive up` waits for them to answer, stops them and the database.
    platform = Platform(env)
    try:
        pids = wait_for(platform.children_started, 120, "the children to start")
        platform.interrupt()
        assert platform.wait() == 0
        assert "Hive is running" not in platform.stdout()
        assert_stopped_cleanly(platform, pids)
    finally:
        platform.kill()
