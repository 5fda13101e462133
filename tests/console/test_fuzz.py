"""Every console route and form, driven with hostile values: never a 5xx, never a dropped
connection, never a 404 page that says "no permission", never a refused value named by its raw
parameter name.

The routes are read from the application itself (path, query and form parameters as FastAPI
declares them), and so are the fields of every form the pages render (a page that reads its
own query string or form declares nothing: each person opens every page first and the names
of each form's fields go to the route the form posts or gets to), so a new route or form is
fuzzed without editing this file. Each route is called as a platform admin and as a tenant
admin, over one keep-alive connection per role: a wrong answer fails the test, and so does a
second TCP connection (the server closed the first one).

Each route and role is a test of its own, so the parallel workers share the sweep; each worker
sets up one database, server and signed-in person per role and keeps them for all its routes
(the sweep took almost ten minutes as one test on a loaded machine).
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hive.apps.hcm import create_hcm_app
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.platform.permissions import Role
from tests.support.console import app_routes, csrf_token_of, sign_in
from tests.support.databases import clone_database, database_url_for, drop_database
from tests.support.factories import make_tenant, make_user
from tests.support.servers import running_server

HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "99999999999999999999",
    "9223372036854775808",
    "-9223372036854775809",
    "²",
    "١٢٣",
    "𝟏𝟐",
    "１２",
    "1e309",
    "nan",
    "-inf",
    "1.5",
    "0x1F",
    "a\x00b",
    "\x00",
    "\x1b[31m",
    "line\nbreak",
    "x" * 5000,
    "'; DROP TABLE products; --",
    "<script>alert(1)</script>",
    "%",
    "%00",
    "../../etc/passwd",
    "手机\u200b",
    "{}",
    "[]",
    '{"a": 1e309}',
]
# Names pages read from the raw query string or form (not declared as parameters), tried on
# every route besides the fields of the forms that post to it.
RAW_NAMES = [
    "keyword",
    "category_id",
    "brand",
    "min_yuan",
    "max_yuan",
    "province",
    "sort",
    "status",
    "page",
    "supplier_id",
    "sku",
    "select_all",
]
# Combinations per route and person; raise it for a deeper run (HIVE_FUZZ_EXAMPLES=200).
EXAMPLES = int(os.environ.get("HIVE_FUZZ_EXAMPLES", "6"))
# CI runs the same combinations every time; HIVE_FUZZ_RANDOM=1 explores new ones.
RANDOM = os.environ.get("HIVE_FUZZ_RANDOM") == "1"
# A 404 page says the thing is not there, never that the caller may not see it.
NO_PERMISSION = "没有权限"
# A refused value names its field by its label ("订单 ID：…"), never by its parameter
# ("order_id：…").
UNLABELLED = re.compile(r"(?:<li>|；|>)\s*([a-z][a-z0-9_]*)：")
SKIPPED = {"/metrics", "/logout"}  # metrics is not the console's; logout ends the session


@dataclass(frozen=True)
class Target:
    method: str
    path: str
    path_params: tuple[str, ...]
    names: tuple[str, ...]


def targets(app: FastAPI) -> list[Target]:
    found = []
    for route in app_routes(app):
        if route.path in SKIPPED:
            continue
        dependant = route.dependant
        declared = [p.alias for p in [*dependant.query_params, *dependant.body_params]]
        names = tuple(dict.fromkeys([*declared, *RAW_NAMES]))
        path_params = tuple(p.name for p in dependant.path_params)
        found += [Target(m, route.path, path_params, names) for m in sorted(route.methods)]
    return found


class FormFields(HTMLParser):
    """The fields of every form on one page: (method, action path, field name)."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.by_id: dict[str, tuple[str, str]] = {}
        self.current: tuple[str, str] | None = None
        self.fields: set[tuple[str, str, str]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = urlsplit(found.get("action") or self.page_path).path or self.page_path
            self.current = ((found.get("method") or "get").upper(), action)
            if found.get("id"):
                self.by_id[found["id"]] = self.current
        elif tag in ("input", "select", "textarea", "button") and found.get("name"):
            owner = self.by_id.get(found["form"]) if found.get("form") else self.current
            if owner is not None and found["name"] != "csrf_token":
                self.fields.add((*owner, found["name"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


def with_form_fields(routes: list[Target], pages: list[tuple[str, str]]) -> list[Target]:
    """``routes`` with the fields of the forms on ``pages`` ((path, HTML) pairs) added to the
    route each form goes to."""
    patterns = [
        (target, re.compile(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(target.path)) + "$"))
        for target in routes
    ]
    extra: dict[Target, set[str]] = defaultdict(set)
    for path, html in pages:
        parser = FormFields(path)
        parser.feed(html)
        for method, action, name in parser.fields:
            for target, pattern in patterns:
                if target.method == method and pattern.match(action):
                    extra[target].add(name)
    return [
        replace(target, names=tuple(dict.fromkeys([*target.names, *sorted(extra[target])])))
        for target in routes
    ]


# Where the other role's pages are: refused before any parameter is read, so the sweep's
# thousands of calls there would each get the same refusal (the combinations still go there),
# and a look there for forms finds only the refusal page's (the layout's, on every page).
OTHERS_PAGES = {"platform-admin": "/workbench", "tenant-admin": "/admin"}


def rendered_pages(routes: list[Target], people: dict[str, Session]) -> list[tuple[str, str]]:
    """Every page a GET route renders as each person, its path parameters "1"; not the other
    role's pages (53 of the 120 looks were refusals there, 1.5–3 s of each test process's set-up,
    and leaving them out found the same fields for the same routes)."""
    pages = []
    for target in routes:
        if target.method != "GET":
            continue
        path = re.sub(r"\{[^}]+\}", "1", target.path)
        for role, person in people.items():
            if path.startswith(OTHERS_PAGES[role]):
                continue
            response = person.client.get(path)
            if response.headers.get("content-type", "").startswith("text/html"):
                pages.append((path, response.text))
    return pages


class Session:
    """One signed-in browser over one keep-alive connection, noting each connection used."""

    def __init__(self, base_url: str, username: str, password: str):
        self.local_ports: set[int] = set()
        self.client = httpx.Client(
            base_url=base_url,
            # Kept open however long the other person's calls take (httpx drops idle ones
            # after 5 s by default).
            limits=httpx.Limits(
                max_connections=1, max_keepalive_connections=1, keepalive_expiry=3600
            ),
            timeout=60,
            event_hooks={"response": [self._note_connection]},
        )
        self.credentials = (username, password)
        self.sign_in()

    def _note_connection(self, response: httpx.Response) -> None:
        stream = response.extensions["network_stream"]
        self.local_ports.add(stream.get_extra_info("socket").getsockname()[1])

    def sign_in(self) -> None:
        self.client.cookies.clear()
        assert sign_in(self.client, *self.credentials).status_code in (200, 303)
        self.token = csrf_token_of(self.client, "/")

    def call(self, target: Target, values: dict[str, str], path_values: list[str]) -> str:
        """What is wrong with the answer to ``target`` called with these values ("" if
        nothing): a 5xx, or a missing thing called forbidden."""
        path = target.path
        for name, value in zip(target.path_params, path_values, strict=True):
            path = path.replace("{" + name + "}", quote(value, safe=""))
        if target.method == "GET":
            response = self.client.get(path, params=values)
        else:
            response = self.client.post(path, data={**values, "csrf_token": self.token})
        if response.status_code in (303, 401) and "/login" in response.headers.get("location", ""):
            self.sign_in()  # a form that ended this session (password change, sign-out)
        if response.status_code >= 500:
            return str(response.status_code)
        if response.status_code == 404 and NO_PERMISSION in response.text:
            return "404 that says no permission"
        if unlabelled := UNLABELLED.search(response.text):
            return f"a problem with the field's raw name {unlabelled.group(1)!r}"
        return ""


def console_targets() -> list[Target]:
    """The console's routes, read at collection from an application that is never served (so
    each route is a test of its own that xdist can give to any worker)."""
    with tempfile.TemporaryDirectory() as data_dir:
        unused = Settings(database_url=UNUSED_DATABASE_URL, data_dir=Path(data_dir))
        return targets(create_hcm_app(unused, unused.database_url))


UNUSED_DATABASE_URL = "postgresql+psycopg://nobody@127.0.0.1:1/unused"
TARGETS = console_targets()


@dataclass
class FuzzWorld:
    """One console per test process: its routes with their forms' fields, and one signed-in
    person per role, each on one keep-alive connection."""

    routes: dict[tuple[str, str], Target]
    people: dict[str, Session]


async def _make_accounts(database_url: str, settings: Settings) -> None:
    database = Database(create_engine(database_url, settings, pooled=False))
    try:
        tenant = await make_tenant(database, "fuzz")
        await make_user(database, "fuzz-admin", "admin-pass-1", role=Role.PLATFORM_ADMIN)
        await make_user(database, "fuzz-tenant", "tenant-pass-1", tenant_id=tenant)
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWorld]:
    """Set up once per test process (a database, the accounts, the server, the sign-ins and a
    look at every page for its forms), not once per route: each route's test only calls. Kept
    for the whole session, since a worker may run other modules' tests between its routes."""
    admin_url = os.environ["HIVE_TEST_DATABASE_URL"]
    name = clone_database(admin_url, os.environ["HIVE_TEST_TEMPLATE"])
    url = database_url_for(admin_url, name)
    # The fuzz's own sign-ins lock its address; its refusals are not held (pacing has its own
    # tests, tests/customers/test_refusal_pacing.py): held, they cost this run about 11 s.
    settings = Settings(
        database_url=url,
        data_dir=tmp_path_factory.mktemp("fuzz") / "data",
        log_format="json",
        login_refusals_per_s=100_000.0,
    )
    try:
        asyncio.run(_make_accounts(url, settings))
        app = create_hcm_app(settings, url)
        # Idle connections stay open for the whole run: only an answer can close one.
        with running_server(app, timeout_keep_alive=3600) as base_url:
            people = {
                "platform-admin": Session(base_url, "fuzz-admin", "admin-pass-1"),
                "tenant-admin": Session(base_url, "fuzz-tenant", "tenant-pass-1"),
            }
            routes = with_form_fields(TARGETS, rendered_pages(TARGETS, people))
            yield FuzzWorld({(t.method, t.path): t for t in routes}, people)
            for person in people.values():
                person.client.close()
    finally:
        drop_database(admin_url, name)


value = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))


