"""Pivot and exports through the API: same totals as the search, region scope, French errors."""

import csv
import io
from datetime import date

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from tests.factories import ae_row, cp_row, write_ae, write_cp

from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.web.app import create_app


@pytest.fixture
def api(settings, engine, tmp_path):
    rows = [
        ae_row(str(i), 1, f"{10 * i}", programme=p) for i, p in enumerate(["103", "103", "113", "119"], 1)
    ]
    ae = write_ae(tmp_path / "ae.csv", rows, exercice=2023)
    cp = write_cp(tmp_path / "cp.csv", [cp_row("1", 1, "900", "4")], exercice=2023)
    assert import_chorus(engine, [ae, cp], ImportOptions(region="53")).written
    ae22 = write_ae(tmp_path / "ae22.csv", [ae_row("9", 1, "1000", programme="113")], exercice=2022)
    assert import_chorus(engine, [ae22], ImportOptions(region="52")).written
    with TestClient(create_app(settings)) as client:
        yield client


def test_pivot_matches_search_totals(api):
    body = api.get("/api/v1/pivot", params={"lignes": "programme_code", "colonnes": "annee"}).json()
    total = api.get("/api/v1/lignes").json()["total"]
    assert body["total"] == pytest.approx(total["montant_ae"])
    by_programme = {r["code"]: r["total"] for r in body["rangs"]}
    assert by_programme == {"103": 30.0, "113": 1030.0, "119": 40.0}
    filtered = api.get(
        "/api/v1/pivot", params={"lignes": "programme_code", "colonnes": "annee", "annee": "2022"}
    ).json()
    assert filtered["total"] == 1000.0


def test_pivot_errors_are_french_400(api):
    for params in (
        {"lignes": "programme_code"},
        {"lignes": "annee", "colonnes": "annee"},
        {"lignes": "x", "colonnes": "annee"},
    ):
        response = api.get("/api/v1/pivot", params=params)
        assert response.status_code == 400
        assert response.json()["erreur"]["code"] == "parametre-invalide"


def test_exports_in_every_format_equal_the_search(api):
    total = api.get("/api/v1/lignes", params={"annee": "2023"}).json()["total"]
    params = {"annee": "2023", "colonnes": "n_ej,programme_code,montant_ae,montant_cp"}
    text = api.get("/api/v1/exports/lignes.csv", params=params).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [
        "N° EJ",
        "Programme (code)",
        "Programme (libellé)",
        "Montant engagé (AE)",
        "Montant payé (CP)",
    ]
    assert len(rows) - 1 == total["count"]
    assert sum(float(r[3].replace(",", ".")) for r in rows[1:]) == pytest.approx(total["montant_ae"])
    xlsx = load_workbook(io.BytesIO(api.get("/api/v1/exports/lignes.xlsx", params=params).content))
    values = list(xlsx.active.iter_rows(values_only=True))
    assert sum(v[3] for v in values[1:]) == pytest.approx(total["montant_ae"])
    table = pq.read_table(io.BytesIO(api.get("/api/v1/exports/lignes.parquet", params=params).content))
    assert float(sum(table.column("Montant payé (CP)").to_pylist())) == pytest.approx(total["montant_cp"])
    ods = api.get("/api/v1/exports/lignes.ods", params=params)
    assert ods.status_code == 200 and ods.content[:2] == b"PK"
    assert api.get("/api/v1/exports/lignes.pdf").status_code == 400


def test_export_is_region_scoped(settings, api):
    with TestClient(create_app(settings.model_copy(update={"region_developpement": "52"}))) as scoped:
        text = scoped.get("/api/v1/exports/lignes.csv", params={"colonnes": "n_ej"}).content.decode(
            "utf-8-sig"
        )
    assert text.split() == ["N°", "EJ", "9"]


def test_pivot_and_groups_exports(api):
    pivot = api.get("/api/v1/pivot", params={"lignes": "programme_code", "colonnes": "annee"}).json()
    response = api.get("/api/v1/exports/pivot.csv", params={"lignes": "programme_code", "colonnes": "annee"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Programme \\ Année" and rows[0][-1] == "Total"
    assert rows[-1][0] == "Total" and float(rows[-1][-1].replace(",", ".")) == pytest.approx(pivot["total"])
    xlsx = load_workbook(
        io.BytesIO(
            api.get(
                "/api/v1/exports/pivot.xlsx", params={"lignes": "programme_code", "colonnes": "annee"}
            ).content
        )
    )
    assert list(xlsx.active.iter_rows(values_only=True))[-1][-1] == pytest.approx(pivot["total"])
    groups = api.get("/api/v1/lignes", params={"grouping": "programme_code"}).json()
    table = pq.read_table(
        io.BytesIO(api.get("/api/v1/exports/groupes.parquet", params={"grouping": "programme_code"}).content)
    )
    assert table.num_rows == len(groups["groupes"])
    assert float(sum(table.column("Montant engagé (AE)").to_pylist())) == pytest.approx(
        groups["total"]["montant_ae"]
    )
    assert api.get("/api/v1/exports/groupes.csv").status_code == 400


def _attachment_name(response) -> str:
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    return disposition.removeprefix("attachment; filename=").strip('"')


def test_downloads_are_named_after_the_search_and_the_date(api):
    today = date.today().isoformat()
    zone = {"niveau_geo": "departement", "code_geo": "35", "annee": "2023"}
    for fmt in ("csv", "xlsx", "ods", "parquet"):
        name = _attachment_name(api.get(f"/api/v1/exports/lignes.{fmt}", params=zone))
        assert name == f"data-etat_{today}_departement-35_annee-2023.{fmt}"
    assert _attachment_name(api.get("/api/v1/exports/lignes.csv")) == f"data-etat_{today}.csv"
    programme = {"code_programme": "103,113", "theme": "Travail et emploi"}
    assert (
        _attachment_name(api.get("/api/v1/exports/groupes.xlsx", params=programme | {"grouping": "annee"}))
        == f"data-etat_{today}_programme-103-113_theme-travail-et-emploi_groupes.xlsx"
    )
    pivot = {"lignes": "programme_code", "colonnes": "annee", "annee": "2022,2023"}
    assert (
        _attachment_name(api.get("/api/v1/exports/pivot.ods", params=pivot))
        == f"data-etat_{today}_annee-2022-2023_tableau.ods"
    )


def test_line_exports_carry_code_and_label(api):
    params = {"colonnes": "n_ej,programme_code", "annee": "2023", "code_programme": "113"}
    text = api.get("/api/v1/exports/lignes.csv", params=params).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text), delimiter=";")) == [
        ["N° EJ", "Programme (code)", "Programme (libellé)"],
        ["3", "113", "Paysages, eau et biodiversité"],
    ]
