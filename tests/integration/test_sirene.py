"""SIRENE import (beneficiaries of the SIRETs present), on generated data, on DuckDB and PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dataetat.demo.generator import generate
from dataetat.store.beneficiaires import import_sirene
from dataetat.store.chorus_import import ImportOptions, import_chorus

EXTRA_SIRET = "99999999900017"  # in the SIRENE files, in no financial line


def _rewrite(path: Path, change) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames, list(reader)
    rows = change(rows, header)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return generate(300, tmp_path_factory.mktemp("gen"))


@pytest.fixture
def imported(engine, generated, tmp_path):
    result = import_chorus(engine, [*generated.ae, *generated.cp], ImportOptions(region=generated.region))
    assert result.written
    # Private copies of the SIRENE files, to be edited by the tests.
    etab, ul = tmp_path / "StockEtablissement_utf8.csv", tmp_path / "StockUniteLegale_utf8.csv"
    etab.write_bytes(generated.sirene_etablissements.read_bytes())
    ul.write_bytes(generated.sirene_unites_legales.read_bytes())
    return engine, etab, ul


def _scalar_list(engine, sql: str) -> list:
    with engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql(sql).all()]


def test_import_sirene_keeps_only_present_sirets_and_fills_the_read_model(imported):
    engine, etab, ul = imported
    present = set(_scalar_list(engine, "SELECT siret FROM ae_annee UNION SELECT siret FROM cp"))
    with engine.connect() as conn:
        # a former commune code whose current commune is known
        former, current = conn.exec_driver_sql(
            """SELECT p.code_ancien, p.code_actuel FROM ref_commune_passage p
               JOIN ref_commune c ON c.code = p.code_actuel
               WHERE c.code_epci IS NOT NULL AND p.code_ancien <> p.code_actuel
                 AND NOT EXISTS (SELECT 1 FROM ref_commune c2 WHERE c2.code = p.code_ancien)
               ORDER BY p.code_ancien LIMIT 1"""
        ).one()
        commune = conn.exec_driver_sql(
            f"""SELECT c.code, c.label, d.code, d.label, r.code, r.label, e.code, e.label FROM ref_commune c
                JOIN ref_departement d ON d.code = c.code_departement JOIN ref_region r ON r.code = c.code_region
                JOIN ref_epci e ON e.code = c.code_epci WHERE c.code = '{current}'"""
        ).one()

    target = {}

    def etab_change(rows, header):
        in_lines = [r for r in rows if r["siret"] in present]
        target.update(in_lines[0])
        in_lines[0]["codeCommuneEtablissement"] = former
        extra = dict.fromkeys(header, "")
        extra.update(
            siren=EXTRA_SIRET[:9], nic=EXTRA_SIRET[9:], siret=EXTRA_SIRET, codeCommuneEtablissement="35238"
        )
        return [*rows, extra]

    def ul_change(rows, header):
        for r in rows:
            if r["siren"] == target["siren"]:
                r.update(
                    categorieJuridiqueUniteLegale="7210",
                    denominationUniteLegale="COMMUNE DE TEST",
                    nomUniteLegale="",
                )
        extra = dict.fromkeys(header, "")
        extra.update(
            siren=EXTRA_SIRET[:9], categorieJuridiqueUniteLegale="5710", denominationUniteLegale="HORS SUJET"
        )
        return [*rows, extra]

    _rewrite(etab, etab_change)
    _rewrite(ul, ul_change)
    with etab.open(encoding="utf-8") as f:
        in_file = {r["siret"] for r in csv.DictReader(f)}

    count, reports = import_sirene(engine, [etab, ul])

    assert all(r.valid for r in reports)
    assert [r.format for r in reports] == ["SIRENE StockEtablissement", "SIRENE StockUniteLegale"]
    kept = set(_scalar_list(engine, "SELECT siret FROM beneficiaire"))
    assert EXTRA_SIRET not in kept
    assert kept == in_file & present
    assert count == len(kept) > 0
    assert reports[0].lignes_lues == len(kept)
    with ul.open(encoding="utf-8") as f:
        sirens = {r["siren"] for r in csv.DictReader(f)}
    assert reports[1].lignes_lues == len(sirens & {s[:9] for s in present if s})

    siret = target["siret"]
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            f"""SELECT beneficiaire_denomination, beneficiaire_categorie_juridique, beneficiaire_categorie_juridique_type,
                       beneficiaire_commune_code, beneficiaire_commune_label, beneficiaire_departement_code,
                       beneficiaire_departement_label, beneficiaire_region_code, beneficiaire_region_label,
                       beneficiaire_epci_code, beneficiaire_epci_label
                FROM ligne WHERE beneficiaire_code = '{siret}'"""
        ).all()
        assert rows
        for r in rows:
            assert tuple(r[:3]) == ("COMMUNE DE TEST", "7210", "Collectivité")
            assert (r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10]) == commune
        # every line of a kept beneficiary has its commune and type
        missing = conn.exec_driver_sql(
            """SELECT COUNT(*) FROM ligne l JOIN beneficiaire b ON b.siret = l.beneficiaire_code
               WHERE l.beneficiaire_commune_code IS NULL OR l.beneficiaire_departement_code IS NULL
                  OR l.beneficiaire_denomination IS NULL"""
        ).scalar_one()
        assert missing == 0
        assert (
            conn.exec_driver_sql(
                "SELECT COUNT(*) FROM ligne WHERE beneficiaire_categorie_juridique_type IS NOT NULL"
            ).scalar_one()
            > 0
        )

    # importing again replaces the beneficiaries (same count, no duplicate)
    assert import_sirene(engine, [etab, ul])[0] == count
    assert _scalar_list(engine, "SELECT COUNT(*) FROM beneficiaire") == [count]


def test_unknown_file_is_invalid_and_nothing_is_written(imported, tmp_path):
    engine, etab, ul = imported
    other = tmp_path / "autre.csv"
    other.write_text("code,libelle\n35238,Rennes\n", "utf-8")
    before = _scalar_list(engine, "SELECT COUNT(*) FROM ligne WHERE beneficiaire_commune_code IS NOT NULL")
    count, reports = import_sirene(engine, [etab, other])
    assert count == 0
    assert [r.valid for r in reports] == [True, False]
    assert "format-inconnu" in [p.code for p in reports[1].problems]
    assert "StockEtablissement" in reports[1].problems[0].describe()
    assert _scalar_list(engine, "SELECT COUNT(*) FROM beneficiaire") == [0]
    assert (
        _scalar_list(engine, "SELECT COUNT(*) FROM ligne WHERE beneficiaire_commune_code IS NOT NULL")
        == before
    )
    # an empty file: an invalid report too, nothing written
    empty = tmp_path / "vide.csv"
    empty.write_text("", "utf-8")
    count, reports = import_sirene(engine, [etab, ul, empty])
    assert count == 0
    assert [r.valid for r in reports] == [True, True, False]
    assert [p.code for p in reports[2].problems] == ["fichier-vide"]
    assert _scalar_list(engine, "SELECT COUNT(*) FROM beneficiaire") == [0]
