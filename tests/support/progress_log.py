"""Every update of a ``job_progress`` row, written down by a trigger as the job made it, so a
test sees the progress a job reported on the way (not only where it ended)."""

from __future__ import annotations

import os
from typing import Any

import psycopg
from sqlalchemy import make_url

from hive.platform.config import Settings
from tests.conftest import ADMIN_URL_ENV
from tests.support.databases import database_url_for

LOG_PROGRESS = """
CREATE TABLE progress_seen (n serial, done int, planned int, status text, counts jsonb);
CREATE FUNCTION progress_seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO progress_seen (done, planned, status, counts)
    VALUES (NEW.done, NEW.planned, NEW.status, NEW.counts);
    RETURN NEW;
END $$;
CREATE TRIGGER progress_seen AFTER UPDATE ON job_progress
    FOR EACH ROW EXECUTE FUNCTION progress_seen();
GRANT SELECT, INSERT ON progress_seen TO PUBLIC;
GRANT USAGE ON SEQUENCE progress_seen_n_seq TO PUBLIC;
"""


def log_progress(settings: Settings) -> None:
    """Install the trigger on the test's database, as the server's superuser (the app's role
    may not create tables)."""
    name = make_url(settings.database_url).database
    assert name
    with psycopg.connect(database_url_for(os.environ[ADMIN_URL_ENV], name)) as connection:
        connection.execute(LOG_PROGRESS)


def distinct_states(seen: list[Any]) -> list[tuple[Any, ...]]:
    """The rows written down, each state once (a transaction may flush one state twice)."""
    rows = [tuple(row) for row in seen]
    return [row for i, row in enumerate(rows) if i == 0 or row != rows[i - 1]]
