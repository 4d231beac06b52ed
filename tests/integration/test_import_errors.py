"""Bad input: every file a comptable may give by mistake gets a clear French error, and the database
is left exactly as it was. Golden bad files are in tests/data/chorus/; big ones are generated here.

Every test using `engine` runs on DuckDB and on PostgreSQL.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import TEST_DATA
from tests.factories import REGIONAL_AE_HEADER, ae_row, preamble, snapshot, write_ae

from dataetat.model.enums import Kind
from dataetat.store.chorus_import import ImportOptions, ImportResult, import_chorus

GOLDEN = TEST_DATA / "chorus"
ROOT = Path(__file__).resolve().parents[2]

# Words that only a French message would hold (accents, typical words), to catch English leaks.
_FRENCH = re.compile(
    r"[éèêàùûôç«»]|\b(le|la|les|du|de|des|est|dans|pas|colonne|ligne|fichier)\b", re.IGNORECASE
)


@pytest.fixture
def seeded(engine, tmp_path):
    """A database that already holds one valid import, so that "unchanged" means something."""
    path = write_ae(tmp_path / "seed.csv", [ae_row("1999999999", 1, "1000"), ae_row("1999999999", 2, "500")])
    result = import_chorus(engine, [path], ImportOptions(region="53"))
    assert result.written
    return engine


def refused(engine, paths: list[Path], **options) -> ImportResult:
    """Import that must be refused: nothing written, database unchanged, every message French."""
    before = snapshot(engine)
    result = import_chorus(engine, paths, ImportOptions(**options))
    assert not result.written
    assert not result.valid
    assert snapshot(engine) == before
    for report in result.reports:
        for problem in report.problems:
            assert _FRENCH.search(problem.message), problem.message
            assert problem.fichier == report.fichier
    return result


def errors(result: ImportResult) -> list[tuple]:
    return [(p.ligne, p.colonne, p.code) for r in result.reports for p in r.errors]


def only_report(result: ImportResult):
    assert len(result.reports) == 1
    return result.reports[0]


# --- structure -------------------------------------------------------------------------------------


def test_empty_file(seeded, tmp_path):
    path = tmp_path / "vide.csv"
    path.write_bytes(b"")
    report = only_report(refused(seeded, [path], region="53"))
    assert report.triples() == [(None, None, "fichier-vide")]
    assert report.problems[0].message == "Le fichier est vide."
    assert "vide.csv" in report.problems[0].describe()


def test_blank_lines_only_is_empty(seeded, tmp_path):
    path = tmp_path / "blanc.csv"
    path.write_bytes(b"\n \r\n\n")
    assert only_report(refused(seeded, [path], region="53")).triples() == [(None, None, "fichier-vide")]


def test_header_only(seeded):
    report = only_report(refused(seeded, [GOLDEN / "ae_entete_seule.csv"], region="53"))
    assert report.triples() == [(8, None, "aucune-ligne")]
    assert "aucune ligne de données" in report.problems[0].message


def test_pdf_renamed_csv(seeded):
    report = only_report(refused(seeded, [GOLDEN / "document_pdf.csv"], region="53"))
    assert report.triples() == [(None, None, "fichier-non-texte")]
    assert "PDF" in report.problems[0].message
    assert "n'est pas un fichier texte" in report.problems[0].message


def test_excel_renamed_csv(seeded, tmp_path):
    path = tmp_path / "classeur.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64)
    report = only_report(refused(seeded, [path], region="53"))
    assert report.triples() == [(None, None, "fichier-non-texte")]
    assert "Excel" in report.problems[0].message


def test_windows_1252_file(seeded):
    report = only_report(refused(seeded, [GOLDEN / "ae_windows1252.csv"], region="53", annee=2023))
    assert report.triples() == [(1, None, "encodage-invalide")]
    message = report.problems[0].message
    assert "0xfb" in message  # the û of "Centre de coûts"
    assert "UTF-8" in message and "Windows-1252" in message


def test_latin1_file_with_preamble(seeded, tmp_path):
    valid = write_ae(tmp_path / "utf8.csv", [ae_row("1", 1, "10")])
    path = tmp_path / "latin1.csv"
    path.write_bytes(valid.read_text("utf-8").encode("latin-1"))
    report = only_report(refused(seeded, [path], region="53"))
    assert report.triples() == [(1, None, "encodage-invalide")]  # "Vue détaillée" on line 1
    assert "0xe9" in report.problems[0].message


def test_semicolon_separator(seeded):
    report = only_report(refused(seeded, [GOLDEN / "ae_point_virgule.csv"], region="53"))
    assert report.triples() == [(8, None, "separateur-invalide")]
    assert "point-virgule" in report.problems[0].message and "« , »" in report.problems[0].message


def test_not_a_chorus_export(seeded):
    path = TEST_DATA / "chorus" / "referentiels" / "ref_regions.csv"
    report = only_report(refused(seeded, [path], region="53"))
    assert report.triples() == [(None, None, "format-inconnu")]
    assert "en-tête" in report.problems[0].message


def _with_header(tmp_path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path = tmp_path / "entete.csv"
    lines = [*preamble(2023, "Engagement", len(header)), ",".join(header), *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _rows(n: int = 3) -> list[list[str]]:
    return [ae_row(str(2100000000 + i), 1, "10").split(",") for i in range(n)]


def test_missing_column(seeded, tmp_path):
    header = REGIONAL_AE_HEADER.split(",")
    drop = header.index("Localisation interministérielle")
    path = _with_header(
        tmp_path, header[:drop] + header[drop + 1 :], [r[:drop] + r[drop + 1 :] for r in _rows()]
    )
    report = only_report(refused(seeded, [path], region="53"))
    assert report.triples() == [(8, "Localisation interministérielle", "colonne-manquante")]
    assert report.problems[0].message == "Colonne manquante : « Localisation interministérielle »."


def test_extra_column(seeded, tmp_path):
    header = REGIONAL_AE_HEADER.split(",") + ["Commentaire"]
    path = _with_header(tmp_path, header, [r + ["x"] for r in _rows()])
    report = only_report(refused(seeded, [path], region="53"))
    assert report.triples() == [(8, None, "colonne-inattendue")]
    assert report.problems[0].valeur == "Commentaire"
    assert report.problems[0].message == "Colonne inattendue : « Commentaire »."


def test_renamed_column(seeded):
    report = only_report(refused(seeded, [GOLDEN / "ae_colonne_renommee.csv"], region="53"))
    assert report.triples() == [
        (8, None, "colonne-inattendue"),
        (8, "Compte budgétaire", "colonne-manquante"),
    ]
    assert "« Budget »" in report.problems[0].message


def test_amount_column_matched_by_meaning(engine, tmp_path):
    """ "EUR" renamed "Montant" is the same column: accepted."""
    header = REGIONAL_AE_HEADER.split(",")
    header[-1] = "Montant engagé - Bascule des EJ non soldés"
    path = _with_header(tmp_path, header, _rows(2))
    result = import_chorus(engine, [path], ImportOptions(region="53"))
    assert result.written and result.reports[0].somme_ae == Decimal("20.00")


def test_ae_file_where_cp_expected(seeded):
    path = GOLDEN / "ae_siret_invalide.csv"
    report = only_report(refused(seeded, [path], region="53", expected_kind=Kind.CP))
    assert report.triples() == [(None, None, "type-fichier-inattendu")]
    assert report.problems[0].message == (
        "Ce fichier est un fichier d'engagements (AE) ; un fichier de paiements (CP) est attendu."
    )


def test_cp_file_where_ae_expected(seeded):
    path = TEST_DATA / "chorus" / "regional" / "financial_cp.csv"
    report = only_report(refused(seeded, [path], region="53", expected_kind=Kind.AE))
    assert report.triples() == [(None, None, "type-fichier-inattendu")]
    assert "paiements (CP)" in report.problems[0].message


# --- rows ------------------------------------------------------------------------------------------


def test_unparseable_amounts_and_dates(seeded):
    report = only_report(refused(seeded, [GOLDEN / "ae_montants_dates_invalides.csv"], region="53"))
    assert sorted(report.triples()) == sorted(
        [
            (12, "Montant (EUR)", "montant-invalide"),
            (13, "Montant (EUR)", "montant-invalide"),
            (14, "Date de réplication", "date-invalide"),
            (14, "Date de dernière modif. de l'EJ", "date-invalide"),
            (15, "Date de réplication", "date-invalide"),
            (15, "Date de dernière modif. de l'EJ", "date-invalide"),
        ]
    )
    by_line = {(p.ligne, p.colonne): p for p in report.problems}
    assert (
        by_line[(12, "Montant (EUR)")].message
        == "Montant illisible « 12,3,4 » dans la colonne « Montant (EUR) »."
    )
    assert by_line[(13, "Montant (EUR)")].valeur == "abc"
    assert by_line[(14, "Date de réplication")].message == (
        "Date illisible « 31.02.2023 » dans la colonne « Date de réplication » (attendu jj.mm.aaaa)."
    )
    assert by_line[(15, "Date de réplication")].valeur == "2023/13/45"
    assert (
        by_line[(12, "Montant (EUR)")].describe().startswith("ae_montants_dates_invalides.csv, ligne 12 : ")
    )
    assert (report.lignes_lues, report.lignes_rejetees) == (7, 4)


def test_missing_required_value(seeded, tmp_path):
    path = write_ae(tmp_path / "a.csv", [ae_row("1", 1, "10"), ae_row("#", 1, "10"), ae_row("3", 1, "")])
    report = only_report(refused(seeded, [path], region="53"))
    assert sorted(report.triples()) == [
        (10, "N° EJ", "valeur-manquante"),
        (11, "Montant (EUR)", "valeur-manquante"),
    ]
    assert "obligatoire" in report.problems[0].message


def test_invalid_siret_is_a_warning_and_the_line_is_kept(engine):
    result = import_chorus(engine, [GOLDEN / "ae_siret_invalide.csv"], ImportOptions(region="53"))
    assert result.written
    report = only_report(result)
    assert [t for t in report.triples() if t[2] != "code-inconnu"] == [(12, "Code taxe 1", "siret-invalide")]
    problem = report.warnings[0]
    assert problem.niveau == "avertissement"
    assert problem.message == "« ABC » n'est pas un SIRET (14 chiffres) : ligne gardée sans bénéficiaire."
    assert (report.lignes_lues, report.lignes_importees, report.lignes_rejetees) == (4, 4, 0)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT beneficiaire_code, montant_ae FROM ligne WHERE n_ej = '2100000008'")
        ).one()
    assert row == (None, Decimal("5.00"))


def test_wrong_number_of_columns(seeded):
    report = only_report(refused(seeded, [GOLDEN / "ae_nombre_colonnes.csv"], region="53"))
    assert report.triples() == [(11, None, "nombre-colonnes")]
    assert "3 colonnes au lieu de 18" in report.problems[0].message


def test_truncated_in_quoted_field(seeded):
    report = only_report(refused(seeded, [GOLDEN / "ae_tronque.csv"], region="53"))
    assert report.triples() in ([(12, None, "fichier-tronque")], [(12, None, "nombre-colonnes")])
    assert "ligne 12" in report.problems[0].describe()


def test_bom_accepted(engine):
    result = import_chorus(engine, [GOLDEN / "ae_bom_crlf.csv"], ImportOptions(region="53"))
    assert result.written and result.valid
    report = only_report(result)
    assert (report.lignes_lues, report.lignes_importees, report.somme_ae) == (3, 3, Decimal("30.00"))


def test_crlf_accepted(engine, tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes(
        write_ae(tmp_path / "a.csv", [ae_row("1", 1, '"1 234,50"'), ae_row("2", 1, "5")])
        .read_bytes()
        .replace(b"\n", b"\r\n")
    )
    result = import_chorus(engine, [path], ImportOptions(region="53"))
    assert result.written
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT n_ej, montant_ae FROM ligne ORDER BY n_ej")).all()
    assert rows == [("1", Decimal("1234.50")), ("2", Decimal("5.00"))]


# --- options ---------------------------------------------------------------------------------------


def test_missing_region_for_regional_file(seeded):
    report = only_report(refused(seeded, [GOLDEN / "ae_siret_invalide.csv"]))
    assert report.triples() == [(None, None, "region-manquante")]
    assert "précisez-la (--region 53)" in report.problems[0].message


def test_region_given_for_national_file(seeded):
    report = only_report(refused(seeded, [TEST_DATA / "chorus" / "national" / "aife_cp.csv"], region="53"))
    assert report.triples() == [(None, None, "region-manquante")]
    assert "n'indiquez pas --region" in report.problems[0].message


def test_missing_exercice(seeded, tmp_path):
    path = write_ae(tmp_path / "sans_exercice.csv", [ae_row("1", 1, "10")], exercice="")
    report = only_report(refused(seeded, [path], region="53"))
    assert report.triples() == [(None, None, "exercice-manquant")]
    assert "précisez-le (--annee 2024)" in report.problems[0].message


def test_missing_exercice_national_ae(seeded):
    report = only_report(refused(seeded, [TEST_DATA / "chorus" / "national" / "aife_ae.csv"]))
    assert report.triples() == [(None, None, "exercice-manquant")]


def test_one_bad_file_refuses_all(seeded, tmp_path):
    good = write_ae(tmp_path / "bon.csv", [ae_row("1", 1, "10")])
    result = refused(seeded, [good, GOLDEN / "document_pdf.csv"], region="53")
    assert errors(result) == [(None, None, "fichier-non-texte")]


# --- a 1 GB line -----------------------------------------------------------------------------------

GIGA = 1 << 30
_CHUNK = b"A" * (16 << 20)


def _write_huge(path: Path, head: bytes) -> Path:
    with path.open("wb") as f:
        f.write(head)
        for _ in range(GIGA // len(_CHUNK)):
            f.write(_CHUNK)
        f.write(b"\n")
    return path


@pytest.fixture(scope="module")
def huge_single_line(tmp_path_factory) -> Path:
    return _write_huge(tmp_path_factory.mktemp("huge") / "une_ligne.csv", b"")


@pytest.fixture(scope="module")
def huge_data_line(tmp_path_factory) -> Path:
    head = "\n".join([*preamble(2023, "Engagement", 18), REGIONAL_AE_HEADER, ae_row("1", 1, "10")]) + "\n"
    return _write_huge(tmp_path_factory.mktemp("huge") / "ligne_enorme.csv", head.encode())


_CHILD = """
import json, resource, sys
from pathlib import Path
from dataetat.settings import Settings
from dataetat.store.engine import make_engine
from dataetat.store.chorus_import import ImportOptions, import_chorus
engine = make_engine(Settings(database_url=sys.argv[1]))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = import_chorus(engine, [Path(sys.argv[2])], ImportOptions(region="53"))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"written": result.written, "triples": [r.triples() for r in result.reports],
                  "messages": [p.message for r in result.reports for p in r.problems],
                  "extra_mb": (after - before) / 1024}))
"""


def _import_in_child(engine, path: Path) -> dict:
    """Import in a fresh process, so that its peak memory is the import's own."""
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()  # a DuckDB file belongs to one process
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, url, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_one_gigabyte_single_line(seeded, huge_single_line):
    before = snapshot(seeded)
    child = _import_in_child(seeded, huge_single_line)
    assert child["written"] is False
    assert child["triples"] == [[[1, None, "ligne-trop-longue"]]]
    assert "Ligne trop longue" in child["messages"][0]
    assert child["extra_mb"] < 200, child
    assert snapshot(seeded) == before


def test_one_gigabyte_data_line(seeded, huge_data_line):
    before = snapshot(seeded)
    child = _import_in_child(seeded, huge_data_line)
    assert child["extra_mb"] < 200, child
    assert snapshot(seeded) == before
    assert child["written"] is False
    assert child["triples"] == [[[10, None, "ligne-trop-longue"]]]


def test_one_gigabyte_data_line_memory(seeded, huge_data_line):
    """Whatever the verdict, reading a 1 GB line must not load it whole."""
    child = _import_in_child(seeded, huge_data_line)
    assert child["extra_mb"] < 200, child
