"""`POST /api/v1/exports/lignes.{fmt}` (queue an export job with the session cookie) refuses what
another site can make a browser send: a form without the CSRF token, a request marked cross-site
(issue 15 item 16: a form POST without token was accepted, only SameSite protected it)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dataetat.web import csrf
from dataetat.web.app import create_app


@pytest.fixture
def client(settings, engine):
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_form_post_needs_the_token(client):
    form = client.post("/api/v1/exports/lignes.csv", data={"annee": "2023"})
    assert form.status_code == 403 and "jeton" in form.json()["erreur"]["message"]
    plain = client.post("/api/v1/exports/lignes.csv", content=b"x", headers={"Content-Type": "text/plain"})
    assert plain.status_code == 403
    client.cookies.set(csrf.COOKIE, "t" * 43)
    ok = client.post("/api/v1/exports/lignes.csv", data={csrf.FIELD: "t" * 43})
    assert ok.status_code == 202


def test_a_cross_site_request_is_refused(client):
    other = client.post("/api/v1/exports/lignes.csv", headers={"Sec-Fetch-Site": "cross-site"})
    assert other.status_code == 403 and "autre site" in other.json()["erreur"]["message"]


def test_the_app_and_api_clients_pass(client):
    assert (
        client.post("/api/v1/exports/lignes.csv", headers={"Sec-Fetch-Site": "same-origin"}).status_code
        == 202
    )
    assert client.post("/api/v1/exports/lignes.csv").status_code == 202  # no browser: a bearer client
