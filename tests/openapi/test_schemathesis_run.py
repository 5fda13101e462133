"""Schemathesis over the gateway's own OpenAPI document: every operation the document holds
(whatever routes other domains add), valid and invalid requests generated from it, signed with
the demo tenant's app and sent to a live ``hive hag`` process, never get a 5xx.

It runs schemathesis' own command with the ``not_a_server_error`` check, signing through its
auth API (``tests/support/schemathesis_hooks.py``), in its examples and coverage phases, run to
their end: the coverage phase sends each operation its schema's boundary and just-outside
values, valid bodies among them (the only generated requests that get 2xx from the body
routes), and methods the document does not list. Its fuzzing and stateful phases are not run:
random requests to every operation are test_spec_fuzz.py's, with hostile values schemathesis
does not make, and the stateful phase followed 3 of the document's 29 links. (Before, a
``--max-time 60`` ended the run, and cut the coverage phase short, ~16 of its ~35 s.)"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hive.demo import seed_demo_data
from hive.platform.config import Settings
from hive.platform.db import Database
from tests.support.billing import fund
from tests.support.openapi import gateway_processes, make_priced_product, sql

pytestmark = pytest.mark.slow  # real processes: collected first (tests/conftest.py)

TIMEOUT_S = 600  # a hung run fails; the phases end by themselves in ~35 s on a loaded machine
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def demo(database: Database, open_settings: Settings) -> None:
    """The demo data (tenant acme and its app), three products priced for acme's grade in the
    default pool, and acme funded, so order routes can get past the balance check."""
    await seed_demo_data(database, open_settings)
    rows = await sql(database, "SELECT id, grade_id FROM tenants WHERE code = 'acme'")
    tenant_id, grade_id = int(rows[0][0]), int(rows[0][1])
    for index in range(3):
        await make_priced_product(database, grade_id, 1990 + index, sku=f"st{index}")
    await fund(database, tenant_id, 10_000_000, credit_fen=5_000_000)


@pytest.fixture
def live_gateway(demo: None, open_settings: Settings, tmp_path: Path) -> Iterator[str]:
    limits = {"HIVE_OPEN_API_RATE_PER_S": "100000", "HIVE_OPEN_API_BURST": "1000000"}
    with gateway_processes(1, open_settings.database_url, tmp_path, **limits) as urls:
        yield urls[0]


async def test_schemathesis_finds_no_server_error(
    live_gateway: str, database: Database, tmp_path: Path
) -> None:
    spec = httpx.get(live_gateway + "/openapi.json").json()
    assert "/open/v1/products/{product_id}" in spec["paths"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.support.schemathesis_hooks"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run", live_gateway + "/openapi.json"),
        *("--checks", "not_a_server_error", "--phases", "examples,coverage", "--workers", "1"),
        *("--request-timeout", "30", "--generation-database", "none", "--no-color"),
    ]
    run = await asyncio.to_thread(
        subprocess.run,
        command,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    report = run.stdout[-20_000:] + run.stderr[-5_000:]
    assert run.returncode == 0, report
    # Every operation of the document was tested (none filtered out or skipped).
    total = re.search(r"Selected: (\d+)/(\d+)", report)
    tested = re.search(r"Tested: (\d+)", report)
    assert total and tested and tested[1] == total[1] == total[2], report
    # The requests were signed well: hundreds got past the signature checks (each admitted
    # request leaves its nonce), in every route group of the document.
    admitted = await sql(database, "SELECT count(*) FROM open_nonces")
    groups = await sql(database, "SELECT DISTINCT split_part(key, ':', 2) FROM open_rate_buckets")
    assert admitted[0][0] >= 100
    assert {"catalog", "library", "messages", "account"} <= {row[0] for row in groups}
