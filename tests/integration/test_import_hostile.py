"""Hostile or damaged Chorus files (issue 15, items 4, 8, 9, 10, 12): every one is refused with a
French error naming file, line, column and value — or, for a harmless oddity, imported with a
warning — never a traceback, never a lost row, and a refused file leaves the base as it was.

The files are written by code (tests/hostile_files.py holds the generators); every test using
`engine` runs on DuckDB and on PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from tests import hostile_files as hf
from tests.factories import ae_row, snapshot, write_ae
from tests.integration.test_import_errors import only_report, refused

from dataetat.store.chorus_import import ImportOptions, import_chorus


def imported(engine, path, **options):
    result = import_chorus(engine, [path], ImportOptions(**options))
    assert result.written, [p.describe() for r in result.reports for p in r.problems]
    return only_report(result)


# --- 15.4 a row silently lost ----------------------------------------------------------------------


@pytest.mark.parametrize("separator", ["\u2028", "\x0c", "\x85", "\x1c", "\v"])
def test_line_separator_in_preamble_loses_no_row(engine, tmp_path, separator):
    path = hf.regional_sample(tmp_path / "echantillon.csv", preamble_extra=separator + "x")
    report = imported(engine, path, region="53")
    assert (report.lignes_lues, report.lignes_importees) == (3, 3)
    assert report.somme_ae == hf.SAMPLE_TOTAL
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT SUM(montant_ae) FROM ligne")).scalar_one() == hf.SAMPLE_TOTAL


def test_line_separator_in_data_row_is_kept_in_its_row(engine, tmp_path):
    path = hf.regional_sample(tmp_path / "echantillon.csv", label_extra="\u2028")
    report = imported(engine, path, region="53")
    assert (report.lignes_lues, report.somme_ae) == (3, hf.SAMPLE_TOTAL)


def test_lone_carriage_return_in_preamble_loses_no_row(engine, tmp_path):
    path = hf.regional_sample(tmp_path / "echantillon.csv", preamble_extra="\rx")
    report = imported(engine, path, region="53")
    assert (report.lignes_lues, report.somme_ae) == (3, hf.SAMPLE_TOTAL)


# --- 15.10 line numbers with blank lines -----------------------------------------------------------


def test_blank_lines_keep_line_numbers(engine, tmp_path):
    path = hf.blank_lines_then_bad_amount(tmp_path / "blancs.csv")
    report = only_report(refused(engine, [path], region="53"))
    assert report.triples() == [(12, "Montant (EUR)", "montant-invalide")]
    assert report.problems[0].valeur == "douze"
    assert report.problems[0].describe().startswith("blancs.csv, ligne 12 : ")


def test_blank_lines_valid_file_counts_rows(engine, tmp_path):
    rows = [ae_row("1", 1, "10"), "", ae_row("2", 1, "20"), "   ", ae_row("3", 1, "30"), ""]
    report = imported(engine, write_ae(tmp_path / "blancs.csv", rows), region="53")
    assert (report.lignes_lues, report.somme_ae) == (3, Decimal("60.00"))


# --- 15.8 amounts the base cannot hold, NUL bytes --------------------------------------------------


@pytest.mark.parametrize("after_256k", [False, True])
def test_amount_of_17_digits(engine, tmp_path, after_256k):
    path, line = hf.big_amount(tmp_path / "gros.csv", after_256k=after_256k)
    report = only_report(refused(engine, [path], region="53"))
    assert report.triples() == [(line, "Montant (EUR)", "montant-trop-grand")]
    assert report.problems[0].message == (
        "Montant « 10000000000000000 » trop grand dans la colonne « Montant (EUR) » : "
        "au plus 16 chiffres avant la virgule."
    )


def test_sum_of_one_poste_overflows(engine, tmp_path):
    path = hf.sum_overflow(tmp_path / "somme.csv")
    report = only_report(refused(engine, [path], region="53"))
    assert report.triples() == [(9, "Montant", "somme-trop-grande")]
    message = report.problems[0].message
    assert "EJ 2100000001 poste 1 (2 lignes)" in message and "9 999 999 999 999 999,99 €" in message


def test_sum_overflow_refused_even_with_rejets(engine, tmp_path):
    path = hf.sum_overflow(tmp_path / "somme.csv")
    report = only_report(refused(engine, [path], region="53", rejets=tmp_path / "rejets.csv"))
    assert [t[2] for t in report.triples()] == ["somme-trop-grande"]


def test_file_total_overflows(engine, tmp_path):
    rows = [ae_row(str(2100000000 + i), 1, "9000000000000000") for i in range(3)]
    report = only_report(refused(engine, [write_ae(tmp_path / "total.csv", rows)], region="53"))
    assert report.triples() == [(9, "Montant", "somme-trop-grande")]
    assert "du fichier" in report.problems[0].message


@pytest.mark.parametrize("after_256k", [False, True])
def test_nul_byte_in_a_label(engine, tmp_path, after_256k):
    path, line = hf.nul_in_label(tmp_path / "nul.csv", after_256k=after_256k)
    report = only_report(refused(engine, [path], region="53"))
    if not after_256k:  # seen by the detection, like any binary file
        assert report.triples() == [(None, None, "fichier-non-texte")]
        return
    assert report.triples() == [(line, "Fournisseur (libellé)", "caractere-nul")]
    assert "Caractère nul" in report.problems[0].message
    assert "\x00" not in report.problems[0].message


# --- 15.9 control characters -----------------------------------------------------------------------


def test_control_character_replaced_and_reported(engine, tmp_path):
    path = write_ae(
        tmp_path / "esc.csv", [ae_row("1", 1, "10"), hf.ae_row_with_label("2", "ATLAS\x1b[31m ROUGE")]
    )
    report = imported(engine, path, region="53")
    warnings = [(p.ligne, p.code) for p in report.warnings if p.code != "code-inconnu"]
    assert warnings == [(10, "caractere-controle")]
    problem = next(p for p in report.warnings if p.code == "caractere-controle")
    assert problem.valeur == "ATLAS [31m ROUGE"
    assert problem.colonne == "Fournisseur (libellé)"
    with engine.connect() as conn:
        labels = conn.execute(
            sa.text("SELECT fournisseur_label FROM ae_annee ORDER BY ligne_fichier")
        ).scalars()
        assert list(labels)[1] == "ATLAS [31m ROUGE"


# --- 15.12 accepted but wrong ----------------------------------------------------------------------


@pytest.mark.parametrize("annee", [2999, 0, -5, 1999])
def test_year_option_outside_accepted_range(engine, tmp_path, annee):
    path = write_ae(tmp_path / "a.csv", [ae_row("1", 1, "10")])
    report = only_report(refused(engine, [path], region="53", annee=annee, annees=(2000, 2027)))
    assert report.triples() == [(None, "--annee", "annee-hors-limites")]
    assert report.problems[0].message == (
        f"Année « {annee} » refusée : les années acceptées vont de 2000 à 2027 (réglages annee_min et annee_max)."
    )


def test_year_in_preamble_outside_accepted_range(engine, tmp_path):
    path = write_ae(tmp_path / "a.csv", [ae_row("1", 1, "10")], exercice=2999)
    report = only_report(refused(engine, [path], region="53"))
    assert report.triples() == [(None, "préambule", "annee-hors-limites")]


def test_default_year_range_is_2000_to_next_year(engine, tmp_path):
    from datetime import date

    from dataetat.settings import Settings, annees_acceptees

    assert annees_acceptees(Settings()) == (2000, date.today().year + 1)
    assert annees_acceptees(Settings(annee_min=2010, annee_max=2030)) == (2010, 2030)


@pytest.mark.parametrize("region", ["99", "'; DROP TABLE ligne;--", "5", "530", "AB"])
def test_region_outside_referential(engine, tmp_path, region):
    path = write_ae(tmp_path / "a.csv", [ae_row("1", 1, "10")])
    report = only_report(refused(engine, [path], region=region))
    assert report.triples() == [(None, None, "region-invalide")]
    assert report.problems[0].message == (
        f"Région « {region} » refusée : attendu le code INSEE d'une région du référentiel "
        "(par exemple 53 pour la Bretagne)."
    )


def test_region_with_leading_zero_accepted(engine, tmp_path):
    path = write_ae(tmp_path / "a.csv", [ae_row("1", 1, "10")])
    imported(engine, path, region="053")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT DISTINCT source_region FROM ligne")).scalars().all() == ["53"]


def test_amount_with_three_decimals_refused(engine, tmp_path):
    path = write_ae(
        tmp_path / "a.csv", [ae_row("1", 1, "10"), ae_row("2", 1, '"1,005"'), ae_row("3", 1, '"2,500"')]
    )
    report = only_report(refused(engine, [path], region="53"))
    assert report.triples() == [(10, "Montant (EUR)", "montant-decimales")]
    assert report.problems[0].message == (
        "Montant « 1,005 » avec plus de deux décimales dans la colonne « Montant (EUR) » : "
        "les montants sont au centime, arrondissez-le dans le fichier."
    )


@pytest.mark.parametrize("row", [1, 2])
@pytest.mark.parametrize("megabytes", [2, 9])
def test_label_over_one_megabyte(engine, tmp_path, row, megabytes):
    path, line = hf.huge_label(tmp_path / "long.csv", row=row, megabytes=megabytes)
    report = only_report(refused(engine, [path], region="53"))
    assert report.triples() == [(line, None, "ligne-trop-longue")]
    assert "Ligne trop longue" in report.problems[0].message


def test_label_under_one_megabyte_on_first_row_accepted(engine, tmp_path):
    path, _ = hf.huge_label(tmp_path / "long.csv", row=1, megabytes=0.5)
    report = imported(engine, path, region="53")
    assert report.lignes_lues == 2


def test_refused_file_leaves_base_unchanged(engine, tmp_path):
    seed = write_ae(tmp_path / "seed.csv", [ae_row("1999999999", 1, "1000")])
    imported(engine, seed, region="53")
    before = snapshot(engine)
    path = hf.regional_sample(tmp_path / "e.csv", preamble_extra="x", exercice=2999)
    refused(engine, [path], region="53")
    assert snapshot(engine) == before


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv"])
def test_export_of_a_label_with_control_characters(engine, tmp_path, fmt):
    """Data imported before the importer cleaned control characters still exports (openpyxl refused
    ESC: a 500 and a failed export job)."""
    import openpyxl
    from python_calamine import CalamineWorkbook

    from dataetat import exports
    from dataetat.query.params import SearchParams

    imported(engine, write_ae(tmp_path / "a.csv", [ae_row("1", 1, "10")]), region="53")
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE ligne SET beneficiaire_denomination = :v"), {"v": "ATLAS\x1b[31m\x0bROUGE"}
        )
    target = tmp_path / f"lignes.{fmt}"
    with engine.connect() as conn:
        exports.export(conn, fmt, target, SearchParams(), None, ["n_ej", "beneficiaire_denomination"])
    if fmt == "xlsx":
        rows = list(openpyxl.load_workbook(target, read_only=True).worksheets[0].iter_rows(values_only=True))
    elif fmt == "ods":
        rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    else:
        rows = [line.split(";") for line in target.read_bytes().decode("utf-8-sig").split("\r\n")]
    expected = "ATLAS [31m ROUGE" if fmt != "csv" else "ATLAS\x1b[31m\x0bROUGE"
    assert rows[1][1] == expected


def test_sum_across_years_overflows_with_the_base(engine, tmp_path):
    """Each year fits, the line's montant AE would not: two corrections of -9 × 10^15 (the rule of
    AE across exercices keeps one positive amount, the latest, but adds every negative correction):
    refused, base unchanged."""
    first = write_ae(tmp_path / "a2022.csv", [ae_row("2100000001", 1, "-9000000000000000")], exercice=2022)
    imported(engine, first, region="53")
    second = write_ae(tmp_path / "a2023.csv", [ae_row("2100000001", 1, "-9000000000000000")], exercice=2023)
    report = only_report(refused(engine, [second], region="53"))
    assert report.triples() == [(None, "Montant", "somme-trop-grande")]
    assert "avec les données déjà importées" in report.problems[0].message


# --- other sources (15.8, 15.12, 15.16) ------------------------------------------------------------


def _source_refused(engine, kind, path):
    from dataetat.store.sources_import import import_source

    before = snapshot(engine)
    result = import_source(engine, kind, path)
    assert not result.written
    assert snapshot(engine) == before
    return result.report


def test_sources_hostile_files(engine, tmp_path):
    cases = [
        (
            "ademe",
            hf.write_ademe(
                tmp_path / "a1.csv", [hf.ademe_row("R1", "10"), hf.ademe_row("R2", "10000000000000000")]
            ),
            [(3, "montant", "montant-trop-grand", "10000000000000000")],
        ),
        (
            "ademe",
            hf.write_ademe(tmp_path / "a2.csv", [hf.ademe_row("R1", "10", date="3000-01-01")]),
            [(2, "dateConvention", "annee-hors-limites", "3000-01-01")],
        ),
        (
            "ademe",
            hf.write_ademe(tmp_path / "a3.csv", [hf.ademe_row("R1", "1.005")]),
            [(2, "montant", "montant-decimales", "1.005")],
        ),
        (
            "ademe",
            hf.write_ademe(
                tmp_path / "a4.csv",
                [hf.ademe_row("R1", "9000000000000000"), hf.ademe_row("R2", "9000000000000000")],
            ),
            [(2, "montant", "somme-trop-grande", "18000000000000000.00")],
        ),
        (
            "qpv-lieu-action",
            hf.write_lieu_action(
                tmp_path / "l.csv",
                ["2023,A1,1,QN05301M,,100,Action,", "deux mille,A1,2,QN05301M,,100,Action,"],
            ),
            [(3, "annee_exercice", "entier-invalide", "deux mille")],
        ),
        (
            "tags",
            hf.tags_file(tmp_path / "t.csv", "<script>alert(1)</script>"),
            [(2, "tags", "tag-invalide", "<script>alert(1)</script>")],
        ),
        (
            "tags",
            hf.tags_file(tmp_path / "t2.csv", "Fonds_Vert"),
            [(2, "tags", "tag-invalide", "Fonds_Vert")],
        ),
    ]
    for kind, path, expected in cases:
        report = _source_refused(engine, kind, path)
        got = [(p.ligne, p.colonne, p.code, p.valeur) for p in report.errors]
        assert got == expected, (path.name, got)
        assert all(p.describe().startswith(path.name + ", ligne ") for p in report.errors)


def test_qpv_nested_geojson_and_zip_bomb(engine, tmp_path):
    report = _source_refused(engine, "qpv", hf.nested_geojson(tmp_path / "qpv.geojson"))
    assert report.triples() == [(None, None, "imbrication-trop-profonde")]
    assert "imbriquées sur des milliers de niveaux" in report.problems[0].message
    report = _source_refused(engine, "qpv", hf.zip_bomb(tmp_path / "qpv.zip", megabytes=600))
    assert report.triples() == [(None, None, "fichier-trop-gros")]
    assert "dépasserait 512 Mo" in report.problems[0].message
    assert not list(tmp_path.glob("dataetat-shapefile-*"))
