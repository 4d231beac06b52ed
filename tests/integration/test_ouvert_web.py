"""The open aggregates over HTTP, anonymous while accounts are required: `/api/v1/ouvert/…`, the
open pages, the CSV/Parquet files checked against their Table Schema (frictionless); no line, no
SIRET, no withheld amount reachable. Both databases."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from frictionless import Resource, Schema
from tests.conftest import TEST_SECRET, imported_database
from tests.ouvert_donnees import LONE_AMOUNT, fill

from dataetat.catalog import fichiers_ouverts
from dataetat.settings import Settings
from dataetat.web.app import create_app

WITHHELD = ("777777.77", "777 777,77", "777\u202f777,77", "9999.77", "9\u202f999,77", "123.77", "456.77")


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def anonyme(request, tmp_path_factory):
    """An app requiring accounts (no development identity), used without logging in."""
    found = {}
    tmp = tmp_path_factory.mktemp(f"ouvert-web-{request.param}")
    with imported_database(request.param, tmp, lambda e, _: found.setdefault("rows", fill(e))) as engine:
        settings = Settings(
            database_url=engine.url.render_as_string(hide_password=False), secret_key=TEST_SECRET
        )
        with TestClient(create_app(settings), follow_redirects=False) as client:
            client.rows = found["rows"]
            yield client


def _no_leak(client, text: str) -> None:
    for amount in WITHHELD:
        assert amount not in text
    for row in client.rows:
        if row["beneficiaire_code"]:
            assert row["beneficiaire_code"] not in text


def test_internal_routes_stay_closed(anonyme):
    assert anonyme.get("/api/v1/lignes").status_code == 401
    assert anonyme.get("/territoires/commune/35238").status_code == 303


def test_open_territory_api(anonyme):
    answer = anonyme.get("/api/v1/ouvert/territoires/commune/35238")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    _no_leak(anonyme, answer.text)
    assert body["seuil_secret"] == 3 and body["zone"]["libelle"] == "Rennes"
    programmes = {(c["jeu"], c["exercice"], c["code_programme"]) for c in body["cellules"]}
    # Rennes' 103 joins « autres » by the secondary rule (département 35's 103 − Rennes' 103 would
    # give Bruz's, tests/integration/test_ouvert_secondaire.py); the national extract's is published.
    assert ("chorus-nation-53", 2023, "103") in programmes and (
        "chorus-region-53",
        2023,
        "autres",
    ) in programmes
    assert ("chorus-region-53", 2023, "103") not in programmes
    assert all(c["code_programme"] != "149" for c in body["cellules"])
    total = body["fiche"]["total"]
    assert total["montant_ae"] == pytest.approx(sum(c["montant_ae"] for c in body["cellules"]))
    themes = {t["code"]: t for t in body["fiche"]["par_theme"]}
    assert themes["autres"]["montant_ae"] == pytest.approx(5000 + float(LONE_AMOUNT) + 1100)
    years = anonyme.get("/api/v1/ouvert/territoires/commune/35238", params={"annee": 2024}).json()
    assert years["cellules"] == [] and years["fiche"]["total"]["nombre_lignes"] == 0


@pytest.mark.parametrize(
    "url",
    ["/api/v1/ouvert/territoires/pays/1", "/api/v1/ouvert/agregats?niveau=commune&source=x",
     "/api/v1/ouvert/agregats?niveau=commune&region=bretagne", "/api/v1/ouvert/agregats.xlsx"],
)  # fmt: skip
def test_bad_parameters_are_french_400s(anonyme, url):
    answer = anonyme.get(url)
    assert answer.status_code == 400 and "erreur" in answer.json()


def test_unknown_zone_is_404(anonyme):
    assert anonyme.get("/api/v1/ouvert/territoires/commune/99999").status_code == 404
    assert anonyme.get("/ouvert/territoires/commune/99999").status_code == 404


def test_agregats_paged(anonyme):
    first = anonyme.get("/api/v1/ouvert/agregats", params={"niveau": "commune", "page_size": 2}).json()
    assert first["has_next"] and len(first["cellules"]) == 2
    every = anonyme.get("/api/v1/ouvert/agregats", params={"niveau": "commune", "page_size": 100}).json()
    assert len(every["cellules"]) == every["total"] and not every["has_next"]


def test_csv_export_is_valid_against_its_table_schema(anonyme, tmp_path):
    answer = anonyme.get("/api/v1/ouvert/agregats.csv")
    assert answer.status_code == 200 and "describedby" in answer.headers["link"]
    _no_leak(anonyme, answer.text)
    path = tmp_path / "agregats.csv"
    path.write_bytes(answer.content)
    schema = anonyme.get("/schemas/agregats-ouverts.json").json()
    resource = Resource(path=path.name, basepath=str(tmp_path), schema=Schema.from_descriptor(schema))
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert answer.text.count("\n") > 10
    niveaux = {line.split(",")[3] for line in answer.text.splitlines()[1:]}
    assert niveaux == {"region", "departement", "epci", "commune", "qpv"}


def test_parquet_export_has_the_schema_columns(anonyme):
    answer = anonyme.get("/api/v1/ouvert/agregats.parquet", params={"niveau": "departement"})
    table = pq.read_table(io.BytesIO(answer.content))
    assert table.column_names == fichiers_ouverts.COLUMNS and table.num_rows > 0
    assert set(table.column("niveau").to_pylist()) == {"departement"}
    csv_rows = anonyme.get("/api/v1/ouvert/agregats.csv", params={"niveau": "departement"}).text
    assert table.num_rows == csv_rows.count("\n") - 1


def test_open_pages(anonyme):
    page = anonyme.get("/ouvert/territoires/commune/35238")
    assert page.status_code == 200
    assert "Autres programmes (secret statistique)" in page.text and "Se connecter" in page.text
    _no_leak(anonyme, page.text)
    index = anonyme.get("/ouvert")
    assert index.status_code == 200 and "/ouvert/territoires/departement/35" in index.text


def test_openapi_lists_the_open_routes(anonyme):
    paths = json.loads(anonyme.get("/openapi.json").text)["paths"]
    assert {"/api/v1/ouvert/agregats", "/api/v1/ouvert/agregats.{fmt}", "/schemas/{name}.json"} <= set(paths)


def test_open_map(anonyme):
    body = anonyme.get(
        "/api/v1/ouvert/carte", params={"niveau": "commune", "niveau_geo": "departement", "code_geo": "35"}
    ).json()
    zones = {z["code"]: z for z in body["zones"]}
    assert set(zones) <= {"35238", "35047"} and "35238" in zones
    cells = anonyme.get("/api/v1/ouvert/territoires/commune/35238").json()
    assert zones["35238"]["montant_ae"] == pytest.approx(cells["fiche"]["total"]["montant_ae"])
    assert body["total"]["count"] == sum(z["count"] for z in body["zones"])
    _no_leak(anonyme, str(body))
    region = anonyme.get("/api/v1/ouvert/carte", params={"niveau": "departement", "code_geo": "53"}).json()
    assert {z["code"] for z in region["zones"]} == {"35"}  # Finistère's only group is withheld
    answer = anonyme.get("/ouvert/zone", params={"niveau_geo": "commune", "code_geo": "35238,35047"})
    assert answer.status_code == 302 and answer.headers["location"] == "/ouvert/territoires/commune/35238"
    page = anonyme.get("/ouvert/territoires/departement/35").text
    assert 'data-source="/api/v1/ouvert/carte"' in page and 'data-niveaux="departement,epci,commune"' in page
