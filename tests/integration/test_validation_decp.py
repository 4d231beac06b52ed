"""The open DECP validation: the API (anonymous, multipart or body, size cap, rate limit, OpenAPI)
and the page's form, on an app without a development identity, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dataetat.web import csrf
from dataetat.web.app import create_app
from dataetat.web.envoi_limite import Limiteur

T0 = 1_800_000_000.0
DATA = Path(__file__).resolve().parents[1] / "data" / "decp"


@pytest.fixture
def client(settings, engine):
    ouvert = settings.model_copy(
        update={"auth_developpement": False, "validation_par_minute": 6, "validation_taille_max_mo": 1}
    )
    with TestClient(create_app(ouvert)) as client:
        yield client


def test_anonymous_multipart_json_and_xml(client):
    assert client.get("/api/v1/lignes").status_code == 401  # the rest of the API is closed
    with (DATA / "marches_concessions.json").open("rb") as f:
        ok = client.post(
            "/api/v1/validation/decp", files={"fichier": ("marches.json", f, "application/json")}
        )
    assert ok.status_code == 200
    body = ok.json()
    assert body["valide"] is True and body["schema"] == "decp-2.0.3" and body["fichier"] == "marches.json"
    assert body["stats"] == {"enregistrements": 4, "valides": 4, "erreurs": 0, "avertissements": 11}
    xml = client.post(
        "/api/v1/validation/decp",
        content=(DATA / "regles-invalides.xml").read_bytes(),
        headers={"content-type": "application/xml"},
    )
    assert (
        xml.status_code == 200 and xml.json()["valide"] is False and xml.json()["schema"] == "decp-2.0.2-xsd"
    )


def test_json_body_gives_the_golden_report(client):
    body = json.loads((DATA / "regles-invalides.json").read_text("utf-8"))
    got = client.post("/api/v1/validation/decp", json=body).json()
    golden = json.loads((DATA / "regles-invalides.rapport.json").read_text("utf-8"))
    assert got["stats"] == golden["stats"]

    # Same findings; the date rules depend on today, pinned in the golden file: compare the codes.
    def codes(r):
        return [
            (e["index"], c["code"]) for e in r["enregistrements"] for c in e["erreurs"] + e["avertissements"]
        ]

    assert codes(got) == codes(golden)
    assert got["fichier"] == "corps de la requête"


def test_no_file_too_large_and_rate_limit(client):
    assert client.post("/api/v1/validation/decp").json()["erreur"]["code"] == "fichier-absent"
    big = b'{"marches": {"marche": [' + b" " * (1024 * 1024 + 10) + b"]}}"
    too_big = client.post(
        "/api/v1/validation/decp", content=big, headers={"content-type": "application/json"}
    )
    assert too_big.status_code == 413 and too_big.json()["erreur"]["code"] == "fichier-trop-gros"
    multipart = client.post(
        "/api/v1/validation/decp", files={"fichier": ("gros.json", big, "application/json")}
    )
    assert multipart.status_code == 413
    statuses = [
        client.post("/api/v1/validation/decp", json={"marches": {"marche": []}}).status_code for _ in range(6)
    ]
    assert statuses[-1] == 429 and 200 in statuses  # 6 per minute, the 3 calls above counted too
    refused = client.post("/api/v1/validation/decp-tabulaire", content=b"id\n1\n")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.json()["erreur"]["code"] == "trop-de-requetes"


def test_tabular_form(client):
    with (DATA / "tabulaire-exemple-valide.csv").open("rb") as f:
        body = client.post(
            "/api/v1/validation/decp-tabulaire", files={"fichier": ("decp.csv", f, "text/csv")}
        ).json()
    assert (
        body["valide"] is True
        and body["schema"] == "decp-tabulaire"
        and body["stats"]["enregistrements"] == 4
    )
    bad = client.post("/api/v1/validation/decp-tabulaire", content=b"id;montant\nA;0\n").json()
    assert not bad["valide"]
    assert {c["code"] for c in bad["erreurs_fichier"]} == {"colonne-manquante"}


def test_openapi_documents_the_open_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    for route in ("/api/v1/validation/decp", "/api/v1/validation/decp-tabulaire"):
        post = paths[route]["post"]
        assert "multipart/form-data" in post["requestBody"]["content"]
        assert {"200", "413", "429"} <= set(post["responses"])


def test_page_form_shows_the_report(client):
    page = client.get("/valider")
    assert page.status_code == 200 and "Valider un fichier de commande publique" in page.text
    token = client.cookies.get(csrf.COOKIE)
    with (DATA / "regles-invalides.json").open("rb") as f:
        shown = client.post(
            "/valider",
            data={csrf.FIELD: token, "type": "decp"},
            files={"fichier": ("regles.json", f, "application/json")},
        )
    assert shown.status_code == 200
    assert "Fichier non valide" in shown.text and "Montant inférieur au minimum (1)" in shown.text
    assert 'id="rapport-donnees"' in shown.text
    forged = client.post(
        "/valider", data={csrf.FIELD: "x" * 43}, files={"fichier": ("a.json", b"{}", "application/json")}
    )
    assert forged.status_code == 403
    empty = client.post("/valider", data={csrf.FIELD: token})
    assert empty.status_code == 400 and "Choisissez un fichier" in empty.text


def test_limiter_window(engine):
    limiteur = Limiteur(engine, 2, fenetre=60)
    assert limiteur.attente("a", T0) == 0 and limiteur.attente("a", T0 + 1) == 0
    assert limiteur.attente("a", T0 + 2) == pytest.approx(58)
    assert limiteur.attente("a", T0 + 3) == pytest.approx(57)  # a refused call is not counted
    assert limiteur.attente("b", T0 + 2) == 0  # per client
    assert limiteur.attente("a", T0 + 60.5) == 0  # the first call left the window
    assert limiteur.attente("a", T0 + 60.6) == pytest.approx(0.4)  # the second one is still in it
