"""Header detection of every real sample file, and column matching by meaning (no database)."""

from __future__ import annotations

import pytest
from tests.conftest import TEST_DATA
from tests.factories import REGIONAL_AE_HEADER, REGIONAL_CP_HEADER, ae_row, write_ae

from dataetat.ingest.columns import LAYOUTS, match_header, normalise_label
from dataetat.ingest.detect import detect, split_aife
from dataetat.ingest.problems import FileUnreadable, Report
from dataetat.model.enums import Kind

CHORUS = TEST_DATA / "chorus"


@pytest.mark.parametrize(
    ("relpath", "fmt", "kind", "header_line", "exercice"),
    [
        ("regional/chorus_ae.csv", "regional", Kind.AE, 8, None),  # its preamble says "GFFF"
        ("regional/financial_cp.csv", "regional", Kind.CP, 8, 2023),
        ("national/aife_ae.csv", "aife", Kind.AE, 1, None),
        ("national/aife_cp.csv", "aife", Kind.CP, 1, None),
        ("national-pipe/ej_data_etat_quot_2024-09-26.csv", "pipe", Kind.AE, 1, None),
        ("national-pipe/dp_data_etat_quot_2024-09-26.csv", "pipe", Kind.CP, 1, None),
    ],
)
def test_real_samples_detected(relpath, fmt, kind, header_line, exercice):
    path = CHORUS / relpath
    report = Report(path.name)
    det = detect(path, report)
    assert (det.format, det.kind, det.header_line, det.exercice) == (fmt, kind, header_line, exercice)
    assert det.layout is LAYOUTS[(fmt, kind)]
    assert report.valid and report.problems == []
    assert report.kind == kind.value and report.format == det.layout.name
    # every layout column is found in the header
    assert set(det.layout.columns) <= set(det.names)


@pytest.mark.parametrize(
    ("relpath", "expected", "other"),
    [
        ("regional/chorus_ae.csv", Kind.AE, Kind.CP),
        ("national/aife_cp.csv", Kind.CP, Kind.AE),
        ("national-pipe/ej_data_etat_quot_2024-09-26.csv", Kind.AE, Kind.CP),
    ],
)
def test_expected_kind(relpath, expected, other):
    path = CHORUS / relpath
    assert detect(path, Report(path.name), expected).kind == expected
    report = Report(path.name)
    with pytest.raises(FileUnreadable):
        detect(path, report, other)
    assert [p.code for p in report.problems] == ["type-fichier-inattendu"]


def test_exercice_from_preamble(tmp_path):
    path = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "10")], exercice=2021)
    det = detect(path, Report("ae.csv"))
    assert (det.format, det.kind, det.header_line, det.exercice, det.bom) == (
        "regional",
        Kind.AE,
        8,
        2021,
        False,
    )


def test_bom_is_noticed(tmp_path):
    path = tmp_path / "ae.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (REGIONAL_AE_HEADER + "\n" + ae_row("1", 1, "10") + "\n").encode())
    det = detect(path, Report("ae.csv"))
    assert det.bom and det.header_line == 1 and det.kind == Kind.AE


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("Montant engagé - Bascule des EJ non soldés", "montant"),
        ("Montant engagé (EUR)", "montant"),
        ("Montant payé (EUR)", "montant"),
        ("EUR", "montant"),
        ("N° EJ", "n_ej"),
        ("N° poste EJ", "n_poste_ej"),
        ("N° DP - Clé (non composée)", "n_dp"),
        ("N° poste DP", "n_poste_dp"),
        ("Centre financier - Programme (Clé)", "programme"),
        ("Programme", "programme"),
        ("Centre financier - Clé (non composée)", "centre_financier"),
        ("Centre de coûts - Clé (non composée)", "centre_couts"),
        ("Centre de couts", "centre_couts"),
        ("Référentiel de programmation - Clé (non composée)", "referentiel_programmation"),
        ("Domaine fonctionnel - Clé", "domaine_fonctionnel"),
        ("Code taxe 1", "siret"),
        ("Fournisseur titulaire principal (EJ) - Code taxe 1 (Clé)", "siret"),
        ("N° EJ - Date de réplication (Clé)", "date_replication"),
        ("Date de dernière modif. de l'EJ", "date_modification_ej"),
        ("Date de base de la DP", "date_base_dp"),
        ("Date comptable du SF", "date_sf"),
        ("Compte budgétaire - Clé (non composée)", "compte_budgetaire"),
        ("Groupe de marchandises - Clé", "groupe_marchandise"),
        ("Localisation interministérielle - Clé", "localisation_interministerielle"),
        ("Société - Clé", "societe"),
        ("Exercice comptable - Clé (non composée)", "exercice_comptable"),
        ("Budget", None),
        ("Libellé quelconque", None),
    ],
)
def test_column_matched_by_meaning(label, name):
    assert match_header([label]) == [name]


def test_repeated_label_takes_second_name():
    names = match_header(
        [
            "Fournisseur payé (DP)",
            "Fournisseur payé (DP)",
            "Contrat de projet Etat-Region",
            "Contrat de projet Etat-Region",
        ]
    )
    assert names == [
        "fournisseur_code",
        "fournisseur_label",
        "contrat_etat_region",
        "contrat_etat_region_label",
    ]


def test_regional_headers_match_layouts():
    assert tuple(match_header(REGIONAL_AE_HEADER.split(","))) == LAYOUTS[("regional", Kind.AE)].columns
    assert tuple(match_header(REGIONAL_CP_HEADER.split(","))) == LAYOUTS[("regional", Kind.CP)].columns


def test_normalise_label():
    assert normalise_label("Centre de coûts - Clé (non composée)") == "centre de couts"
    assert normalise_label("N° EJ") == "n ej"


def test_split_aife_keeps_unescaped_quotes_and_semicolons():
    line = '"0354";"AGENCE; NATIONALE "DES TITRES"";"XXX ";P BBB"";"12,5"\r\n'
    assert split_aife(line) == ["0354", 'AGENCE; NATIONALE "DES TITRES"', 'XXX ";P BBB"', "12,5"]


def test_not_a_chorus_file(tmp_path):
    path = CHORUS / "referentiels" / "ref_regions.csv"
    report = Report(path.name)
    with pytest.raises(FileUnreadable):
        detect(path, report)
    assert report.triples() == [(None, None, "format-inconnu")]
