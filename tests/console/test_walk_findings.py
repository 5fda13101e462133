"""Findings of a walk through the console as a new user, each kept as a kind: every template's
images come from our own address, and the picture cache survives two requests at once."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import httpx
from sqlalchemy import text

import hive
import hive.console
from hive.catalog.pool import images
from hive.catalog.pricing import routes as pricing_routes
from hive.catalog.pricing.texts import run_reason
from hive.console import i18n
from hive.console.audit_texts import KIND_NAMES, kind_texts
from hive.platform.db import Database
from tests.catalog.search.conftest import Item, Pool
from tests.support.console import sign_in
from tests.support.vop import Simulator, register_vop

TEMPLATES = Path(hive.console.__file__).parent / "templates"
IMG_SRC = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]*)\"")


def test_every_template_image_is_served_from_our_own_address() -> None:
    """A product's stored image is a supplier's address or, like JD, a path relative to its image
    host: rendered as it is, it leaks the supplier and breaks (a relative path resolves against
    the page). Pictures go through /images/products/<id>; the console's own files through
    /static/."""
    found = {}
    for template in sorted(TEMPLATES.glob("*.html")):
        for src in IMG_SRC.findall(template.read_text(encoding="utf-8")):
            found[f"{template.name}: {src}"] = src.startswith(("/images/", "/static/"))
    assert found, "the pattern finds the templates' images"
    assert [where for where, ours in found.items() if not ours] == []


def test_the_picture_cache_takes_two_writers_of_the_same_picture_at_once(tmp_path: Path) -> None:
    path = tmp_path / "ab" / "abcdef"
    picture = images.Picture(b"<svg/>", "image/svg+xml")
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def write() -> None:
        start.wait()
        for _ in range(25):
            try:
                images._write(path, picture)
            except BaseException as error:  # collected for the assertion
                failures.append(error)

    writers = [threading.Thread(target=write) for _ in range(8)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert failures == []
    assert images._read(path) == picture
    assert [p.name for p in path.parent.iterdir()] == ["abcdef"], "no partial file is left"


# record_audit(…, target_type="<kind>") and the sign-in locks' scopes
KIND = re.compile(r'target_type="([a-z_]+)"')
TARGET = re.compile(r'<td class="target" data-kind="([^"]+)">([^<]+)</td>')


def test_every_audited_entity_kind_has_words_in_both_languages() -> None:
    found = {"account", "address"}  # signin.py records target_type=scope
    for path in Path(hive.__file__).parent.rglob("*.py"):
        found.update(KIND.findall(path.read_text(encoding="utf-8")))
    assert len(found) > 20, "the scan finds the calls"
    assert sorted(found - set(KIND_NAMES)) == [], "add them to hive/console/audit_texts.py"
    texts = kind_texts()
    assert set(texts["zh"]) == set(texts["en"]) == {f"audit.kind.{k}" for k in KIND_NAMES}


def test_the_audit_log_names_entity_kinds_in_words(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "admin", "admin-pass-1").status_code == 303
        page = client.get("/admin/audit-log", params={"target_type": "user"})
        targets = TARGET.findall(page.text)
        assert targets and all(kind == "user" for kind, _ in targets)
        assert all(words.startswith("账号 #") for _, words in targets), targets
        assert '<option value="user" selected>账号</option>' in page.text  # the filter kept


CRUMBS = re.compile(r'<nav class="crumbs"[^>]*>(.*?)</nav>', re.S)


async def test_a_page_opened_from_its_list_has_a_breadcrumb_back_to_that_search(
    hcm_url: str, database: Database, simulator: Simulator
) -> None:
    supplier_id = await register_vop(database, simulator)
    pool = Pool(database, supplier_id)
    (product_id,) = await pool.add(Item("华为 智能手机 面包屑", category_id=None))
    search = "/admin/catalog/pool?q=%E5%8D%8E%E4%B8%BA&page=1"
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "admin", "admin-pass-1").status_code == 303
        page = client.get(f"/admin/catalog/products/{product_id}", params={"back": search})
        crumbs = CRUMBS.search(page.text)
        assert crumbs, "the page has breadcrumbs"
        assert 'href="/admin/catalog/pool?q=%E5%8D%8E%E4%B8%BA&amp;page=1"' in crumbs.group(1)
        elsewhere = client.get(
            f"/admin/catalog/products/{product_id}", params={"back": "https://example.com/"}
        )
        crumbs = CRUMBS.search(elsewhere.text)
        assert crumbs and 'href="/admin/catalog/pool"' in crumbs.group(1)


def test_every_reprice_reason_the_source_gives_reads_in_words() -> None:
    assert pricing_routes.router  # its texts are in the catalogue
    english = i18n.translator("en")
    chinese = i18n.translator("zh")
    for reason in ("rule 3", "rule 3 deleted", "grade 4", "floor", "operator", "demo grades"):
        assert run_reason(chinese, reason) != reason and "#" not in reason
        assert run_reason(english, reason) != reason
    assert run_reason(chinese, "rule 3 deleted") == "定价规则 #3 删除"
    assert run_reason(chinese, "something else") == "something else"  # an older row
    # the shapes pricing.rules and demo.py give (f-strings reduced to their fixed words)
    source = "".join(
        (Path(hive.__file__).parent / name).read_text(encoding="utf-8")
        for name in ("catalog/pricing/rules.py", "demo.py")
    )
    given = set(re.findall(r'(?:_reprice|start_full_reprice)\([^)]*?f?"([^"]+)"\)', source))
    assert given, "the scan finds the reasons"
    for reason in given:
        example = re.sub(r"\{[^}]+\}", "7", reason)
        assert run_reason(chinese, example) != example, reason


async def test_the_pricing_page_shows_reprice_runs_in_words(
    hcm_url: str, database: Database
) -> None:
    async with database.platform_transaction() as session:
        await session.execute(
            text(
                "INSERT INTO job_progress (kind, status, params, planned, done, counts,"
                " actor_name, actor_role) VALUES ('pricing.reprice_all', 'finished',"
                " '{\"reason\": \"grade 4\"}', 10, 10, '{\"changed\": 3}', 'system', 'system')"
            )
        )
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "admin", "admin-pass-1").status_code == 303
        page = client.get("/admin/pricing")
        assert "<td>客户等级 #4 系数变更</td>" in page.text
        assert '<td data-status="finished">已完成</td>' in page.text
        assert "10 / 10" in page.text and "<td>3</td>" in page.text  # done of planned, changed


def test_the_tenant_library_has_one_name_everywhere() -> None:
    """The menu, the page and its buttons call it 我的商品库 / 移出商品库; the workbench home and
    the audit log said 选品库 for the same thing."""
    console = Path(hive.__file__).parent
    said = [
        str(path.relative_to(console))
        for path in [*console.rglob("*.py"), *console.rglob("*.html")]
        if "选品库" in path.read_text(encoding="utf-8")
    ]
    assert said == []


def test_every_page_names_an_icon_the_console_serves(hcm_url: str) -> None:
    """Without one a browser asks for /favicon.ico on every page and logs a 404."""
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        login = client.get("/login")
        icon = re.search(r'<link rel="icon" href="([^"]+)"', login.text)
        assert icon, "the layout names an icon"
        served = client.get(icon.group(1))
        assert served.status_code == 200
        assert served.headers["content-type"].startswith("image/svg+xml")
