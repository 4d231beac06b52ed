"""The beneficiary and territory pages (/beneficiaires/{siret}, /territoires/{niveau}/{code}), on
DuckDB and PostgreSQL: their totals are the API's for the same filter (beneficiaire_code; niveau_geo
+ code_geo at each level), a regional user sees only their région's lines, French 404s."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from tests.factories import import_two_regions

from dataetat.store import readmodel
from dataetat.store.schema import aide, beneficiaire, ref_qpv, siret_qpv
from dataetat.web.app import create_app
from dataetat.web.pages.templating import euros

SIRET = "85129663200017"  # the factories' beneficiary: EJ 100, 101, the orphan CP (53), EJ 200 (52)
SIRET_52 = "52345678900012"  # only a France 2030 aid of région 52
SOURCES = ("FINANCIAL_DATA_AE", "FINANCIAL_DATA_CP", "ADEME", "FRANCE_2030")


@pytest.fixture
def data(engine, tmp_path):
    """Chorus lines of régions 53 and 52 (factories), SIRENE and QPV of the beneficiary (Rennes), an
    ADEME aid (région of the beneficiary: 53) and two France 2030 aids (53 and 52)."""
    import_two_regions(engine, tmp_path)
    with engine.begin() as conn:
        conn.execute(
            beneficiaire.insert(),
            [{"siret": SIRET, "denomination": "ATLAS FORMATION", "categorie_juridique": "9220",
              "code_commune": "35238", "updated_at": datetime(2024, 1, 1)}],
        )  # fmt: skip
        conn.execute(
            ref_qpv.insert(),
            [
                {"code": "QP035001", "label": "Maurepas", "annee_decoupage": 2015, "code_commune": "35238"},
                {"code": "QN03501M", "label": "Maurepas Gros-Chêne", "annee_decoupage": 2024,
                 "code_commune": "35238"},
            ],
        )  # fmt: skip
        conn.execute(
            siret_qpv.insert(), [{"siret": SIRET, "code_qpv15": "QP035001", "code_qpv24": "QN03501M"}]
        )
        conn.execute(
            aide.insert(),
            [  # every row names every column (an executemany takes its columns from the first row)
                {"source": source, "annee": 2023, "siret": siret, "montant": Decimal(montant),
                 "code_region": region, "beneficiaire_nom": nom, "import_id": 1}
                for source, siret, montant, region, nom in (
                    ("ADEME", SIRET, "1234.56", None, None),
                    ("FRANCE_2030", SIRET, "20000", "53", None),
                    ("FRANCE_2030", SIRET_52, "777.77", "52", "ZOGZOG NANTAIS"),
                )
            ],
        )  # fmt: skip
        readmodel.rebuild_all(conn)
    return engine


def client(settings, **changes) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=changes)))


def total(api: TestClient, **params) -> dict:
    response = api.get("/api/v1/lignes", params={"page_size": 1, **params})
    assert response.status_code == 200, response.text
    return response.json()["total"]


def figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-total="(\w+)">([^<]*)<', html))


def breakdown(html: str, name: str) -> dict[str, float]:
    table = re.search(rf'<table data-ventilation="{name}">(.*?)</table>', html, re.S)
    assert table, name
    rows = re.findall(r'<tr data-code="([^"]*)">.*?data-montant-ae="([^"]+)"', table.group(1), re.S)
    return {code: float(ae) for code, ae in rows}


def assert_same_totals(html: str, expected: dict) -> None:
    shown = figures(html)
    assert shown["montant_ae"] == euros(expected["montant_ae"]), (shown, expected)
    assert shown["montant_cp"] == euros(expected["montant_cp"]), (shown, expected)
    assert shown["count"].replace("\u202f", "") == str(expected["count"]), (shown, expected)


@pytest.mark.parametrize(
    ("niveau", "code"),
    [
        ("region", "53"),
        ("departement", "35"),
        ("epci", "243500139"),
        ("commune", "35238"),
        ("qpv24", "QN03501M"),
    ],
)
def test_territory_totals_are_the_api_totals(settings, data, niveau, code):
    with client(settings) as api:
        expected = total(api, niveau_geo=niveau, code_geo=code)
        assert expected["count"] > 0
        page = api.get(f"/territoires/{niveau}/{code}")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert_same_totals(page.text, expected)
        for source, ae in breakdown(page.text, "par-source").items():
            assert ae == pytest.approx(
                total(api, niveau_geo=niveau, code_geo=code, source=source)["montant_ae"]
            )
        by_year = breakdown(page.text, "par-annee")
        assert sum(by_year.values()) == pytest.approx(expected["montant_ae"])
        assert f'href="/?niveau_geo={niveau}&amp;code_geo={code}&amp;vue=lignes"' in page.text
        # The year filter: the API's total for the same years.
        filtered = api.get(f"/territoires/{niveau}/{code}", params={"annee": "2022"})
        assert_same_totals(filtered.text, total(api, niveau_geo=niveau, code_geo=code, annee="2022"))


def test_territory_page_names_links_and_top_beneficiaries(settings, data):
    with client(settings) as api:
        html = api.get("/territoires/commune/35238").text
        assert "<h1" in html and "Rennes</h1>" in html
        assert 'href="/territoires/departement/35"' in html and 'href="/territoires/region/53"' in html
        assert f'href="/beneficiaires/{SIRET}"' in html  # top beneficiaries, linked
        assert 'data-vue="carte"' in html and "niveau_geo=commune&amp;code_geo=35238" in html
        assert "data-imprimer" in html and "/static/app/fiches.js" in html
        assert "<script>" not in html and " style=" not in html  # CSP: no inline script or style
        qpv = api.get("/territoires/qpv24/QN03501M").text
        assert "Maurepas Gros-Chêne" in qpv and 'data-vue="carte"' in qpv


def test_beneficiary_totals_by_source_are_the_api_totals(settings, data):
    with client(settings) as api:
        expected = total(api, beneficiaire_code=SIRET)
        page = api.get(f"/beneficiaires/{SIRET}")
        assert page.status_code == 200
        html = page.text
        assert_same_totals(html, expected)
        by_source = breakdown(html, "par-source")
        assert set(by_source) == set(SOURCES)
        for source in SOURCES:
            assert by_source[source] == pytest.approx(
                total(api, beneficiaire_code=SIRET, source=source)["montant_ae"]
            )
        by_year = breakdown(html, "par-annee")
        for year, ae in by_year.items():
            assert ae == pytest.approx(total(api, beneficiaire_code=SIRET, annee=year)["montant_ae"])
        by_programme = breakdown(html, "par-programme")
        assert sum(by_programme.values()) == pytest.approx(expected["montant_ae"])
        # Identity: SIRENE, referentials, QPV 2015 and 2024, links to the territories.
        for text in ("ATLAS FORMATION", "9220", "Association", "Rennes", "Ille-et-Vilaine", "Bretagne",
                     "Maurepas", "QN03501M", "Maurepas Gros-Chêne"):  # fmt: skip
            assert text in html, text
        for href in ("/territoires/commune/35238", "/territoires/departement/35", "/territoires/region/53",
                     "/territoires/qpv/QP035001", "/territoires/qpv24/QN03501M"):  # fmt: skip
            assert f'href="{href}"' in html, href
        assert f'href="/?beneficiaires={SIRET}&amp;vue=lignes"' in html  # "Voir dans la recherche"
        assert f"/api/v1/exports/lignes.csv?beneficiaire_code={SIRET}" in html
        # Every line, paged like the search.
        lines = api.get("/api/v1/lignes", params={"beneficiaire_code": SIRET, "colonnes": "n_ej"}).json()[
            "lignes"
        ]
        for line in lines:
            assert f'data-ligne="{line["id"]}"' in html
        # The lines table names its sources in French, never the code (FINANCIAL_DATA_AE).
        lignes_html = html.split('aria-label="Lignes financières du bénéficiaire"')[1].split("</table>")[0]
        assert "FINANCIAL_DATA_AE" not in lignes_html and "(Chorus, AE)</td>" in lignes_html


def test_beneficiary_without_sirene_shows_what_its_lines_carry(settings, data):
    with client(settings) as api:
        html = api.get(f"/beneficiaires/{SIRET_52}").text
        assert "ZOGZOG NANTAIS" in html and "France 2030" in html
        assert "absent de la base SIRENE" in html


def test_region_scoping(settings, data):
    with client(settings) as national:
        ids_52 = [
            line["id"]
            for line in national.get(
                "/api/v1/lignes", params={"source_region": "52", "colonnes": "n_ej"}
            ).json()["lignes"]
        ]
    assert ids_52
    with client(settings, region_developpement="53") as api:
        expected = total(api, beneficiaire_code=SIRET)
        html = api.get(f"/beneficiaires/{SIRET}").text
        assert_same_totals(html, expected)
        for line_id in ids_52:
            assert f'data-ligne="{line_id}"' not in html
        assert "ZOGZOG" not in html
        # Only a foreign région funds it: no page (not even its name).
        foreign = api.get(f"/beneficiaires/{SIRET_52}")
        assert foreign.status_code == 404 and "ZOGZOG" not in foreign.text
        # A territory of another région: the page, without the other région's lines.
        page = api.get("/territoires/region/52")
        assert page.status_code == 200
        assert_same_totals(page.text, total(api, niveau_geo="region", code_geo="52"))
        assert "ZOGZOG" not in page.text and SIRET_52 not in page.text


@pytest.mark.parametrize(
    "url",
    [
        "/beneficiaires/123",
        "/beneficiaires/8512966320001X",
        "/beneficiaires/99999999999999",  # well formed, unknown
        "/territoires/pays/FR",
        "/territoires/region/ZZ",
        "/territoires/commune/35238%27%20OR%201=1",
        "/territoires/qpv/QP999999",
    ],
)
def test_not_found_pages_are_french(settings, data, url):
    with client(settings) as api:
        response = api.get(url)
        assert response.status_code == 404, url
        assert "text/html" in response.headers["content-type"]
        assert "introuvable" in response.text


def test_tables_link_to_the_fiches(settings, data):
    with client(settings) as api:
        table = api.get(
            "/", params={"vue": "lignes", "colonnes": "beneficiaire_code,beneficiaire_denomination"}
        ).text
        assert f'<a href="/beneficiaires/{SIRET}"' in table
        sources = api.get("/", params={"vue": "lignes", "colonnes": "source,n_ej"}).text
        assert ">FINANCIAL_DATA_AE<" not in sources and "(Chorus, AE)</td>" in sources
        groups = api.get("/", params={"grouper_par": "beneficiaire"}).text
        assert f'href="/beneficiaires/{SIRET}"' in groups
        line_id = api.get("/api/v1/lignes", params={"n_ej": "100", "colonnes": "n_ej"}).json()["lignes"][0][
            "id"
        ]
        detail = api.get(f"/lignes/{line_id}").text
        assert f'href="/beneficiaires/{SIRET}"' in detail
        assert 'href="/territoires/commune/35238"' in detail and 'href="/territoires/region/53"' in detail
