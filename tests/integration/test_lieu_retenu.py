"""Issue 11 item 6: a zone search says which criterion placed each line in the zone (« Lieu retenu »:
the beneficiary's commune, the localisation interministérielle, the centre de coûts' département,
several when more than one match), and `critere_geo` chooses the criteria (default: all three, the
reference's rule) — in the query layer, the API, the exports and the search page, on both databases."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from tests.integration.test_carte import GEO_COLUMNS, geo

from dataetat.exports import lines as export_lines
from dataetat.query.params import QueryError, SearchParams
from dataetat.query.search import search
from dataetat.store.schema import SOURCE_AE, ligne
from dataetat.web.app import create_app

BENEF, LOC, CENTRE = "commune du bénéficiaire", "localisation interministérielle", "centre de coûts"


def line(id_: int, ae: int, *, benef=None, loc=None, centre=None) -> dict:
    return dict.fromkeys(GEO_COLUMNS) | {
        "id": id_,
        "source": SOURCE_AE,
        "source_region": "53",
        "annee": 2023,
        "programme_code": "103",
        "montant_ae": ae,
        "montant_cp": 0,
        "nombre_cp": 0,
        "centre_couts_departement_code": centre,
        **geo("localisation", loc),
        **geo("beneficiaire", benef),
    }


LINES = [
    line(1, 1, benef="35"),  # beneficiary in Rennes only
    line(2, 2, benef="29", loc="35"),  # a Finistère beneficiary, localised in 35
    line(3, 4, benef="29", centre="35"),  # a Finistère beneficiary, paid by a centre de coûts of 35
    line(4, 8, benef="35", loc="35", centre="35"),  # all three
    line(5, 16, benef="29", loc="29", centre="29"),  # nothing in 35
    line(6, 32, loc="44", centre="44"),  # another région
]
EXPECTED = {1: BENEF, 2: LOC, 3: CENTRE, 4: f"{BENEF}, {LOC}, {CENTRE}"}


@pytest.fixture
def data(engine):
    with engine.begin() as conn:
        conn.execute(ligne.insert(), LINES)
    return engine


def lieux(engine, **kw) -> dict[int, str | None]:
    params = SearchParams(niveau_geo="departement", code_geo=["35"], colonnes=["lieu_retenu"], **kw)
    with engine.connect() as conn:
        return {row["id"]: row["lieu_retenu"] for row in search(conn, params).lignes}


def test_lieu_retenu_names_every_matching_criterion(data):
    assert lieux(data) == EXPECTED


@pytest.mark.parametrize(
    ("criteres", "expected"),
    [
        (["beneficiaire"], {1: BENEF, 4: BENEF}),
        (["localisation"], {2: LOC, 4: LOC}),
        (["centre_couts"], {3: CENTRE, 4: CENTRE}),
        (["beneficiaire", "centre_couts"], {1: BENEF, 3: CENTRE, 4: f"{BENEF}, {CENTRE}"}),
        (["beneficiaire", "localisation", "centre_couts"], EXPECTED),
    ],
)
def test_critere_geo_chooses_the_criteria(data, criteres, expected):
    assert lieux(data, critere_geo=criteres) == expected


def test_region_zone_and_centre_de_couts(data):
    params = SearchParams(
        niveau_geo="region", code_geo=["53"], critere_geo=["centre_couts"], colonnes=["lieu_retenu"]
    )
    with data.connect() as conn:
        rows = search(conn, params).lignes
    assert {r["id"]: r["lieu_retenu"] for r in rows} == {3: CENTRE, 4: CENTRE, 5: CENTRE}


def test_default_columns_of_a_zone_search_include_lieu_retenu(data):
    with data.connect() as conn:
        zone = search(conn, SearchParams(niveau_geo="departement", code_geo=["35"])).lignes
        plain = search(conn, SearchParams()).lignes
    assert {r["id"]: r["lieu_retenu"] for r in zone} == EXPECTED
    assert "lieu_retenu" not in plain[0]


def test_without_a_zone_lieu_retenu_is_empty(data):
    with data.connect() as conn:
        rows = search(conn, SearchParams(colonnes=["n_ej", "lieu_retenu"])).lignes
    assert len(rows) == len(LINES) and all(r["lieu_retenu"] is None for r in rows)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        (
            {"niveau_geo": "departement", "code_geo": ["35"], "critere_geo": ["siret"]},
            "critere_geo « siret » inconnu",
        ),
        ({"critere_geo": ["beneficiaire"]}, "précisez niveau_geo et code_geo"),
        (
            {"niveau_geo": "commune", "code_geo": ["35238"], "critere_geo": ["centre_couts"]},
            "région ou un département",
        ),
    ],
)
def test_bad_critere_geo_is_a_french_error(kw, message):
    with pytest.raises(QueryError, match=message):
        SearchParams(**kw).check()


def test_exports_carry_lieu_retenu(data):
    params = SearchParams(
        niveau_geo="departement", code_geo=["35"], critere_geo=["beneficiaire", "localisation"]
    )
    with data.connect() as conn:  # one connection each (DuckDB: frames after rows on one loses a row)
        rows = list(export_lines.rows(conn, params, columns=["n_ej", "montant_ae", "lieu_retenu"]))
    with data.connect() as conn:
        frames = list(export_lines.frames(conn, params, columns=["montant_ae", "lieu_retenu"]))
    assert sorted((float(r[1]), r[2]) for r in rows) == [(1.0, BENEF), (2.0, LOC), (8.0, f"{BENEF}, {LOC}")]
    assert sorted(v for f in frames for v in f["lieu_retenu"].to_list()) == sorted(
        [BENEF, LOC, f"{BENEF}, {LOC}"]
    )
    assert export_lines.header(["lieu_retenu"]) == ["Lieu retenu"]
    assert export_lines.kinds(["lieu_retenu"]) == ["text"]


def test_api_and_csv_export(settings, data):
    zone = {"niveau_geo": "departement", "code_geo": "35"}
    with TestClient(create_app(settings)) as api:
        body = api.get("/api/v1/lignes", params=zone).json()
        assert {r["id"]: r["lieu_retenu"] for r in body["lignes"]} == EXPECTED
        narrowed = api.get(
            "/api/v1/lignes", params=zone | {"critere_geo": "localisation,centre_couts"}
        ).json()
        assert narrowed["total"]["count"] == 3 and narrowed["total"]["montant_ae"] == 14
        assert any("par localisation interministérielle, centre de coûts" in f for f in narrowed["filtres"])
        bad = api.get("/api/v1/lignes", params=zone | {"critere_geo": "commune"})
        assert bad.status_code == 400 and "critere_geo" in bad.json()["erreur"]["message"]
        carte = api.get(
            "/api/v1/carte", params=zone | {"critere_geo": "beneficiaire", "niveau": "departement"}
        )
        assert carte.json()["total"]["count"] == 2
        declared = {
            p["name"]: p
            for p in api.get("/openapi.json").json()["paths"]["/api/v1/lignes"]["get"]["parameters"]
        }
        assert "centre_couts" in declared["critere_geo"]["description"]
        columns = {c["code"]: c for c in api.get("/api/v1/colonnes").json()}
        assert columns["lieu_retenu"]["label"] == "Lieu retenu" and not columns["lieu_retenu"]["sortable"]
        export = api.get(
            "/api/v1/exports/lignes.csv",
            params=zone | {"critere_geo": "centre_couts", "colonnes": "n_ej,lieu_retenu"},
        )
        assert export.status_code == 200, export.text
    table = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert table[0][-1] == "Lieu retenu"
    assert sorted(r[-1] for r in table[1:]) == [CENTRE, CENTRE]


def test_search_page_form_and_column(settings, data):
    with TestClient(create_app(settings)) as client:
        page = client.get(
            "/", params={"niveau_geo": "departement", "code_geo": "35", "critere_geo": "beneficiaire"}
        )
        assert page.status_code == 200
        html = page.text
        assert 'name="critere_geo" value="beneficiaire" checked' in html
        assert 'name="critere_geo" value="localisation">' in html
        assert (
            '<th scope="col">\n          Lieu retenu' in html
            or ">Lieu retenu<" in html
            or "Lieu retenu\n" in html
        )
        assert html.count(BENEF) >= 2  # the two lines whose beneficiary is in 35
        assert LOC not in html.split("<tbody>")[1].split("</tbody>")[0]
        every = client.get("/", params={"niveau_geo": "departement", "code_geo": "35"}).text
        assert every.count('name="critere_geo"') == 3 and every.count('name="critere_geo" value=') == 3
        assert f"{BENEF}, {LOC}, {CENTRE}" in every
