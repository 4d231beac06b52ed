"""Import semantics of DESIGN.md ("Import semantics"), one test per rule, on DuckDB and PostgreSQL."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from tests.conftest import TEST_DATA
from tests.factories import (
    AIFE_AE_HEADER,
    ae_row,
    aife_ae_row,
    cp_row,
    snapshot,
    write_ae,
    write_aife_ae,
    write_cp,
)

from dataetat.model.enums import Kind
from dataetat.store import readmodel
from dataetat.store.chorus_import import ImportOptions, import_chorus

ROOT = Path(__file__).resolve().parents[2]
NATIONAL = TEST_DATA / "chorus" / "national"
PIPE = TEST_DATA / "chorus" / "national-pipe"

_LINE_COLUMNS = "source, data_source, source_region, n_ej, n_poste_ej, n_dp, annee, montant_ae, montant_cp, nombre_cp, tags"


def lines(engine, where: str = "1 = 1") -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.exec_driver_sql(
                f"SELECT {_LINE_COLUMNS} FROM ligne WHERE {where} ORDER BY n_ej, n_poste_ej, source_region, n_dp"
            ).all()
        ]


def ok(engine, paths: list[Path], **options):
    result = import_chorus(engine, paths, ImportOptions(**options))
    assert result.written, [p.describe() for r in result.reports for p in r.errors]
    return result


AE = "FINANCIAL_DATA_AE"
CP = "FINANCIAL_DATA_CP"
D = Decimal


# --- whole file checked first ----------------------------------------------------------------------


def test_whole_file_checked_before_anything_is_written(engine, tmp_path):
    ok(engine, [write_ae(tmp_path / "avant.csv", [ae_row("1", 1, "10"), ae_row("2", 1, "20")])], region="53")
    ok(engine, [write_cp(tmp_path / "cp.csv", [cp_row("1", 1, "900", "4")])], region="53")
    before = snapshot(engine)
    rows = [ae_row(str(100 + i), 1, "5") for i in range(500)] + [ae_row("999", 1, "12 euros")]
    path = write_ae(tmp_path / "mauvais.csv", rows, exercice=2024)
    result = import_chorus(engine, [path], ImportOptions(region="53"))
    assert result.written is False
    assert snapshot(engine) == before
    report = result.reports[0]
    assert report.triples() == [(509, "Montant (EUR)", "montant-invalide")]
    assert "« 12 euros »" in report.problems[0].message
    assert (report.lignes_lues, report.lignes_rejetees) == (501, 1)


def test_rejets_imports_valid_rows_and_writes_rejected_ones(engine, tmp_path):
    rows = [
        ae_row("1", 1, "10"),
        ae_row("2", 1, "abc"),
        ae_row("3", 1, "30", date="31.02.2023"),
        ae_row("4", 1, "40"),
    ]
    path = write_ae(tmp_path / "ae.csv", rows)
    rejets = tmp_path / "rejets.csv"
    result = import_chorus(engine, [path], ImportOptions(region="53", rejets=rejets))
    assert result.written
    report = result.reports[0]
    assert (report.lignes_lues, report.lignes_importees, report.lignes_rejetees) == (4, 2, 2)
    assert report.somme_ae == D("50.00")
    assert [(r[3], r[7]) for r in lines(engine)] == [("1", D("10.00")), ("4", D("40.00"))]
    assert rejets.read_bytes().startswith(b"\xef\xbb\xbf")  # opens in Excel
    with rejets.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f, delimiter=";"))
    header, body = table[0], table[1:]
    assert header[:3] == ["Fichier", "Ligne", "Motif"]
    assert "Montant (EUR)" in header and "N° EJ" in header
    assert [(r[0], r[1]) for r in body] == [("ae.csv", "10"), ("ae.csv", "11")]
    row = dict(zip(header, body[0], strict=True))
    assert "montant-invalide" in row["Motif"] and "Montant (EUR)" in row["Motif"]
    assert (row["N° EJ"], row["Montant (EUR)"]) == ("2", "abc")
    row = dict(zip(header, body[1], strict=True))
    assert "date-invalide" in row["Motif"] and row["Date de réplication"] == "31.02.2023"


# --- keys and amounts ------------------------------------------------------------------------------


def test_ae_business_key_includes_region(engine, tmp_path):
    ok(engine, [write_ae(tmp_path / "53.csv", [ae_row("1", 1, "10")])], region="53")
    ok(engine, [write_ae(tmp_path / "52.csv", [ae_row("1", 1, "20")])], region="52")
    assert lines(engine) == [
        (AE, "REGION", "52", "1", 1, None, 2023, D("20.00"), D("0.00"), 0, None),
        (AE, "REGION", "53", "1", 1, None, 2023, D("10.00"), D("0.00"), 0, None),
    ]


def test_same_poste_twice_in_a_file_is_summed_and_zero_sum_dropped(engine, tmp_path):
    rows = [
        ae_row("1", 1, "10"),
        ae_row("1", 1, '"5,50"'),
        ae_row("2", 1, "100"),
        ae_row("2", 1, "-100"),
        ae_row("1", 2, "7"),
    ]
    ok(engine, [write_ae(tmp_path / "ae.csv", rows)], region="53")
    assert [(r[3], r[4], r[7]) for r in lines(engine)] == [("1", 1, D("15.50")), ("1", 2, D("7.00"))]


def test_ae_amounts_across_accounting_years_latest_positive_plus_corrections(engine, tmp_path):
    """The reference's rule; every case in tests/integration/test_ae_exercices.py."""
    ok(engine, [write_ae(tmp_path / "2022.csv", [ae_row("1", 1, "1000")], exercice=2022)], region="53")
    ok(engine, [write_ae(tmp_path / "2023.csv", [ae_row("1", 1, "200")], exercice=2023)], region="53")
    assert [(r[6], r[7]) for r in lines(engine)] == [(2023, D("200.00"))]
    ok(engine, [write_ae(tmp_path / "2024.csv", [ae_row("1", 1, "-100")], exercice=2024)], region="53")
    assert [(r[6], r[7]) for r in lines(engine)] == [(2023, D("100.00"))]
    with engine.connect() as conn:
        years = conn.exec_driver_sql("SELECT annee, montant FROM ae_annee ORDER BY annee").all()
    assert [tuple(y) for y in years] == [(2022, D("1000.00")), (2023, D("200.00")), (2024, D("-100.00"))]


