"""« Commande publique » search, exports and pages on DuckDB and PostgreSQL: totals count each marché
once, every filter applies (or is refused in French), région scope by lieu d'exécution, exports
without cap, the marché / acheteur / titulaire pages, the beneficiary and territory sections and the
candidate links with Chorus engagements (never added to the funding totals)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from tests.factories import import_two_regions
from tests.factories_decp import ACHETEUR_35, ACHETEUR_44, TITULAIRE, sample_rows, write_decp

from dataetat.store.marches_import import import_decp
from dataetat.web.app import create_app

M1, M2, M3 = ACHETEUR_35 + "M1", ACHETEUR_44 + "M2", ACHETEUR_35 + "M3"


@pytest.fixture
def data(engine, tmp_path):
    import_two_regions(engine, tmp_path)
    assert import_decp(engine, [write_decp(tmp_path / "decp.csv", sample_rows())]).written
    return engine


def client(settings, region: str | None = None) -> TestClient:
    return TestClient(create_app(settings.model_copy(update={"region_developpement": region})))


def total(api: TestClient, **params) -> dict:
    response = api.get("/api/v1/marches", params=params)
    assert response.status_code == 200, response.text
    return response.json()["total"]


def test_totals_filters_and_scope(settings, data):
    with client(settings) as api:
        assert total(api) == {"count": 4, "marches": 3, "montant": 126200.0}
        assert total(api, objet="rénovation ENERGETIQUE")["marches"] == 1
        assert total(api, cpv="71")["montant"] == 80000.0
        assert total(api, cpv="30192000,45")["marches"] == 2
        assert total(api, montant_min="40000")["marches"] == 2
        assert total(api, montant_min="1000", montant_max="2000")["marches"] == 1
        assert total(api, date_min="2024-01-01", date_max="2024-04-01")["marches"] == 1
        assert total(api, annee="2023")["marches"] == 1
        assert total(api, procedure="Procédure adaptée")["marches"] == 2
        assert total(api, nature="Marché")["marches"] == 3
        assert total(api, niveau_geo="departement", code_geo="44")["marches"] == 1
        assert total(api, titulaire=TITULAIRE)["marches"] == 2
        assert total(api, acheteur=ACHETEUR_44) == {"count": 2, "marches": 1, "montant": 80000.0}
        groups = api.get("/api/v1/marches", params={"grouping": "titulaire_id"}).json()["groupes"]
        assert sum(g["montant"] for g in groups) == 126200.0  # the shares add up to the total
        drill = api.get("/api/v1/marches", params={"grouping": "titulaire_id", "grouped": TITULAIRE}).json()
        assert drill["total"]["marches"] == 2 and len(drill["lignes"]) == 2
        for bad in ({"montant_min": "beaucoup"}, {"inconnu": "1"}, {"date_min": "2024-13-01"},
                    {"niveau_geo": "epci", "code_geo": "1"}, {"grouping": "objet"}, {"cpv": "4A"}):  # fmt: skip
            response = api.get("/api/v1/marches", params=bad)
            assert response.status_code == 400, bad
            assert response.json()["erreur"]["message"]
        zones = api.get("/api/v1/marches/carte", params={"niveau": "region"}).json()["zones"]
        assert {z["code"]: z["montant"] for z in zones} == {"53": 46200.0, "52": 80000.0}
    with client(settings, "53") as api:
        assert total(api) == {"count": 2, "marches": 2, "montant": 46200.0}
        assert api.get(f"/api/v1/marches/{M2}").status_code == 404
    with client(settings, "52") as api:
        assert total(api)["marches"] == 1
        assert api.get(f"/marches/{M1}").status_code == 404


def test_exports_every_row(settings, data):
    with client(settings) as api:
        response = api.get("/api/v1/marches/export.csv", params={"colonnes": "uid,titulaire_id,montant"})
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        assert rows[0][:3] == ["Identifiant du marché", "SIRET du titulaire", "Titulaire"]
        assert len(rows) == 5
        for fmt in ("xlsx", "ods", "parquet"):
            response = api.get(f"/api/v1/marches/export.{fmt}", params={"procedure": "Procédure adaptée"})
            assert response.status_code == 200 and len(response.content) > 100, fmt


def test_pages_and_links_with_the_funding_lines(settings, data):
    with client(settings) as api:
        page = api.get("/marches", params={"objet": "pont"})
        assert page.status_code == 200 and "œuvre du pont" in page.text
        assert api.get("/marches", params={"montant_min": "x"}).status_code == 400
        marche = api.get(f"/marches/{M1}")
        assert marche.status_code == 200
        assert "Modification n° 1" in marche.text and "01/06/2023" in marche.text  # the timeline
        assert 'href="/lignes/' in marche.text  # the candidate EJ 100 (1,000 € on 10/01/2023)
        liens = api.get("/api/v1/marches/liens", params={"siret": TITULAIRE}).json()
        assert [(x["uid"], x["n_ej"], x["jours"]) for x in liens] == [(M1, "100", 22)]
        assert 0.4 < liens[0]["score"] <= 1
        titulaire = api.get(f"/titulaires/{TITULAIRE}")
        assert titulaire.status_code == 200 and f'href="/beneficiaires/{TITULAIRE}"' in titulaire.text
        acheteur = api.get(f"/acheteurs/{ACHETEUR_44}").text
        assert "Ville de Nantes" in acheteur
        # « Fiche bénéficiaire » only toward a beneficiary page that exists (never a dead link).
        fiche_44 = api.get(f"/beneficiaires/{ACHETEUR_44}").status_code
        assert (f'href="/beneficiaires/{ACHETEUR_44}"' in acheteur) == (fiche_44 == 200)
        assert api.get("/acheteurs/" + ACHETEUR_44[:-1] + "9").status_code == 404
        beneficiaire = api.get(f"/beneficiaires/{TITULAIRE}")
        assert "2 marché(s) remporté(s)" in beneficiaire.text and 'id="liens-candidats"' in beneficiaire.text
        funding = api.get("/api/v1/lignes", params={"beneficiaire_code": TITULAIRE}).json()["total"]
        assert funding["montant_ae"] == 1059.0  # EJ 100, 101 and 200: the marchés are never added
        territoire = api.get("/territoires/region/53")
        assert "2 marché(s) notifié(s)" in territoire.text


def test_marche_counts_by_every_path_agree(settings, data):
    """The distinct-marché count takes three forms (first rows, row count by titulaire, distinct
    count): each equals the true number of marchés."""
    with client(settings) as api:
        by = {}
        for grouping in ("procedure", "titulaire_id", "titulaire_categorie", "lieu_region_code"):
            groups = api.get("/api/v1/marches", params={"grouping": grouping}).json()["groupes"]
            by[grouping] = {g["code"]: g["marches"] for g in groups}
        assert by["procedure"] == {"Appel d'offres ouvert": 1, "Procédure adaptée": 2}
        assert by["titulaire_id"] == {TITULAIRE: 2, "44306184100047": 2}
        assert by["lieu_region_code"] == {"53": 2, "52": 1}
        assert sum(by["titulaire_categorie"].values()) == 3  # no catégorie: one group, M2 once
        assert total(api, titulaire=f"{TITULAIRE},44306184100047")["marches"] == 3
        drill = api.get(
            "/api/v1/marches", params={"grouping": "titulaire_id,procedure", "grouped": TITULAIRE}
        )
        assert {g["code"]: g["marches"] for g in drill.json()["groupes"]} == {
            "Appel d'offres ouvert": 1,
            "Procédure adaptée": 1,
        }
