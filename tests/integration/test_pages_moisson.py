"""The register page (ADMIN) and the coverage view, through the app, on both databases."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from dataetat.store import moisson as store
from dataetat.web import csrf
from dataetat.web.app import create_app


@pytest.fixture
def client(settings, engine):
    with engine.begin() as conn:
        cat = store.ajouter_catalogue(conn, "https://acheteur.example/catalogue.ttl", now=datetime(2026, 12, 1),
                                      zone_code="35", zone_niveau="departement", producteur_nom="Ville de Rennes")  # fmt: skip
        store.ajouter_catalogue(
            conn,
            "https://region.example/dcat.jsonld",
            now=datetime(2026, 12, 1),
            zone_code="53",
            zone_niveau="region",
        )
        mid = store.debut_moisson(conn, cat, datetime(2026, 12, 2, 3, 30))
        store.fin_moisson(conn, mid, datetime(2026, 12, 2, 3, 31), "partielle", ["https://acheteur.example/f.json : réponse HTTP 404"],
                          pages=1, jeux=2, distributions=3, fichiers=1, enregistrements=40, valides=30)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        yield client


def test_register_page_lists_harvests_and_adds(client):
    page = client.get("/admin/catalogues")
    assert page.status_code == 200
    assert "https://acheteur.example/catalogue.ttl" in page.text and "75,0" in page.text  # 30 / 40 valid
    assert "réponse HTTP 404" in page.text and "partielle" in page.text and "jamais" in page.text
    # A catalogue never harvested shows « — » in its columns, never empty cells.
    jamais = page.text.split("https://region.example/dcat.jsonld")[1].split("</tr>")[0]
    assert "<td></td>" not in jamais and '<td class="montant"></td>' not in jamais and jamais.count("—") >= 4
    token = client.cookies.get(csrf.COOKIE)
    added = client.post("/admin/catalogues", data={csrf.FIELD: token, "url": "https://autre.example/cat.rdf", "zone_code": "29", "zone_niveau": "departement"}, follow_redirects=False)  # fmt: skip
    assert added.status_code == 303
    again = client.post("/admin/catalogues", data={csrf.FIELD: token, "url": "https://autre.example/cat.rdf"})
    assert again.status_code == 409 and "déjà inscrit" in again.text
    bad = client.post("/admin/catalogues", data={csrf.FIELD: token, "url": "x", "producteur_siret": "12"})
    assert bad.status_code == 400
    queued = client.post("/admin/catalogues/1/moisson", data={csrf.FIELD: token}, follow_redirects=False)
    assert queued.status_code == 303
    detail = client.get("/admin/catalogues/1")
    assert detail.status_code == 200 and "Historique de conformité" in detail.text


def test_coverage_view(client):
    page = client.get("/commande-publique/couverture")
    assert page.status_code == 200
    assert 'data-code="35" class' not in page.text  # attributes order: class then data-code
    assert 'class="couverture-moissonne" data-code="35"' in page.text
    assert (
        'class="couverture-inscrit" data-code="22"' in page.text
    )  # région 53's département, never harvested
    assert 'class="couverture-absent" data-code="75"' in page.text
    assert "Ille-et-Vilaine (35)" in page.text