def test_reimport_replaces_exactly_region_and_year(engine, tmp_path):
    def files(region, year, ae_amount, cp_amount, ej):
        return [
            write_ae(tmp_path / f"ae_{region}_{year}.csv", [ae_row(ej, 1, ae_amount)], exercice=year),
            write_cp(
                tmp_path / f"cp_{region}_{year}.csv", [cp_row(ej, 1, f"9{year}", cp_amount)], exercice=year
            ),
        ]

    ok(engine, files("53", 2022, "1000", "100", "22"), region="53")
    ok(engine, files("53", 2023, "2000", "200", "23"), region="53")
    ok(engine, files("52", 2023, "3000", "300", "23"), region="52")
    untouched = lines(engine, "NOT (source_region = '53' AND annee = 2022)")
    assert len(untouched) == 2
    # 2022 of région 53 again, different content: another EJ, and a CP on the 2023 EJ
    ok(
        engine,
        [
            write_ae(
                tmp_path / "ae_53_2022_bis.csv",
                [ae_row("22", 1, "1500"), ae_row("24", 1, "10")],
                exercice=2022,
            ),
            write_cp(tmp_path / "cp_53_2022_bis.csv", [cp_row("22", 1, "92022", "150")], exercice=2022),
        ],
        region="53",
    )
    assert lines(engine, "NOT (source_region = '53' AND annee = 2022)") == untouched  # later CP kept
    assert lines(engine, "source_region = '53' AND annee = 2022") == [
        (AE, "REGION", "53", "22", 1, None, 2022, D("1500.00"), D("150.00"), 1, None),
        (AE, "REGION", "53", "24", 1, None, 2022, D("10.00"), D("0.00"), 0, None),
    ]
    with engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT annee, SUM(montant) FROM cp GROUP BY annee ORDER BY annee"
        ).all() == [(2022, D("150.00")), (2023, D("500.00"))]


# --- CP and AE -------------------------------------------------------------------------------------


