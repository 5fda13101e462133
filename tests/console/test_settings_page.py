"""The system settings page (platform admin): business settings kept in the database are
changed here, validated next to their field and audited; environment settings are shown
read-only with their source and no secret; every other role is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import select, text

from hive.customers.models import CustomerGrade
from hive.platform.db import Database
from hive.platform.permissions import Role
from tests.support.console import csrf_token_of, sign_in
from tests.support.factories import make_user

PATH = "/admin/settings"
FIELD_ERROR = re.compile(r'<small class="field-error" id="f-([a-z_]+)-(\d+)-error">([^<]+)<')


@contextmanager
def _admin(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as client:
        assert sign_in(client, "admin", "admin-pass-1").status_code == 303
        yield client


async def _grade(database: Database) -> CustomerGrade:
    async with database.platform_transaction() as session:
        grade = await session.scalar(select(CustomerGrade).order_by(CustomerGrade.id))
        assert grade is not None
        return grade


async def _audited(database: Database, action: str) -> int:
    async with database.platform_transaction() as session:
        query = text("SELECT count(*) FROM audit_log WHERE action = :a AND actor_name = 'admin'")
        return int(await session.scalar(query, {"a": action}) or 0)


def test_environment_settings_show_their_source_and_no_secret(
    hcm_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIVE_LOG_LEVEL", "INFO")
    with _admin(hcm_url) as client:
        page = client.get(PATH).text
    rows = dict(re.findall(r'data-setting="([a-z_0-9]+)" data-source="([a-z]+)"', page))
    assert rows["log_level"] == "environment"
    assert rows["database_url"] == "file"  # given by the launcher (the test's Settings)
    assert rows["login_lockout_s"] == "default"
    secret = re.search(r'data-setting="secret_key".*?</tr>', page, re.S)
    assert secret and "自动生成的密钥（不显示）" in secret[0]
    assert "HIVE_SUPPLIER_BREAKER_RESET_S" in page and "<code>30.0</code>" in page


def test_a_password_in_a_connection_url_is_never_shown() -> None:
    from hive.console.settings_page import environment_settings
    from hive.platform.config import Settings

    shown = {
        s.name: s.value
        for s in environment_settings(
            Settings(
                database_url="postgresql://hive:s3cret-pw@db.example:5432/hive",
                redis_url="redis://:r3dis-pw@cache:6379/0",
                secret_key="k" * 40,
            )
        )
    }
    assert shown["database_url"] == "postgresql://hive:***@db.example:5432/hive"
    assert shown["redis_url"] == "redis://:***@cache:6379/0"
    assert shown["secret_key"] == "set"
    assert not any("s3cret" in v or "r3dis" in v or "kkkk" in v for v in shown.values())


async def test_admin_sets_a_grades_api_limit_and_coefficient_validated_and_audited(
    hcm_url: str, database: Database
) -> None:
    grade = await _grade(database)
    with _admin(hcm_url) as client:
        token = csrf_token_of(client, PATH)
        bad = client.post(
            f"{PATH}/grades/{grade.id}/api-limit",
            data={"csrf_token": token, "rate_per_s": "abc", "burst": "0"},
        )
        assert bad.status_code == 422
        named = {(field, int(row)) for field, row, _ in FIELD_ERROR.findall(bad.text)}
        assert named == {("rate_per_s", grade.id), ("burst", grade.id)}
        assert 'value="abc"' in bad.text
        done = client.post(
            f"{PATH}/grades/{grade.id}/api-limit",
            data={"csrf_token": token, "rate_per_s": "12.5", "burst": "30"},
        )
        assert done.status_code == 303
        page = client.get(done.headers["location"]).text
        assert "开放平台限流已保存" in page
        assert f'id="f-rate_per_s-{grade.id}" name="rate_per_s" value="12.5"' in page
        for raw in ("0", "100", "1.23456", "abc"):
            refused = client.post(
                f"{PATH}/grades/{grade.id}/coefficient",
                data={"csrf_token": token, "coefficient": raw},
            )
            assert refused.status_code == 422, raw
            assert [f for f, _, _ in FIELD_ERROR.findall(refused.text)] == ["coefficient"], raw
        saved = client.post(
            f"{PATH}/grades/{grade.id}/coefficient",
            data={"csrf_token": token, "coefficient": "1.25"},
        )
        assert saved.status_code == 303
        missing = client.post(
            f"{PATH}/grades/999999/api-limit",
            data={"csrf_token": token, "rate_per_s": "1", "burst": "1"},
            headers={"accept": "text/html"},
        )
        assert missing.status_code == 404
    assert str((await _grade(database)).price_coefficient) == "1.2500"
    assert await _audited(database, "openapi.grade_rate_limit") == 1
    assert await _audited(database, "grade.coefficient") == 1


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.FINANCE, Role.TENANT_ADMIN])
async def test_other_roles_can_neither_open_nor_change_the_settings(
    hcm_url: str, database: Database, accounts: dict[str, int], role: Role
) -> None:
    tenant = accounts["acme"] if role is Role.TENANT_ADMIN else None
    await make_user(database, "someone", "someone-pass-1", role=role, tenant_id=tenant)
    grade = await _grade(database)
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "someone", "someone-pass-1").status_code == 303
        assert client.get(PATH).status_code == 403
        token = csrf_token_of(client, "/account/sessions")
        for suffix, data in (
            ("api-limit", {"rate_per_s": "1", "burst": "1"}),
            ("coefficient", {"coefficient": "2"}),
        ):
            answer = client.post(
                f"{PATH}/grades/{grade.id}/{suffix}", data={"csrf_token": token, **data}
            )
            assert answer.status_code == 403
    assert str((await _grade(database)).price_coefficient) == "1.1000"
