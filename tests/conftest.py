"""Test harness: one PostgreSQL per test run, a migrated template, a fresh database per test.

By default the run starts the embedded PostgreSQL (under ``.hive/test-pgdata``); set
``HIVE_TEST_DATABASE_URL`` to an admin URL of another server to use that instead, and
``HIVE_TEST_TEMPLATE`` as well to clone a template already migrated there (the mutation run
prepares one for its thousands of short test runs). The schema is
migrated once into a template database; each test that needs the database gets its own clone
(``CREATE DATABASE … TEMPLATE``), so tests commit for real, run in parallel and never see each
other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import argon2.profiles
import hypothesis
import pytest
from argon2 import PasswordHasher

# Every table in the ORM's metadata: a flush needs the target of each foreign key a model names
# (selection_records.progress_id -> job_progress). A run that migrates gets them all through
# Alembic's env.py; one that clones a ready template (HIVE_TEST_TEMPLATE, the mutation run) did
# not, and its first flush of a catalog row failed with NoReferencedTableError.
import hive.models  # noqa: F401
from hive.platform import passwords
from hive.platform.config import Settings
from hive.platform.db import Database, create_engine
from hive.platform.jobs import JobRuntime
from hive.platform.logging import configure_logging
from tests.support.databases import (
    CloneSupply,
    clone_database,
    database_url_for,
    drop_database,
    prepare_template,
    start_test_server,
)
from tests.support.services import EXTERNAL_PG_URL, require_external_postgres

# No property test fails for time alone: on a loaded machine (CI shares its two cores) a draw
# took over a second and an example past Hypothesis' 200 ms deadline says nothing about the
# code. What each property checks is unchanged; tests that set their own settings keep them.
hypothesis.settings.register_profile(
    "hive", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile("hive")

# Test users are hashed at argon2's cheapest parameters: a production-cost hash takes 50 ms on
# a quiet core and over a second on a loaded one, and console tests create and sign in several
# users each. A stored hash carries its own parameters, so verification stays argon2id end to
# end; tests/platform/test_password_hashing.py checks production keeps RFC 9106's, and
# processes tests start (``hive up``, workers) hash at production cost. The hash a sign-in of
# an unknown user is checked against (so both paths cost the same) is made the same way: at
# production cost, on a thread at lowered priority, each such refusal took seconds on a loaded
# machine (the console fuzz signs in with hundreds of unknown names).
passwords._hasher = PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
passwords._DUMMY_HASH = passwords._hasher.hash("hive-timing-equaliser")

pytest_plugins = ["tests.support.vop", "tests.support.browser", "tests.support.openapi"]

REPO = Path(__file__).resolve().parent.parent
# Tests run their webhook receivers on loopback, which production refuses by default; set
# before any Settings is built, and inherited by the processes tests start.
os.environ.setdefault("HIVE_WEBHOOK_ALLOW_LOOPBACK", "true")
TEMPLATE_ENV = "HIVE_TEST_TEMPLATE"
ADMIN_URL_ENV = "HIVE_TEST_DATABASE_URL"
# Set when this run started the embedded server itself (rather than use the caller's).
OWN_SERVER_ENV = "HIVE_TEST_OWN_SERVER"


def pytest_configure(config: pytest.Config) -> None:
    configure_logging(Settings(log_format="console", log_level="WARNING"), process="tests")
    if hasattr(config, "workerinput"):
        return  # xdist workers inherit the server and template from the controller
    if not os.environ.get(ADMIN_URL_ENV):
        server = start_test_server(REPO / ".hive" / "test-pgdata")
        config.stash[_server_key] = server
        os.environ[ADMIN_URL_ENV] = server.get_uri("postgres")
        os.environ[OWN_SERVER_ENV] = "1"
    if os.environ.get(TEMPLATE_ENV):
        return  # a template prepared by the caller (the mutation run): cloned, never dropped
    template = f"hive_tmpl_{uuid.uuid4().hex[:10]}"
    prepare_template(os.environ[ADMIN_URL_ENV], template)
    os.environ[TEMPLATE_ENV] = template
    config.stash[_own_template_key] = template


def pytest_unconfigure(config: pytest.Config) -> None:
    template = config.stash.get(_own_template_key, None)
    if template:
        drop_database(os.environ[ADMIN_URL_ENV], template)
        del os.environ[TEMPLATE_ENV]


_server_key = pytest.StashKey[object]()
_own_template_key = pytest.StashKey[str]()
EXTERNAL_FIXTURES = {"external_template", "external_database"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that runs on the external PostgreSQL carries the ``external_pg`` marker
    (``-m external_pg`` selects them, ``-m "not external_pg"`` leaves them out)."""
    for item in items:
        if EXTERNAL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.external_pg)
    items[:] = slow_first(items)


def slow_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """The tests marked ``slow`` first, each group in its collected order: a test of a minute
    left for the end of a parallel run keeps one worker busy while the other idles."""
    return sorted(items, key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def clone_supply() -> Iterator[CloneSupply]:
    """This test process's supply of clones of the migrated template."""
    supply = CloneSupply(os.environ[ADMIN_URL_ENV], os.environ[TEMPLATE_ENV])
    try:
        yield supply
    finally:
        supply.close()


@pytest.fixture
def database_url(clone_supply: CloneSupply) -> Iterator[str]:
    """A fresh, migrated database of its own for this test."""
    name = clone_supply.take()
    try:
        yield database_url_for(os.environ[ADMIN_URL_ENV], name)
    finally:
        clone_supply.give_back(name)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A test's settings. Its workers, in this process (``run_worker``) or their own
    (``tests.support.workers.worker``), defer no periodic job: which are due depends on the
    time of day (tests/support/workers.py says what that broke)."""
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        log_format="json",
        worker_periodic=False,
    )


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    db = Database(create_engine(settings.database_url, settings, pooled=False))
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
async def job_runtime(database: Database, settings: Settings) -> AsyncIterator[JobRuntime]:
    """The runtime a worker process builds once: this test's database, real supplier adapters."""
    from hive.suppliers.runtime import supplier_runtime

    async with supplier_runtime(database, settings) as adapters:
        yield JobRuntime(settings.database_url, database, settings, adapters.for_supplier_id)


@pytest.fixture(scope="session")
def external_template() -> Iterator[str]:
    """A migrated template on the external PostgreSQL 15 (one per test process)."""
    require_external_postgres(EXTERNAL_PG_URL)
    name = f"hive_tmpl_ext_{uuid.uuid4().hex[:10]}"
    prepare_template(EXTERNAL_PG_URL, name)
    try:
        yield name
    finally:
        drop_database(EXTERNAL_PG_URL, name)


@pytest.fixture
async def external_database(external_template: str, tmp_path: Path) -> AsyncIterator[Database]:
    name = clone_database(EXTERNAL_PG_URL, external_template)
    url = database_url_for(EXTERNAL_PG_URL, name)
    settings = Settings(database_url=url, data_dir=tmp_path / "ext-data")
    db = Database(create_engine(url, settings, pooled=False))
    try:
        yield db
    finally:
        await db.dispose()
        drop_database(EXTERNAL_PG_URL, name)
