"""The signature test vectors as published in docs/open-api.md, read from the docs themselves
(the table row by row, the worked example and the canonical-query cases) and checked three
ways: by the signature functions, by the client (what it signs and what it sends), and by a
live gateway whose clock is set to the vectors' time (it must accept every row's signature).

An integrator in another language checks against exactly these rows: a row that drifts from
the code, or that the gateway would refuse, fails here."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hive.apps.hag import create_hag_app
from hive.openapi import client as open_client
from hive.openapi.schemas import AppCreate
from hive.openapi.scopes import ALL_SCOPES
from hive.openapi.service import create_app
from hive.openapi.signature import (
    HEADER_APP_KEY,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    body_hash,
    canonical_query,
    percent_decode,
    sign,
    string_to_sign,
)
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.secret_key import load_secret_box
from tests.support.factories import ADMIN, make_tenant
from tests.support.servers import running_server

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "open-api.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = DOCS.index(title)
    end = DOCS.find("\n#", start + len(title))
    return DOCS[start : end if end > 0 else None]


# "All with AppSecret `…`, timestamp `…`, nonce `…`": the fixed inputs, as the docs give them.
_INPUTS = re.search(
    r"AppSecret `([^`]+)`, timestamp `([0-9]+)`, nonce `([^`]+)`", _section("### Test vectors")
)
assert _INPUTS, "the test vectors' inputs are not stated in the docs"
SECRET, TIMESTAMP, NONCE = _INPUTS.groups()


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    raw_query: str
    canonical: str
    body: bytes
    body_sha: str  # may be shortened in the docs as head…tail
    signature: str


def _cell(text: str) -> str:
    text = text.strip()
    return "" if text in ("(none)", "(empty)") else text.strip("`")


def published_rows() -> list[Row]:
    rows = []
    for line in _section("### Test vectors").splitlines():
        if not re.match(r"\| (GET|POST|DELETE) /", line):
            continue
        cells = [_cell(cell) for cell in line.strip().strip("|").split("|")]
        method, path = cells[0].split(" ")
        rows.append(Row(method, path, cells[1], cells[2], cells[3].encode(), cells[4], cells[5]))
    return rows


ROWS = published_rows()


def _sha_matches(published: str, full: str) -> bool:
    head, _, tail = published.partition("…")
    return published == full if not tail else full.startswith(head) and full.endswith(tail)


def test_the_table_covers_what_integrators_trip_over() -> None:
    assert len(ROWS) >= 5
    assert any("%E6" in row.raw_query for row in ROWS)  # Chinese
    assert any("+" in row.raw_query and "%2F" in row.raw_query for row in ROWS)  # reserved
    assert any(row.body for row in ROWS) and any(not row.body for row in ROWS)
    assert any(row.raw_query != row.canonical for row in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.method} {row.raw_query}")
def test_every_published_row_is_what_the_code_signs(row: Row) -> None:
    assert canonical_query(row.raw_query) == row.canonical
    assert _sha_matches(row.body_sha, body_hash(row.body))
    assert sign(SECRET, row.method, row.path, row.raw_query, TIMESTAMP, NONCE, row.body) == (
        row.signature
    )


def test_the_worked_example_is_what_the_code_signs() -> None:
    example = _section("### Worked example")
    block = re.search(r"```\n(GET\n.*?)\n```", example, re.S)
    query = re.search(r"`GET /open/v1/products\?([^`]+)`", example)
    signature = re.search(r"X-Hive-Signature: ([0-9a-f]{64})", example)
    assert block and query and signature
    assert string_to_sign("GET", "/open/v1/products", query[1], TIMESTAMP, NONCE, b"") == block[1]
    assert (
        sign(SECRET, "GET", "/open/v1/products", query[1], TIMESTAMP, NONCE, b"") == (signature[1])
    )


def test_the_listed_canonical_query_cases_hold() -> None:
    text = DOCS[DOCS.index("More canonical-query cases") :]
    text = text[: text.index("\n\n")]
    cases = re.findall(r"`([^`]*)` →\s*`([^`]*)`", text)
    assert len(cases) >= 9
    for raw, canonical in cases:
        assert canonical_query(raw) == canonical, raw


def _params(raw_query: str) -> list[tuple[str, str]]:
    """The parameters a raw query stands for (as an integrator would pass them to the client)."""
    pairs = []
    for part in filter(None, raw_query.split("&")):
        name, _, value = part.partition("=")
        pairs.append((percent_decode(name).decode(), percent_decode(value).decode()))
    return pairs


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.method} {row.raw_query}")
def test_the_client_signs_and_sends_each_row_as_published(row: Row) -> None:
    headers = open_client.signed_headers(
        "ak-vectors", SECRET, row.method, row.path, row.raw_query, row.body,
        timestamp=int(TIMESTAMP), nonce=NONCE,
    )  # fmt: skip
    assert headers[HEADER_SIGNATURE] == row.signature
    assert (headers[HEADER_TIMESTAMP], headers[HEADER_NONCE]) == (TIMESTAMP, NONCE)

    # What OpenApiClient puts on the wire for this row: the canonical query, the row's body
    # bytes (from the parsed JSON, serialised once and compactly) and a signature over them.
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    body = json.loads(row.body) if row.body else None
    with open_client.OpenApiClient(
        "http://gateway.test",
        "ak-vectors",
        SECRET,
        clock=lambda: float(TIMESTAMP),
        transport=httpx.MockTransport(record),
    ) as client:
        client.request(row.method, row.path, params=_params(row.raw_query), json=body)
    [request] = sent
    raw_query = request.url.query.decode()
    assert (request.method, request.url.path, request.content) == (row.method, row.path, row.body)
    assert canonical_query(raw_query) == row.canonical
    # Each pair goes out already in its canonical encoding ('+' as %2B, '/' as %2F, a space %20).
    assert all(part == canonical_query(part) for part in raw_query.split("&") if part)
    got = request.headers
    assert got[HEADER_TIMESTAMP] == TIMESTAMP
    assert got[HEADER_SIGNATURE] == sign(
        SECRET, row.method, row.path, raw_query, TIMESTAMP, got[HEADER_NONCE], row.body
    )


@pytest.fixture
def vector_gateway(settings: Settings) -> Iterator[str]:
    """A HAG whose clock stands at the vectors' timestamp."""
    app = create_hag_app(settings, settings.database_url)
    with running_server(app) as url:
        app.state.open_gateway.clock = lambda: float(TIMESTAMP)
        yield url


