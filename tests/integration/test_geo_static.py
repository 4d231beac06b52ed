"""Issue 11 item 11: the map contours are served compressed and cached — gzip (compressed once per
process), `Cache-Control: public, max-age=31536000, immutable` on the versioned URLs of index.json,
revalidation (no-cache + ETag → 304) otherwise, nothing outside static/geo."""

from __future__ import annotations

import gzip

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from dataetat.web.app import create_app
from dataetat.web.geo import GEO, IMMUTABLE, geo_file


@pytest.fixture
def client(settings, engine):  # engine: the database with its tables
    with TestClient(create_app(settings)) as client:
        yield client


def test_versioned_contours_are_gzip_and_immutable(client):
    index = client.get("/static/geo/index.json")
    assert index.status_code == 200 and index.headers["cache-control"] == "no-cache"
    urls = index.json()
    for name in ("regions", "departements", "epci", "communes/35", "communes/2A", "communes/971"):
        response = client.get(urls[name], headers={"Accept-Encoding": "gzip, br"})
        assert response.status_code == 200, name
        assert response.headers["content-encoding"] == "gzip", name
        assert response.headers["cache-control"] == IMMUTABLE, name
        assert response.headers["vary"] == "Accept-Encoding"
        assert response.json()["type"] == "FeatureCollection"  # httpx decoded the gzip body
        raw = (GEO / f"{name}.json").read_bytes()
        assert int(response.headers["content-length"]) == len(gzip.compress(raw, compresslevel=9, mtime=0))
        assert int(response.headers["content-length"]) < len(raw) / 3, name


def test_old_or_missing_version_is_revalidated(client):
    url = client.get("/static/geo/index.json").json()["departements"]
    for stale in ("/static/geo/departements.json", "/static/geo/departements.json?v=000000000000"):
        response = client.get(stale)
        assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"
    etag = client.get(url).headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == (GEO / "departements.json").read_bytes()


@pytest.mark.parametrize(
    "path", ["/static/geo/inconnu.json", "/static/geo/communes", "/static/geo/communes/99.json"]
)
def test_unknown_contours_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "name", ["../app/app.js", "../../settings.py", "communes/../../app/carte.js", "/etc/passwd"]
)
def test_nothing_outside_the_contours(name):
    # Called directly: an HTTP client would normalise the dots away before sending.
    request = Request({"type": "http", "headers": [], "query_string": b""})
    assert geo_file(name, request).status_code == 404


def test_other_static_files_compressed_once_etag_kept(client):
    raw = (GEO.parent / "app" / "carte.js").read_bytes()
    first = client.get("/static/app/carte.js", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["content-encoding"] == "gzip"
    assert first.headers["content-type"].startswith("text/javascript")
    assert int(first.headers["content-length"]) == len(gzip.compress(raw, compresslevel=9, mtime=0))
    assert first.content == raw
    again = client.get("/static/app/carte.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    plain = client.get("/static/app/carte.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == raw
    part = client.get("/static/app/carte.js", headers={"Range": "bytes=0-9", "Accept-Encoding": "gzip"})
    assert part.status_code == 206 and part.content == raw[:10]