def test_cp_before_its_ae_in_separate_imports(engine, tmp_path):
    ok(
        engine,
        [write_cp(tmp_path / "cp.csv", [cp_row("1", 1, "900", "40"), cp_row("1", 1, "901", "2")])],
        region="53",
    )
    assert lines(engine) == [
        (CP, "REGION", "53", "1", 1, "900", 2023, D("0.00"), D("40.00"), 1, "cp-orphelin"),
        (CP, "REGION", "53", "1", 1, "901", 2023, D("0.00"), D("2.00"), 1, "cp-orphelin"),
    ]
    ok(engine, [write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "100")])], region="53")
    assert lines(engine) == [(AE, "REGION", "53", "1", 1, None, 2023, D("100.00"), D("42.00"), 2, None)]


@pytest.mark.parametrize("order", ["cp-ae", "ae-cp"])
def test_cp_and_ae_in_one_call_any_order(engine, tmp_path, order):
    ae = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "100")])
    cp = write_cp(tmp_path / "cp.csv", [cp_row("1", 1, "900", "40")])
    ok(engine, [cp, ae] if order == "cp-ae" else [ae, cp], region="53")
    assert lines(engine) == [(AE, "REGION", "53", "1", 1, None, 2023, D("100.00"), D("40.00"), 1, None)]


def test_cp_without_ae_is_its_own_line(engine, tmp_path):
    path = write_cp(tmp_path / "cp.csv", [cp_row("7", 3, "900", '"12,5"'), cp_row("#", "#", "901", "8")])
    ok(engine, [path], region="53")
    assert lines(engine) == [
        (CP, "REGION", "53", "7", 3, "900", 2023, D("0.00"), D("12.50"), 1, "cp-orphelin"),
        (CP, "REGION", "53", None, None, "901", 2023, D("0.00"), D("8.00"), 1, "cp-orphelin"),
    ]


# --- NATION and REGION -----------------------------------------------------------------------------


@pytest.mark.parametrize("nation_first", [True, False])
def test_nation_wins_over_region(engine, tmp_path, nation_first):
    assert len(AIFE_AE_HEADER.split('";"')) == 24
    national = write_aife_ae(tmp_path / "aife.csv", [aife_ae_row("1", 1, "1234,5")])
    regional = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "999")])
    imports = [(national, {"annee": 2023}), (regional, {"region": "53"})]
    for path, options in imports if nation_first else imports[::-1]:
        ok(engine, [path], **options)
    assert lines(engine) == [(AE, "NATION", "53", "1", 1, None, 2023, D("1234.50"), D("0.00"), 0, None)]


# --- report ----------------------------------------------------------------------------------------


def test_unknown_codes_kept_and_listed(engine, tmp_path):
    path = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "10", programme="999"), ae_row("2", 1, "5")])
    result = ok(engine, [path], region="53")
    report = result.reports[0]
    assert report.codes_inconnus["programmes"] == ["999"]
    unknown = [p for p in report.warnings if p.code == "code-inconnu" and p.colonne == "programmes"]
    assert [(p.valeur, p.niveau) for p in unknown] == [("999", "avertissement")]
    assert "gardé tel quel" in unknown[0].message
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT n_ej, programme_code, programme_label FROM ligne ORDER BY n_ej"
        ).all()
    assert rows[0] == ("1", "999", None)
    assert rows[1][1] == "103" and rows[1][2]  # a known code gets its label


def test_report_counts_and_sums(engine, tmp_path):
    ae = write_ae(
        tmp_path / "ae.csv", [ae_row("1", 1, '"1 000,25"'), ae_row("1", 1, '"-0,25"'), ae_row("2", 1, "10")]
    )
    cp = write_cp(tmp_path / "cp.csv", [cp_row("1", 1, "900", '"40,10"'), cp_row("#", "#", "901", '"9,90"')])
    result = ok(engine, [ae, cp], region="53")
    r_ae, r_cp = result.reports
    assert (r_ae.lignes_lues, r_ae.lignes_importees, r_ae.lignes_rejetees) == (3, 3, 0)
    assert (r_ae.somme_ae, r_ae.somme_cp) == (D("1010.00"), D("0"))
    assert (r_cp.lignes_lues, r_cp.lignes_importees, r_cp.lignes_rejetees) == (2, 2, 0)
    assert (r_cp.somme_ae, r_cp.somme_cp) == (D("0"), D("50.00"))
    assert (r_ae.kind, r_cp.kind) == ("ae", "cp")
    with engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT SUM(montant_ae), SUM(montant_cp) FROM ligne").one()
        recorded = conn.exec_driver_sql(
            "SELECT filename, lignes_lues, lignes_importees, somme_ae, somme_cp FROM import_fichier ORDER BY id"
        ).all()
    assert tuple(total) == (D("1010.00"), D("50.00"))
    assert [tuple(r) for r in recorded] == [
        ("ae.csv", 3, 3, D("1010.00"), D("0.00")),
        ("cp.csv", 2, 2, D("0.00"), D("50.00")),
    ]