async def test_the_gateway_accepts_every_published_signature(
    vector_gateway: str, database: Database, settings: Settings
) -> None:
    tenant_id = await make_tenant(database, "acme")
    keys = []
    for index in range(len(ROWS) + 1):  # an app per row: the rows share one nonce
        async with database.platform_transaction() as session:
            issued = await create_app(
                session,
                ADMIN,
                tenant_id,
                AppCreate(name=f"vectors {index}", scopes=list(ALL_SCOPES)),
                load_secret_box(settings),
                app_secret=SECRET,
            )
        keys.append(issued.app_key)

    def send(row: Row, app_key: str, signature: str) -> httpx.Response:
        headers = {
            HEADER_APP_KEY: app_key,
            HEADER_TIMESTAMP: TIMESTAMP,
            HEADER_NONCE: NONCE,
            HEADER_SIGNATURE: signature,
            "Content-Type": "application/json",
        }
        url = vector_gateway + row.path + ("?" + row.raw_query if row.raw_query else "")
        return httpx.request(row.method, url, headers=headers, content=row.body, timeout=30)

    for row, app_key in zip(ROWS, keys, strict=False):
        answer = await asyncio.to_thread(send, row, app_key, row.signature)
        assert answer.status_code not in (401, 403) and answer.status_code < 500, (
            row,
            answer.text,
        )
        assert "X-RateLimit-Limit" in answer.headers  # admitted: past every signature check
    # The gateway does check these: one hex digit off is refused.
    row = ROWS[0]
    wrong = row.signature[:-1] + ("0" if row.signature[-1] != "0" else "1")
    refused = await asyncio.to_thread(send, row, keys[-1], wrong)
    assert refused.status_code == 401 and refused.json()["code"] == "signature_invalid"
