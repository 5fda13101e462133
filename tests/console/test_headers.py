"""The console's security headers, its hidden API documents, and templates that keep the
Content-Security-Policy workable (no inline script or style)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from hive.console import pages
from tests.support.console import sign_in

TEMPLATES = Path(pages.__file__).parent / "templates"


def test_pages_carry_csp_frame_protection_and_no_store(hcm_url: str) -> None:
    with httpx.Client(base_url=hcm_url, timeout=60) as browser:
        login = browser.get("/login")
        sign_in(browser, "acme-admin", "acme-pass-1")
        pool = browser.get("/workbench/pool")
        css = browser.get("/static/console.css")
    for response in (login, pool):
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
    assert pool.status_code == 200
    assert css.status_code == 200 and css.headers.get("cache-control") != "no-store"


def test_the_console_has_no_public_api_documents(hcm_url: str) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert httpx.get(f"{hcm_url}{path}").status_code == 404, path


def test_templates_have_no_inline_script_or_style() -> None:
    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.I)
    found = {
        template.name: inline.findall(template.read_text())
        for template in TEMPLATES.glob("*.html")
        if inline.search(template.read_text())
    }
    assert found == {}
