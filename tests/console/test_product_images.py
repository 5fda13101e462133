"""Product images: the simulator serves JD-style image paths; the console shows each product's
picture from its own site (fetched once, cached), a placeholder when there is none."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from hive.catalog.pool.images import PLACEHOLDER
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.simulators.vop.images import picture
from tests.catalog.search.conftest import Item, Pool
from tests.support.console import sign_in
from tests.support.vop import Simulator, register_vop

RELATIVE = "jfs/t1/12345/6/789/abcdef/0123456789abcdefN1.jpg"


def test_the_simulator_serves_its_image_paths(simulator: Simulator) -> None:
    answer = httpx.get(f"{simulator.url}/images/n1/{RELATIVE}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.text == picture(RELATIVE)
    assert httpx.get(f"{simulator.url}/images/n1/../../etc/passwd").status_code == 404


async def test_products_show_their_supplier_picture_or_a_placeholder(
    hcm_url: str, settings: Settings, database: Database, simulator: Simulator
) -> None:
    supplier_id = await register_vop(database, simulator)
    pool = Pool(database, supplier_id)
    relative, absent, unreachable = await pool.add(
        Item("华为 智能手机 有图", category_id=None),
        Item("华为 智能手机 无图", category_id=None),
        Item("华为 智能手机 图片打不开", category_id=None),
    )
    async with database.platform_transaction() as session:
        for product_id, url in (
            (relative, RELATIVE),
            (absent, ""),
            (unreachable, "http://127.0.0.1:9/gone.jpg"),
        ):
            await session.execute(
                text("UPDATE products SET image_url = :u WHERE id = :p"),
                {"u": url, "p": product_id},
            )
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert client.get(f"/images/products/{relative}").status_code == 303  # sign in first
        assert sign_in(client, "acme-admin", "acme-pass-1").status_code == 303
        shown = client.get(f"/images/products/{relative}")
        assert shown.status_code == 200 and shown.text == picture(RELATIVE)
        assert "max-age=86400" in shown.headers["cache-control"]  # not the pages' no-store
        for product_id in (absent, unreachable):
            assert client.get(f"/images/products/{product_id}").text == PLACEHOLDER
        assert client.get("/images/products/999999").text == PLACEHOLDER
        cached = list((settings.data_dir / "image-cache").rglob("*"))
        assert [p for p in cached if p.is_file()], "the fetched picture is kept"
        again = client.get(f"/images/products/{relative}")
        assert again.text == picture(RELATIVE)
    with httpx.Client(base_url=hcm_url, timeout=30) as client:
        assert sign_in(client, "admin", "admin-pass-1").status_code == 303
        listing = client.get("/admin/catalog/pool", params={"keyword": "手机"}).text
    assert f'src="/images/products/{relative}"' in listing
