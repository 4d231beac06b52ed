"""Hostile files through the upload page (issue 15, items 4, 8, 10, 16): the job's report gives the
same French errors as the command line, with line, column and value — never « Erreur interne » —
no row is lost, and the name the user gave the file is shown as it was, escaped. Both databases."""

from __future__ import annotations

import re
import time

import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests import hostile_files as hf
from tests.conftest import TEST_DATA
from tests.factories import snapshot

from dataetat.store import taches
from dataetat.web import csrf
from dataetat.web.app import create_app
from dataetat.web.deps import DEVELOPMENT_USER


def _client(settings, tmp_path) -> TestClient:
    app_settings = settings.model_copy(update={"dossier_televersements": tmp_path / "televersements"})
    return TestClient(create_app(app_settings))


def _token(client: TestClient) -> str:
    page = client.get("/televersement")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _wait(client: TestClient, location: str) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = client.get(location + "/etat")
        if state.status_code == 286:
            return state.text
        time.sleep(0.05)
    raise AssertionError("import toujours en cours")


def _chorus(client: TestClient, path, name: str | None = None) -> tuple[str, dict]:
    data = {csrf.FIELD: _token(client), "region": "53"}
    files = {"fichier_ae": (name or path.name, path.read_bytes(), "text/csv")}
    response = client.post("/televersement", data=data, files=files, follow_redirects=False)
    assert response.status_code == 303, response.text
    return _wait(client, response.headers["location"]), _result(client, response.headers["location"])


def _source(client: TestClient, kind: str, path, name: str | None = None) -> tuple[str, dict]:
    data = {csrf.FIELD: _token(client), "source": kind}
    files = {"fichier": (name or path.name, path.read_bytes(), "text/csv")}
    response = client.post("/televersement/sources", data=data, files=files, follow_redirects=False)
    assert response.status_code == 303, response.text
    return _wait(client, response.headers["location"]), _result(client, response.headers["location"])


def _result(client: TestClient, location: str) -> dict:
    job_id = int(location.rsplit("/", 1)[1])
    engine = client.app.state.engine
    with engine.connect() as conn:
        return taches.get(conn, job_id, DEVELOPMENT_USER).resultat


def _errors(result: dict) -> list[tuple]:
    return [(e["ligne"], e["colonne"], e["code"]) for f in result["fichiers"] for e in f["erreurs"]]


def test_line_separator_in_preamble_by_upload(settings, engine, tmp_path):
    path = hf.regional_sample(tmp_path / "echantillon.csv", preamble_extra="\u2028x")
    with _client(settings, tmp_path) as client:
        html, result = _chorus(client, path)
    assert result["importe"] is True, result
    assert (result["totaux"]["lignes_lues"], result["totaux"]["somme_ae"]) == (3, 52500.12)
    assert "Import réussi" in html
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT SUM(montant_ae) FROM ligne")).scalar_one() == hf.SAMPLE_TOTAL


def test_blank_lines_and_big_amount_by_upload(settings, engine, tmp_path):
    before = snapshot(engine)
    blank = hf.blank_lines_then_bad_amount(tmp_path / "blancs.csv")
    big, line = hf.big_amount(tmp_path / "gros.csv", after_256k=True)
    with _client(settings, tmp_path) as client:
        html, result = _chorus(client, blank)
        assert _errors(result) == [(12, "Montant (EUR)", "montant-invalide")]
        html, result = _chorus(client, big)
        assert _errors(result) == [(line, "Montant (EUR)", "montant-trop-grand")]
        assert "trop grand" in html and "Erreur interne" not in html
        html, result = _chorus(client, hf.sum_overflow(tmp_path / "somme.csv"))
        assert [e[2] for e in _errors(result)] == ["somme-trop-grande"]
    assert snapshot(engine) == before


def test_upload_name_is_shown_as_given_and_escaped(settings, engine, tmp_path):
    with _client(settings, tmp_path) as client:
        html, result = _source(client, "ademe", TEST_DATA / "sources" / "ademe.csv", name="ademe<i>x</i>.csv")
        assert result["importe"] is True
        assert [f["fichier"] for f in result["fichiers"]] == ["ademe<i>x</i>.csv"]
        assert "ademe&lt;i&gt;x&lt;/i&gt;.csv" in html and "<i>x</i>" not in html
        page = client.get("/televersement").text
        assert "<i>x</i>" not in page
        assert "ademe&lt;i&gt;x&lt;/i&gt;.csv" in page  # the history names it as given, escaped
    with engine.connect() as conn:
        recorded = conn.execute(sa.text("SELECT filename FROM import_fichier")).scalars().all()
    assert recorded == ["ademe<i>x</i>.csv"]


def test_upload_name_of_a_chorus_file_with_a_windows_path(settings, engine, tmp_path):
    path = hf.regional_sample(tmp_path / "e.csv")
    with _client(settings, tmp_path) as client:
        _html, result = _chorus(client, path, name="C:\\Users\\agent\\export <53>.csv")
    assert [f["fichier"] for f in result["fichiers"]] == ["export <53>.csv"]
    assert result["importe"] is True
    with engine.connect() as conn:
        recorded = conn.execute(sa.text("SELECT filename FROM import_fichier")).scalars().all()
    assert recorded == ["export <53>.csv"]
