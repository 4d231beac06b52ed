"""Security headers (web/security.py) on pages, API responses, static files, errors and /docs;
Strict-Transport-Security only over https. The headers do not depend on the database; the tests use
the `settings` fixture all the same (DuckDB and PostgreSQL)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import dataetat.web
from dataetat.web.app import create_app
from dataetat.web.security import CONTENT_SECURITY_POLICY

TEMPLATES = Path(dataetat.web.__file__).resolve().parent / "templates"
EXPECTED = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
URLS = (
    "/",  # a page
    "/aide",
    "/api/v1/lignes?page_size=1",  # the API
    "/api/v1/colonnes",
    "/openapi.json",
    "/static/app/app.css",  # static files, compressed or not
    "/static/vendor/dsfr/dsfr.min.css",
    "/docs",
    "/page-inconnue",  # errors: HTML and JSON
    "/api/v1/inconnue",
)


@pytest.fixture
def client(engine, settings):
    with TestClient(create_app(settings)) as client:
        yield client


def _assert_headers(response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.url, name)
    assert "camera=()" in response.headers["permissions-policy"]


@pytest.mark.parametrize("url", URLS)
def test_every_response_has_the_security_headers(client, url):
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code in (200, 404), url
    _assert_headers(response)
    assert "strict-transport-security" not in response.headers  # plain http


def test_csp_allows_no_inline_script_no_eval_no_other_host():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "http" not in CONTENT_SECURITY_POLICY


def test_hsts_over_https(engine, settings):
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        response = client.get("/aide")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    _assert_headers(response)


def test_forwarded_proto_trusted_only_when_behind_an_https_proxy(engine, settings):
    https = {"X-Forwarded-Proto": "https"}
    with TestClient(create_app(settings)) as client:
        assert "strict-transport-security" not in client.get("/aide", headers=https).headers
    behind = settings.model_copy(update={"derriere_proxy_https": True})
    with TestClient(create_app(behind)) as client:
        assert "strict-transport-security" in client.get("/aide", headers=https).headers
        assert (
            "strict-transport-security"
            in client.get("/aide", headers={"X-Forwarded-Proto": "https, http"}).headers
        )
        assert (
            "strict-transport-security"
            not in client.get("/aide", headers={"X-Forwarded-Proto": "http"}).headers
        )
        assert "strict-transport-security" not in client.get("/aide").headers


def test_docs_served_by_the_app_without_inline_script(client):
    response = client.get("/docs")
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    html = response.text
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(re.search(r'src="/static/', s) for s in scripts), scripts
    assert all(not body.strip() for body in re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S))
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', html)), "no other host (CDN)"
    assert 'data-openapi="/openapi.json"' in html
    for asset in re.findall(r'(?:src|href)="(/static/[^"]*)"', html):
        assert client.get(asset).status_code == 200, asset
    assert client.get("/redoc").status_code == 404  # FastAPI's ReDoc page loads from a CDN: removed


def test_templates_have_no_inline_script_nor_style_attribute():
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text("utf-8")
        assert not re.search(r"\sstyle=", text), f"{template.name}: attribut style= (utiliser une classe)"
        assert not re.search(r"<style\b", text), f"{template.name}: élément <style>"
        assert not re.search(r"\son[a-z]+=", text), f"{template.name}: gestionnaire d'événement en ligne"
        for tag in re.findall(r"<script\b[^>]*>", text):
            # A JSON data block (`|tojson` escapes <, >, &) is never run: not a script for the CSP.
            assert "src=" in tag or 'type="application/json"' in tag, (
                f"{template.name}: script en ligne {tag}"
            )
