"""客户等级 (/admin/grades) over real HTTP: the platform admin creates a grade (a reprice starts),
edits it, and deletes an unused one; a bad code, a taken code or name and a bad coefficient are
named next to their field and change nothing; a grade that tenants or a distribution pool still
use is not deleted, and the page says by what; other roles are refused."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from hive.catalog.distribution import service as distribution
from hive.catalog.distribution.models import PoolKind
from hive.catalog.distribution.schemas import AssignmentCreate, PoolCreate
from hive.catalog.pricing.rules import REPRICE_KIND
from hive.customers.models import CustomerGrade
from hive.platform.audit import AuditEntry
from hive.platform.db import Database
from hive.platform.permissions import Role
from hive.platform.progress import JobProgress
from tests.support.console import csrf_token_of, signed_in
from tests.support.distribution import OPERATOR
from tests.support.factories import make_grade, make_user

FIELD_ERROR = re.compile(r'<small class="field-error" id="f-([a-z_]+)-error">([^<]+)<')
PAGE = "/admin/grades"


async def _grades(database: Database) -> dict[str, CustomerGrade]:
    async with database.platform_transaction() as session:
        rows = (await session.scalars(select(CustomerGrade))).all()
        return {row.name: row for row in rows}


async def _audited(database: Database, action: str) -> list[AuditEntry]:
    async with database.platform_transaction() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(rows.all())


async def _runs(database: Database) -> int:
    async with database.platform_transaction() as session:
        query = select(func.count()).where(JobProgress.kind == REPRICE_KIND)
        return int(await session.scalar(query) or 0)


def _form(**fields: str) -> dict[str, str]:
    return {"code": "", "name": "", "price_coefficient": "", "description": "", **fields}


async def test_admin_creates_and_edits_a_grade_and_a_reprice_starts(
    hcm_url: str, database: Database
) -> None:
    runs = await _runs(database)
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        assert 'data-menu="/admin/grades"' in admin.get("/").text
        token = csrf_token_of(admin, PAGE)
        made = admin.post(
            PAGE,
            data={
                "csrf_token": token,
                **_form(code="vip", name="贵宾", price_coefficient="0.9", description="大客户"),
            },
        )
        assert made.status_code == 303
        listing = admin.get(made.headers["location"]).text
        assert "等级“贵宾”已创建" in listing
        grade = (await _grades(database))["贵宾"]
        assert (grade.code, grade.price_coefficient, grade.description) == (
            "vip",
            Decimal("0.9"),
            "大客户",
        )
        row = re.search(rf'data-grade="{grade.id}".*?</tr>', listing, re.S)
        assert row and "vip" in row[0] and "0.9" in row[0]
        assert await _runs(database) == runs + 1
        edit = admin.get(f"{PAGE}/{grade.id}")
        assert edit.status_code == 200 and 'value="vip"' in edit.text
        renamed = admin.post(
            f"{PAGE}/{grade.id}",
            data={
                "csrf_token": token,
                **_form(code="vip-1", name="贵宾一级", price_coefficient="0.9"),
            },
        )
        assert renamed.status_code == 303
        assert await _runs(database) == runs + 1  # same coefficient: no reprice
        repriced = admin.post(
            f"{PAGE}/{grade.id}",
            data={
                "csrf_token": token,
                **_form(code="vip-1", name="贵宾一级", price_coefficient="0.88"),
            },
        )
        assert "系数已修改" in admin.get(repriced.headers["location"]).text
        assert await _runs(database) == runs + 2
    after = (await _grades(database))["贵宾一级"]
    assert (after.code, after.price_coefficient, after.description) == (
        "vip-1",
        Decimal("0.88"),
        "",
    )
    (update,) = await _audited(database, "grade.update")
    assert update.details == {
        "code": {"from": "vip", "to": "vip-1"},
        "name": {"from": "贵宾", "to": "贵宾一级"},
        "description": {"from": "大客户", "to": ""},
    }
    (coefficient,) = await _audited(database, "grade.coefficient")
    assert coefficient.details == {"from": "0.9000", "to": "0.88"}


async def test_refused_grade_fields_are_named_and_nothing_changes(
    hcm_url: str, database: Database
) -> None:
    taken = await make_grade(database, "已有等级")
    async with database.platform_transaction() as session:
        row = await session.get(CustomerGrade, taken)
        assert row is not None
        row.code = "taken"
    before = await _grades(database)
    runs = await _runs(database)
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        token = csrf_token_of(admin, PAGE)
        cases = [
            (_form(code="", name="", price_coefficient=""), {"code", "name", "price_coefficient"}),
            (_form(code="Gold!", name="金", price_coefficient="1"), {"code"}),
            (_form(code="9lives", name="金", price_coefficient="1"), {"code"}),
            (_form(code="taken", name="新等级", price_coefficient="1"), {"code"}),
            (_form(code="fresh", name="已有等级", price_coefficient="1"), {"name"}),
            (_form(code="fresh", name="金", price_coefficient="0"), {"price_coefficient"}),
            (_form(code="fresh", name="金", price_coefficient="abc"), {"price_coefficient"}),
            (_form(code="fresh", name="金", price_coefficient="1.23456"), {"price_coefficient"}),
            (_form(code="fresh", name="金", price_coefficient="100"), {"price_coefficient"}),
        ]
        for fields, named in cases:
            answer = admin.post(PAGE, data={"csrf_token": token, **fields})
            assert answer.status_code in (409, 422), fields
            assert set(dict(FIELD_ERROR.findall(answer.text))) == named, fields
        taken_text = admin.post(
            PAGE, data={"csrf_token": token, **_form(code="taken", name="x", price_coefficient="1")}
        ).text
        assert dict(FIELD_ERROR.findall(taken_text))["code"] == "等级编码已存在"
        own = await make_grade(database, "第二等级")
        clash = admin.post(
            f"{PAGE}/{own}",
            data={
                "csrf_token": token,
                **_form(code="taken", name="第二等级", price_coefficient="1"),
            },
        )
        assert clash.status_code == 409 and set(dict(FIELD_ERROR.findall(clash.text))) == {"code"}
        assert 'value="taken"' in clash.text  # what was typed comes back
        assert admin.get(f"{PAGE}/999999").status_code == 404
        english = admin.post(
            PAGE + "?lang=en",
            data={"csrf_token": token, **_form(code="taken", name="x", price_coefficient="1")},
        ).text
        assert dict(FIELD_ERROR.findall(english))["code"] == "The grade code is taken"
        assert "Customer grades" in english
        admin.get(PAGE, params={"lang": "zh"})
        no_csrf = admin.post(PAGE, data=_form(code="nocsrf", name="n", price_coefficient="1"))
        assert no_csrf.status_code == 403
    after = await _grades(database)
    assert set(after) == {*before, "第二等级"}
    assert after["第二等级"].code is None
    assert await _runs(database) == runs


async def test_a_grade_in_use_is_not_deleted_and_an_unused_one_is(
    hcm_url: str, database: Database, accounts: dict[str, int]
) -> None:
    async with database.platform_transaction() as session:
        tenant_grade = (
            await session.scalars(select(CustomerGrade).where(CustomerGrade.name == "grade-acme"))
        ).one()
    pooled = await make_grade(database, "分销等级")
    unused = await make_grade(database, "闲置等级")
    async with database.platform_transaction() as session:
        pool = await distribution.create_pool(
            session, OPERATOR, PoolCreate(name="等级池", kind=PoolKind.EXCLUSIVE)
        )
        await distribution.assign_pool(
            session, OPERATOR, pool.id, AssignmentCreate(grade_id=pooled)
        )
    with signed_in(hcm_url, "admin", "admin-pass-1") as admin:
        token = csrf_token_of(admin, PAGE)
        by_tenant = admin.post(f"{PAGE}/{tenant_grade.id}/delete", data={"csrf_token": token})
        assert by_tenant.status_code == 409
        assert "该等级仍有 1 个客户使用，不能删除" in by_tenant.text
        by_pool = admin.post(f"{PAGE}/{pooled}/delete", data={"csrf_token": token})
        assert by_pool.status_code == 409 and "该等级仍被分配了分销池，不能删除" in by_pool.text
        gone = admin.post(f"{PAGE}/{unused}/delete", data={"csrf_token": token})
        assert gone.status_code == 303
        assert "等级“闲置等级”已删除" in admin.get(gone.headers["location"]).text
        assert admin.post(f"{PAGE}/{unused}/delete", data={"csrf_token": token}).status_code == 404
    names = set(await _grades(database))
    assert {"grade-acme", "分销等级"} <= names and "闲置等级" not in names
    assert [e.target_id for e in await _audited(database, "grade.delete")] == [str(unused)]


async def test_only_the_platform_admin_opens_or_changes_grades(
    hcm_url: str, database: Database, accounts: dict[str, int]
) -> None:
    await make_user(database, "operator1", "correct-horse-1", role=Role.OPERATOR)
    await make_user(database, "finance1", "correct-horse-1", role=Role.FINANCE)
    grade = await make_grade(database, "受保护等级")
    for username, password in (
        ("operator1", "correct-horse-1"),
        ("finance1", "correct-horse-1"),
        ("acme-admin", "acme-pass-1"),
    ):
        with signed_in(hcm_url, username, password) as client:
            assert client.get(PAGE).status_code == 403, username
            assert 'data-menu="/admin/grades"' not in client.get("/").text
            token = csrf_token_of(client, "/account/sessions")
            for path, data in (
                (PAGE, _form(code="sneaky", name="sneaky", price_coefficient="1")),
                (f"{PAGE}/{grade}", _form(code="sneaky", name="sneaky", price_coefficient="1")),
                (f"{PAGE}/{grade}/delete", {}),
            ):
                assert client.post(path, data={"csrf_token": token, **data}).status_code == 403
    names = set(await _grades(database))
    assert "受保护等级" in names and "sneaky" not in names
