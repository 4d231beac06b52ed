"""The map and the tableau dynamique of the « Commande publique » search, on DuckDB and PostgreSQL:
the zones (+ the rows without a zone) and the pivot's totals equal the search's totals, a regional
user sees only the marchés executed in its région, bad parameters are refused in French, the pivot
exports and the page's views (/marches?vue=carte|tableau)."""

from __future__ import annotations

import csv
import io
import math

import pytest
from tests.factories import import_two_regions
from tests.factories_decp import TITULAIRE, sample_rows, write_decp
from tests.integration.test_marches_recherche import client, total

from dataetat.store.marches_import import import_decp
from dataetat.web.pages.templating import euros

MESURES = ("marches", "montant", "count")
FILTRES = ({}, {"procedure": "Procédure adaptée"}, {"titulaire": TITULAIRE}, {"annee": "2024"})


@pytest.fixture
def data(engine, tmp_path):
    import_two_regions(engine, tmp_path)
    assert import_decp(engine, [write_decp(tmp_path / "decp.csv", sample_rows())]).written
    return engine


def carte(api, **params) -> dict:
    response = api.get("/api/v1/marches/carte", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def pivot(api, **params) -> dict:
    response = api.get("/api/v1/marches/pivot", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def groups(api, column: str, **filters) -> dict:
    body = api.get("/api/v1/marches", params={"grouping": column, **filters}).json()
    return {g["code"]: g for g in body["groupes"]}


def test_map_zones_and_rows_without_zone_add_up_to_the_search(settings, data):
    with client(settings) as api:
        for filters in FILTRES:
            expected = total(api, **filters)
            for niveau in ("region", "departement", "commune"):
                body = carte(api, niveau=niveau, **filters)
                assert body["niveau"] == niveau and body["total"] == expected, (niveau, filters)
                for m in MESURES:
                    summed = sum(z[m] for z in body["zones"]) + body["sans_zone"][m]
                    assert math.isclose(summed, expected[m]), (niveau, filters, m)
        departements = {z["code"]: z for z in carte(api, niveau="departement")["zones"]}
        assert set(departements) == {"35", "44"}
        assert (departements["44"]["marches"], departements["44"]["count"]) == (1, 2)
        assert departements["44"]["montant"] == 80000.0 and departements["44"]["label"]
        # The default level is the département; a zone filter keeps the map to it.
        assert [z["code"] for z in carte(api, niveau_geo="departement", code_geo="44")["zones"]] == ["44"]
        for bad, word in (({"niveau": "epci"}, "niveau"), ({"inconnu": "1"}, "inconnu"),
                          ({"niveau": "region", "niveau_geo": "departement"}, "code_geo")):  # fmt: skip
            response = api.get("/api/v1/marches/carte", params=bad)
            assert response.status_code == 400, bad
            assert word in response.json()["erreur"]["message"]
    with client(settings, "53") as api:
        body = carte(api, niveau="departement")
        assert {z["code"] for z in body["zones"]} == {"35"}
        assert body["total"] == total(api) == {"count": 2, "marches": 2, "montant": 46200.0}
        assert [z["code"] for z in carte(api, niveau="region")["zones"]] == ["53"]
        # Asking for another région's zone gives nothing, not its marchés.
        assert carte(api, niveau_geo="departement", code_geo="44")["total"]["marches"] == 0


PAIRES = (
    ("procedure", "annee"),
    ("titulaire_id", "annee"),  # a marché with two titulaires is in two rows
    ("lieu_departement_code", "titulaire_categorie"),
    ("annee", "titulaire_commune_code"),
    ("cpv_division_code", "lieu_region_code"),
)


def test_pivot_totals_are_the_search_totals(settings, data):
    with client(settings) as api:
        for filters in FILTRES:
            expected = total(api, **filters)
            for lignes, colonnes in PAIRES:
                by_row, by_col = groups(api, lignes, **filters), groups(api, colonnes, **filters)
                for valeur in MESURES:
                    body = pivot(api, lignes=lignes, colonnes=colonnes, valeur=valeur, **filters)
                    where = (filters, lignes, colonnes, valeur)
                    assert math.isclose(body["total"], expected[valeur]), where
                    # Each row's and column's total is the search grouped by that column.
                    assert {r["code"]: r["total"] for r in body["rangs"]} == {
                        k: g[valeur] for k, g in by_row.items()
                    }, where
                    assert dict(zip([e["code"] for e in body["entetes"]], body["totaux_colonnes"],
                                    strict=True)) == {k: g[valeur] for k, g in by_col.items()}, where  # fmt: skip
        two = pivot(api, lignes="titulaire_id", colonnes="annee", valeur="marches")
        assert two["total"] == 3 and sum(r["total"] for r in two["rangs"]) == 4  # M2 once per titulaire
        assert pivot(api, lignes="procedure", colonnes="annee")["valeur"] == "montant"  # the default
        for bad, word in (
            ({"lignes": "procedure", "colonnes": "annee", "valeur": "montant_ae"}, "valeur"),
            ({"lignes": "objet", "colonnes": "annee"}, "objet"),
            ({"lignes": "annee", "colonnes": "annee"}, "différentes"),
            ({"lignes": "annee"}, "colonnes"),
            ({"lignes": "procedure", "colonnes": "annee", "inconnu": "1"}, "inconnu"),
            ({"lignes": "procedure", "colonnes": "annee", "montant_min": "x"}, "montant"),
        ):
            response = api.get("/api/v1/marches/pivot", params=bad)
            assert response.status_code == 400, bad
            assert word in response.json()["erreur"]["message"], bad
    with client(settings, "53") as api:
        body = pivot(api, lignes="lieu_region_code", colonnes="procedure", valeur="marches")
        assert [r["code"] for r in body["rangs"]] == ["53"] and body["total"] == 2
        assert pivot(api, lignes="acheteur_id", colonnes="annee", valeur="count")["total"] == 2


def test_pivot_export(settings, data):
    with client(settings) as api:
        response = api.get(
            "/api/v1/marches/pivot.csv",
            params={"lignes": "procedure", "colonnes": "annee", "valeur": "marches"},
        )
        assert response.status_code == 200, response.text
        assert "commande-publique-tableau.csv" in response.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        assert rows[0] == ["Procédure \\ Année de notification", "2023", "2024", "Total"]
        assert rows[-1] == ["Total", "1", "2", "3"]
        for fmt in ("xlsx", "ods", "parquet"):
            response = api.get(
                f"/api/v1/marches/pivot.{fmt}", params={"lignes": "procedure", "colonnes": "annee"}
            )
            assert response.status_code == 200 and len(response.content) > 100, fmt
        assert (
            api.get(
                "/api/v1/marches/pivot.doc", params={"lignes": "procedure", "colonnes": "annee"}
            ).status_code
            == 400
        )


def test_page_views(settings, data):
    with client(settings) as api:
        page = api.get("/marches", params={"vue": "carte", "procedure": "Procédure adaptée"})
        assert page.status_code == 200
        assert 'data-source="/api/v1/marches/carte"' in page.text
        assert 'data-api="procedure=Proc%C3%A9dure+adapt%C3%A9e"' in page.text
        assert 'name="vue" value="carte"' in page.text  # a new search keeps the view
        page = api.get(
            "/marches", params={"vue": "tableau", "pivot_lignes": "titulaire_id", "valeur": "marches"}
        )
        assert page.status_code == 200
        assert "data-total-pivot><strong>3</strong>" in page.text
        assert (
            "/api/v1/marches/pivot.csv?lignes=titulaire_id&amp;colonnes=annee&amp;valeur=marches" in page.text
        )
        montant = api.get("/marches", params={"vue": "tableau"})
        assert f"data-total-pivot><strong>{euros(126200)}</strong>" in montant.text
        assert 'id="lignes-marches"' not in montant.text  # the pivot, not the rows
        refused = api.get("/marches", params={"vue": "tableau", "pivot_lignes": "objet"})
        assert refused.status_code == 400 and "« objet »" in refused.text
        assert 'id="totaux-marches"' in refused.text  # the search's totals are still shown
        unknown = api.get("/marches", params={"vue": "graphique"})
        assert unknown.status_code == 400 and "vue « graphique »" in unknown.text