# --- atomicity -------------------------------------------------------------------------------------


def test_exception_mid_import_leaves_database_as_it_was(engine, tmp_path, monkeypatch):
    ok(
        engine,
        [
            write_ae(tmp_path / "avant.csv", [ae_row("1", 1, "10")]),
            write_cp(tmp_path / "avant_cp.csv", [cp_row("1", 1, "900", "3")]),
        ],
        region="53",
    )
    before = snapshot(engine)
    real = readmodel.refresh_touched
    calls = []

    def failing(conn):
        real(conn)
        calls.append(1)
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(readmodel, "refresh_touched", failing)
    ae = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "500"), ae_row("2", 1, "20")])
    cp = write_cp(tmp_path / "cp.csv", [cp_row("2", 1, "901", "7")])
    with pytest.raises(RuntimeError, match="panne simulée"):
        import_chorus(engine, [ae, cp], ImportOptions(region="53"))
    assert calls == [1]
    assert snapshot(engine) == before
    monkeypatch.undo()
    ok(engine, [ae, cp], region="53")  # the base is still usable (no leftover staging tables)
    assert [(r[3], r[7], r[8]) for r in lines(engine)] == [
        ("1", D("500.00"), D("0.00")),
        ("2", D("20.00"), D("7.00")),
    ]


def _big_file(path: Path, rows: int) -> Path:
    return write_ae(path, [ae_row(str(2100000000 + i), 1 + i % 3, "10") for i in range(rows)])


