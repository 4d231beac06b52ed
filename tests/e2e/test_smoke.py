"""Smoke test of the pages in a real browser, and of the front-end files the pages load."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from tests.e2e.browser import STATIC, check_accessibility, screenshot

VENDOR = STATIC / "vendor"


def test_home_page_french_accessible_with_a_title(page):
    response = page.goto("/")
    assert response is not None and response.status == 200
    assert (page.locator("html").get_attribute("lang") or "").split("-")[0] == "fr"
    expect(page.locator("h1").first).to_be_visible()
    check_accessibility(page)
    assert screenshot(page, "accueil").stat().st_size > 0


def test_vendor_files_served(page):
    for path, media_type in [
        ("dsfr/dsfr.min.css", "text/css"),
        ("dsfr/dsfr.module.min.js", "javascript"),
        ("dsfr/fonts/Marianne-Regular.woff2", "font/woff2"),
        ("htmx/htmx.min.js", "javascript"),
        ("maplibre-gl/maplibre-gl.js", "javascript"),
        ("echarts/echarts.min.js", "javascript"),
    ]:
        response = page.request.get(f"/static/vendor/{path}")
        assert response.status == 200, path
        assert media_type in response.headers["content-type"], path


def test_vendor_css_relative_urls_resolve():
    """Every url(…) of the copied CSS (DSFR fonts and icons) points at a file that was copied."""
    missing = []
    for css in VENDOR.rglob("*.css"):
        for target in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css.read_text(encoding="utf-8")):
            if target.startswith(("data:", "#", "http:", "https:")):
                continue
            if not (css.parent / target.split("?")[0].split("#")[0]).resolve().is_file():
                missing.append(f"{css.relative_to(VENDOR)} → {target}")
    assert not missing, f"{len(missing)} fichier(s) manquant(s), par exemple : {missing[:5]}"
