"""AE across exercices, the reference's rule (issue 11 item 13; DESIGN.md "Import semantics"):
a poste keeps one positive amount, the latest exercice's, plus the negative corrections of each
exercice; every exercice's amount stays stored and is shown on the line. Order-free: importing the
exercices in any order gives the same lines. Both databases."""

from __future__ import annotations

import csv
import io
import itertools
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from tests.factories import ae_row, write_ae

from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.web.app import create_app

D = Decimal


def _import(engine, tmp_path, year: int, rows: list[str], region: str = "53"):
    path = write_ae(tmp_path / f"ae_{region}_{year}_{len(list(tmp_path.iterdir()))}.csv", rows, exercice=year)
    result = import_chorus(engine, [path], ImportOptions(region=region))
    assert result.written, [p.describe() for r in result.reports for p in r.errors]
    return result.reports[0]


def _lines(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT n_ej, n_poste_ej, annee, montant_ae FROM ligne ORDER BY n_ej, n_poste_ej"
        ).all()
    return [tuple(r) for r in rows]


def test_single_exercice(engine, tmp_path):
    _import(engine, tmp_path, 2023, [ae_row("1", 1, "1000"), ae_row("1", 2, "-40")])
    assert _lines(engine) == [("1", 1, 2023, D("1000.00")), ("1", 2, 2023, D("-40.00"))]


def test_restated_in_a_later_exercice_keeps_the_latest_positive_amount(engine, tmp_path):
    _import(engine, tmp_path, 2022, [ae_row("1", 1, "1000")])
    _import(engine, tmp_path, 2023, [ae_row("1", 1, "1200")])
    assert _lines(engine) == [("1", 1, 2023, D("1200.00"))]  # summed before: 2,200
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT annee, montant FROM ae_annee ORDER BY annee").all()
    assert [tuple(r) for r in stored] == [(2022, D("1000.00")), (2023, D("1200.00"))]


def test_negative_correction_in_a_later_exercice_is_added(engine, tmp_path):
    _import(engine, tmp_path, 2022, [ae_row("1", 1, "1000")])
    _import(engine, tmp_path, 2023, [ae_row("1", 1, "-100")])
    # the line's année stays the year of its positive amount
    assert _lines(engine) == [("1", 1, 2022, D("900.00"))]


def test_corrections_of_every_exercice_with_the_latest_positive(engine, tmp_path):
    _import(engine, tmp_path, 2021, [ae_row("1", 1, "1000")])
    _import(engine, tmp_path, 2022, [ae_row("1", 1, "-100")])
    _import(engine, tmp_path, 2023, [ae_row("1", 1, "1200")])
    _import(engine, tmp_path, 2024, [ae_row("1", 1, "-50")])
    assert _lines(engine) == [("1", 1, 2023, D("1050.00"))]


# 2021: 1,000 ; 2022: -100 ; 2023: 1,200 (restated) -> 1,100 whatever the order of the imports.
_YEARS = {2021: "1000", 2022: "-100", 2023: "1200"}


@pytest.mark.parametrize("order", list(itertools.permutations(_YEARS)), ids=lambda o: "-".join(map(str, o)))
def test_order_free_reimport_of_an_earlier_exercice(engine, tmp_path, order):
    for year in order:
        _import(engine, tmp_path, year, [ae_row("1", 1, _YEARS[year]), ae_row("2", 1, "10")])
    # then 2021 again, after the later exercices: nothing changes
    _import(engine, tmp_path, 2021, [ae_row("1", 1, "1000"), ae_row("2", 1, "10")])
    assert _lines(engine) == [("1", 1, 2023, D("1100.00")), ("2", 1, 2023, D("10.00"))]


def test_report_flags_postes_whose_positive_amount_changed(engine, tmp_path):
    first = _import(
        engine, tmp_path, 2022, [ae_row("1", 1, "1000"), ae_row("2", 1, "500"), ae_row("3", 1, "7")]
    )
    assert "montant-ae-modifie" not in [p.code for p in first.problems]
    report = _import(
        engine,
        tmp_path,
        2023,
        [ae_row("1", 1, "1200"), ae_row("2", 1, "500"), ae_row("3", 1, "-2"), ae_row("4", 1, "9")],
    )
    flagged = [p for p in report.problems if p.code == "montant-ae-modifie"]
    assert [p.valeur for p in flagged] == ["EJ 1, poste 1"]  # same amount restated, or a correction: silent
    assert flagged[0].niveau == "avertissement"
    message = flagged[0].message.replace("\u202f", " ")
    assert "2022 : 1 000,00 €" in message and "2023 : 1 200,00 €" in message
    # order-free: importing the earlier exercice afterwards flags the same poste
    again = _import(
        engine, tmp_path, 2022, [ae_row("1", 1, "1000"), ae_row("2", 1, "500"), ae_row("3", 1, "7")]
    )
    assert [p.valeur for p in again.problems if p.code == "montant-ae-modifie"] == ["EJ 1, poste 1"]


def test_line_shows_the_amount_of_each_exercice_and_which_counts(settings, engine, tmp_path):
    _import(engine, tmp_path, 2021, [ae_row("1", 1, "1000")])
    _import(engine, tmp_path, 2022, [ae_row("1", 1, "-100")])
    _import(engine, tmp_path, 2023, [ae_row("1", 1, "1200")])
    with TestClient(create_app(settings)) as api:
        line_id = api.get("/api/v1/lignes").json()["lignes"][0]["id"]
        detail = api.get(f"/api/v1/lignes/{line_id}").json()
        assert detail["montant_ae"] == 1100.0
        assert detail["montants_par_exercice"] == [
            {"annee": 2021, "montant": 1000.0, "data_source": "REGION", "compte": False, "role": "remplace"},
            {"annee": 2022, "montant": -100.0, "data_source": "REGION", "compte": True, "role": "correction"},
            {"annee": 2023, "montant": 1200.0, "data_source": "REGION", "compte": True, "role": "retenu"},
        ]
        page = api.get(f"/lignes/{line_id}").text.replace("\u202f", " ")
        assert "Montant par exercice" in page
        assert "remplacé par le montant de 2023" in page
        assert "1 100,00" in page


def test_totals_equal_across_api_and_exports(settings, engine, tmp_path):
    _import(engine, tmp_path, 2022, [ae_row("1", 1, "1000"), ae_row("2", 1, "300"), ae_row("3", 1, "50")])
    _import(engine, tmp_path, 2023, [ae_row("1", 1, "1200"), ae_row("2", 1, "-30"), ae_row("4", 1, "8")])
    expected = 1200 + (300 - 30) + 50 + 8
    with TestClient(create_app(settings)) as api:
        total = api.get("/api/v1/lignes").json()["total"]
        assert total["montant_ae"] == pytest.approx(expected)
        grouped = api.get("/api/v1/lignes", params={"grouping": "annee"}).json()
        assert sum(g["montant_ae"] for g in grouped["groupes"]) == pytest.approx(expected)
        pivot = api.get("/api/v1/pivot", params={"lignes": "programme_code", "colonnes": "annee"}).json()
        assert pivot["total"] == pytest.approx(expected)
        text = api.get("/api/v1/exports/lignes.csv", params={"colonnes": "n_ej,montant_ae"}).content
        rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
        assert sum(float(r[1].replace(",", ".")) for r in rows[1:]) == pytest.approx(expected)