def test_sigkill_mid_import_leaves_database_as_it_was(engine, tmp_path):
    ok(engine, [write_ae(tmp_path / "avant.csv", [ae_row("1", 1, "10"), ae_row("2", 1, "20")])], region="53")
    before = snapshot(engine)
    big = _big_file(tmp_path / "gros.csv", 300_000)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()  # a DuckDB file belongs to one process
    cli = Path(sys.executable).with_name("dataetat")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "dataetat.cli"]
    scratch = tmp_path / "tmp"  # the import's own temporary folder, watched to kill it mid-staging
    scratch.mkdir()
    env = os.environ | {"DATAETAT_DATABASE_URL": url, "TMPDIR": str(scratch)}
    proc = subprocess.Popen(
        [*command, "import", "chorus", str(big), "--region", "53"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if engine.dialect.name == "postgresql":
            _wait_for_transaction(engine, timeout=20)
            time.sleep(0.5)
        else:  # DuckDB stages into Parquet files: once one is there, the import is under way
            deadline = time.monotonic() + 30
            while not list(scratch.glob("dataetat-import-*/*.parquet")) and time.monotonic() < deadline:
                time.sleep(0.05)
        assert proc.poll() is None, "l'import s'est terminé avant d'être tué : le fichier est trop petit"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    if engine.dialect.name == "postgresql":
        _wait_for_no_session(engine, timeout=20)
    assert snapshot(engine) == before
    ok(engine, [write_ae(tmp_path / "apres.csv", [ae_row("3", 1, "1")])], region="52")  # still usable


def _wait_for_transaction(engine, timeout: float) -> None:
    """Until the child is staging rows inside its import transaction."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            n = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND strpos(query, 'stg_') > 0"
            ).scalar_one()
        if n:
            return
        time.sleep(0.1)
    pytest.fail("l'import n'a pas ouvert de transaction")


def _wait_for_no_session(engine, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            n = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).scalar_one()
        if not n:
            return
        time.sleep(0.1)


# --- idempotence -----------------------------------------------------------------------------------


def _ids_and_totals(engine):
    with engine.connect() as conn:
        ids = conn.exec_driver_sql(f"SELECT id, {_LINE_COLUMNS} FROM ligne ORDER BY id").all()
    return [tuple(r) for r in ids]


def test_idempotent_totals_and_ae_ids(engine):
    regional = TEST_DATA / "chorus" / "regional"
    files = [regional / "chorus_ae.csv", regional / "financial_cp.csv"]
    ok(engine, files, annee=2023, region="53")
    first, snap = _ids_and_totals(engine), snapshot(engine)
    ok(engine, files, annee=2023, region="53")
    second = _ids_and_totals(engine)
    assert snapshot(engine)["ligne"][:3] == snap["ligne"][:3]
    assert snapshot(engine)["ae_annee"] == snap["ae_annee"] and snapshot(engine)["cp"] == snap["cp"]
    assert [r[1:] for r in first] == [r[1:] for r in second]
    assert [r[0] for r in first if r[1] == AE] == [r[0] for r in second if r[1] == AE]


def test_idempotent_same_line_ids(engine):
    regional = TEST_DATA / "chorus" / "regional"
    files = [regional / "chorus_ae.csv", regional / "financial_cp.csv"]
    ok(engine, files, annee=2023, region="53")
    first = _ids_and_totals(engine)
    ok(engine, files, annee=2023, region="53")
    assert _ids_and_totals(engine) == first


# --- real national files ---------------------------------------------------------------------------


def test_real_national_files(engine):
    ae = ok(engine, [NATIONAL / "aife_ae.csv"], annee=2024).reports[0]
    cp = ok(engine, [NATIONAL / "aife_cp.csv"]).reports[0]
    assert (ae.lignes_lues, ae.lignes_importees, ae.somme_ae) == (2, 2, D("21775515.70"))
    assert (cp.lignes_lues, cp.lignes_importees, cp.somme_cp) == (2, 2, D("21775515.70"))
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT n_ej, data_source, source_region, annee, programme_code, fournisseur_label, beneficiaire_code, "
            "montant_ae, montant_cp FROM ligne ORDER BY n_ej"
        ).all()
    assert [tuple(r) for r in rows] == [
        (
            "2104453606",
            "NATION",
            "53",
            2024,
            "354",
            'XXX ";P BBB"',
            "13000326200024",
            D("12615940.52"),
            D("12615940.52"),
        ),
        (
            "2104583353",
            "NATION",
            "00",
            2024,
            "354",
            'AGENCE; NATIONALE "DES TITRES"',
            "13000326200024",
            D("9159575.18"),
            D("9159575.18"),
        ),
    ]


def test_real_daily_pipe_files_not_doubled(engine):
    ej, dp = PIPE / "ej_data_etat_quot_2024-09-26.csv", PIPE / "dp_data_etat_quot_2024-09-26.csv"
    result = ok(engine, [ej, dp])
    r_ej, r_dp = result.reports
    assert (r_ej.kind, r_dp.kind) == ("ae", "cp")
    assert (r_ej.lignes_lues, r_ej.lignes_rejetees, r_dp.lignes_lues, r_dp.lignes_rejetees) == (45, 0, 37, 0)
    first = snapshot(engine)
    with engine.connect() as conn:
        total = tuple(conn.exec_driver_sql("SELECT SUM(montant_ae), SUM(montant_cp) FROM ligne").one())
        sources = {r[0] for r in conn.exec_driver_sql("SELECT DISTINCT data_source FROM ligne").all()}
    assert total == (r_ej.somme_ae, r_dp.somme_cp) == (D("681774.88"), D("833915.72"))
    assert sources == {"NATION"}
    ok(engine, [ej])
    ok(engine, [dp])
    again = snapshot(engine)
    assert again["ligne"][:3] == first["ligne"][:3]
    assert again["ae_annee"] == first["ae_annee"] and again["cp"] == first["cp"]


def test_expected_kind_accepts_matching_file(engine, tmp_path):
    path = write_cp(tmp_path / "cp.csv", [cp_row("1", 1, "900", "4")])
    assert ok(engine, [path], region="53", expected_kind=Kind.CP).reports[0].kind == "cp"


def test_same_file_given_twice_is_refused(engine, tmp_path):
    ae = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "100")])
    copy = tmp_path / "copie.csv"
    copy.write_bytes(ae.read_bytes())
    before = snapshot(engine)
    result = import_chorus(engine, [ae, copy], ImportOptions(region="53"))
    assert not result.written
    assert [p.code for r in result.reports for p in r.errors] == ["fichier-en-double"]
    assert "ae.csv" in result.reports[1].errors[0].message
    assert snapshot(engine) == before