def sweep_route(target: Target, person: Session, failures: list[str]) -> None:
    """Every hostile value in every declared parameter of ``target``, one at a time."""
    declared = [n for n in target.names if n not in RAW_NAMES]
    plain = ["1"] * len(target.path_params)
    cases: list[tuple[dict[str, str], list[str]]] = [
        ({name: v}, plain) for name in declared for v in HOSTILE
    ]
    for index in range(len(target.path_params)):
        cases += [({}, [*plain[:index], v, *plain[index + 1 :]]) for v in HOSTILE if v]
    for values, path_values in cases:
        if wrong := person.call(target, values, path_values):
            failures.append(f"{wrong}: {target.method} {target.path} {values!r} {path_values!r}")


def fuzz_route(target: Target, person: Session, failures: list[str]) -> None:
    """Call ``target`` with hostile combinations; note each wrong answer."""

    @settings(
        max_examples=EXAMPLES,
        derandomize=not RANDOM,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        values=st.dictionaries(st.sampled_from(target.names), value, max_size=6),
        path_values=st.lists(
            st.sampled_from(HOSTILE[1:17]),
            min_size=len(target.path_params),
            max_size=len(target.path_params),
        ),
    )
    def fuzz(values: dict[str, str], path_values: list[str]) -> None:
        if wrong := person.call(target, values, path_values):
            failures.append(f"{wrong}: {target.method} {target.path} {values!r} {path_values!r}")

    fuzz()


def test_the_fuzz_reaches_the_whole_console() -> None:
    assert len(TARGETS) >= 20  # the whole console, not a corner of it
    assert {"GET", "POST"} <= {target.method for target in TARGETS}


@pytest.mark.parametrize("role", ["platform-admin", "tenant-admin"])
@pytest.mark.parametrize("route", TARGETS, ids=lambda t: f"{t.method} {t.path}")
def test_console_route_answers_hostile_input_without_5xx_or_closing(
    world: FuzzWorld, route: Target, role: str
) -> None:
    """The sweep (each hostile value alone in each declared parameter) as the role whose pages
    they are, both for the shared ones, and the combinations as each role."""
    target = world.routes[(route.method, route.path)]  # with the fields of its forms
    person = world.people[role]
    person.local_ports.clear()
    failures: list[str] = []
    if not target.path.startswith(OTHERS_PAGES[role]):
        sweep_route(target, person, failures)
    fuzz_route(target, person, failures)
    assert failures == [], "\n".join(failures)
    # One connection from start to end: no answer closed it (the last one included).
    person.client.get("/healthz")
    assert len(person.local_ports) == 1, person.local_ports
