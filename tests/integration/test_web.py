"""The web app (JSON API and home page) on the test database, DuckDB and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.factories import ae_row, cp_row, write_ae, write_cp

from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.web.app import create_app


@pytest.fixture
def client(engine, settings, tmp_path):
    ae = write_ae(
        tmp_path / "ae.csv",
        [
            ae_row("1", 1, "10"),
            ae_row("2", 1, '"1 234,56"', programme="113"),
            ae_row("3", 1, "5", programme="119", loc="N5244109"),
        ],
    )
    cp = write_cp(tmp_path / "cp.csv", [cp_row("1", 1, "900", "4"), cp_row("7", 1, "901", "2")])
    assert import_chorus(engine, [ae, cp], ImportOptions(region="53")).written
    with TestClient(create_app(settings)) as client:
        yield client


def test_lignes_totals_and_lines(client):
    response = client.get("/api/v1/lignes", params={"colonnes": "n_ej,montant_ae,montant_cp,tags"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == {"count": 4, "montant_ae": 1249.56, "montant_cp": 6.0}
    assert body["has_next"] is False and body["page"] == 1 and body["page_size"] == 100
    assert "groupes" not in body
    by_ej = {line["n_ej"]: line for line in body["lignes"]}
    assert set(by_ej) == {"1", "2", "3", "7"}
    assert by_ej["2"]["montant_ae"] == 1234.56
    assert by_ej["7"]["tags"] == [{"code": "cp-orphelin", "label": "CP sans engagement"}]
    assert sum(line["montant_ae"] for line in body["lignes"]) == pytest.approx(body["total"]["montant_ae"])

    # the reference's parameters
    body = client.get(
        "/api/v1/lignes",
        params={
            "code_programme": "0103,113",
            "annee": "2023",
            "niveau_geo": "region",
            "code_geo": "53",
            "page_size": "1",
            "sort_by": "montant_ae",
            "sort_order": "desc",
            "colonnes": "n_ej,montant_ae",
        },
    ).json()
    assert body["total"]["count"] == 3
    assert [line["n_ej"] for line in body["lignes"]] == ["2"]
    assert body["has_next"] is True
    assert body["filtres"] == [
        "programme Accompagnement des mutations économiques et développement de l'emploi (103), "
        "Paysages, eau et biodiversité (113)",
        "région Bretagne (53)",
        "année 2023",
    ]

    # grouping drill-down and thèmes
    body = client.get("/api/v1/lignes", params={"grouping": "programme_code,annee", "grouped": "103"}).json()
    assert [(g["colonne"], g["code"], g["count"]) for g in body["groupes"]] == [("annee", 2023, 2)]
    assert body["total"]["count"] == 2
    body = client.get(
        "/api/v1/lignes", params={"theme": "Travail et emploi|Ecologie, développement et mobilité durables"}
    ).json()
    assert body["total"]["count"] == 3


BAD_PARAMETERS = [
    ({"programme": "103"}, "Paramètre « programme » inconnu"),
    ({"annee": "deux"}, "n'est pas une liste d'années"),
    ({"page": "-1"}, "n'est pas un nombre entier"),
    ({"niveau_geo": "region"}, "niveau_geo et code_geo"),
    ({"colonnes": "rien"}, "Colonne « rien » inconnue"),
    ({"sort_by": "tags", "sort_order": "asc"}, "On ne peut pas trier par « tags »"),
    ({"grouping": "montant_ae"}, "grouper par « montant_ae »"),
]


def test_bad_parameter_is_a_400_in_french(client):
    for params, words in BAD_PARAMETERS:
        response = client.get("/api/v1/lignes", params=params)
        assert response.status_code == 400, params
        body = response.json()
        assert set(body) == {"erreur"}
        assert set(body["erreur"]) == {"code", "message"}
        assert body["erreur"]["code"] == "parametre-invalide"
        assert words in body["erreur"]["message"]


def test_colonnes_home_page_and_openapi(client):
    response = client.get("/api/v1/colonnes")
    assert response.status_code == 200
    colonnes = {c["code"]: c for c in response.json()}
    assert colonnes["programme_code"] == {
        "code": "programme_code",
        "label": "Programme",
        "default": True,
        "groupable": True,
        "label_column": "programme_label",
        "sortable": True,
    }
    assert colonnes["tags"]["sortable"] is False
    assert (
        colonnes["montant_ae"]["label"] == "Montant engagé (AE)" and not colonnes["montant_ae"]["groupable"]
    )

    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="fr"' in response.text
    assert "Data-État" in response.text

    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/lignes" in response.json()["paths"]
