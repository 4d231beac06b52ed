"""The `dataetat` command line, in process (Typer's CliRunner), on DuckDB and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time

import pytest
from tests.conftest import TEST_DATA, fresh_database_url
from tests.factories import ae_row, cp_row, write_ae, write_cp
from typer.testing import CliRunner

from dataetat.cli import app

REGIONAL = TEST_DATA / "chorus" / "regional"
PROGRAMME_THEME = TEST_DATA / "chorus" / "referentiels" / "code_programme_theme.csv"

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def db(settings, monkeypatch):
    """The test database, created by `dataetat db init`."""
    monkeypatch.setenv("DATAETAT_DATABASE_URL", settings.database_url)
    result = cli("db", "init")
    assert result.exit_code == 0, result.output
    assert "Base prête" in result.stdout
    assert "référentiel programme :" in result.stdout
    return settings


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def shared_url(request, tmp_path_factory):
    """One database per backend, created by `db init` and filled by `import chorus`, for read-only tests."""
    tmp = tmp_path_factory.mktemp(f"cli-{request.param}")
    with fresh_database_url(request.param, tmp) as url:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DATAETAT_DATABASE_URL", url)
            assert cli("db", "init").exit_code == 0
            ae = write_ae(
                tmp / "ae.csv",
                [
                    ae_row("1", 1, "10"),
                    ae_row("2", 1, '"1 234,56"', programme="113"),
                    ae_row("3", 1, "5", programme="119"),
                ],
            )
            cp = write_cp(tmp / "cp.csv", [cp_row("1", 1, "900", "4"), cp_row("7", 1, "901", "2")])
            result = cli("import", "chorus", ae, cp, "--region", "53")
            assert result.exit_code == 0, result.output
        yield url


@pytest.fixture
def imported(shared_url, monkeypatch):
    monkeypatch.setenv("DATAETAT_DATABASE_URL", shared_url)
    return shared_url


def test_import_chorus_success_output_in_french(db):
    result = cli("db", "init")  # idempotent
    assert result.exit_code == 0, result.output
    result = cli(
        "import",
        "chorus",
        REGIONAL / "chorus_ae.csv",
        REGIONAL / "financial_cp.csv",
        "--region",
        "53",
        "--annee",
        "2023",
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "chorus_ae.csv (INF-BUD-53 engagements) : valide" in out
    assert "lignes lues 3, importées 3, rejetées 0, Σ AE 52\u202f500,12\u202f€" in out
    assert "Σ CP 1\u202f265,50\u202f€" in out
    assert "Import terminé." in out
    table = cli("query").stdout  # the table's title: French amounts
    assert "5 lignes — Σ AE 52\u202f500,12\u202f€ — Σ CP 1\u202f265,50\u202f€" in table


def test_import_chorus_says_what_it_replaced_and_annuler_restores_it(db, tmp_path):
    first = write_ae(tmp_path / "ae-v1.csv", [ae_row("1", 1, "1000"), ae_row("2", 1, "50")])
    assert cli("import", "chorus", first, "--region", "53").exit_code == 0
    before = json.loads(cli("query", "--format", "json").stdout)
    second = write_ae(tmp_path / "ae-v2.csv", [ae_row("1", 1, "400"), ae_row("3", 1, "20")])
    result = cli("import", "chorus", second, "--region", "53")
    assert result.exit_code == 0, result.output
    assert (
        "Remplacé : AE REGION région 53 2023 : 2 ligne(s), Σ 1\u202f050,00\u202f€ → 2 ligne(s), Σ 420,00\u202f€"
        in result.stdout
    )
    assert "dataetat import annuler" in result.stdout
    undone = cli("import", "annuler", "--region", "53", "--annee", "2023", "--source", "REGION")
    assert undone.exit_code == 0, undone.output
    assert "Rétabli : AE REGION région 53 2023" in undone.stdout and "annulé" in undone.stdout
    assert json.loads(cli("query", "--format", "json").stdout) == before
    again = cli("import", "annuler", "--region", "53", "--annee", "2023")
    assert again.exit_code == 1 and "ne peut être annulé" in again.output


def test_import_chorus_bad_file_is_refused(imported):
    before = json.loads(cli("query", "--format", "json").stdout)["total"]
    bad = TEST_DATA / "chorus" / "ae_montants_dates_invalides.csv"
    result = cli("import", "chorus", bad, "--region", "53")
    assert result.exit_code == 1
    assert "Import refusé" in result.output
    assert "refusé" in result.stdout
    assert json.loads(cli("query", "--format", "json").stdout)["total"] == before


def test_query_json_shape(imported):
    result = cli("query", "--format", "json", "--colonnes", "n_ej,montant_ae,montant_cp,tags")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert list(body) == ["total", "lignes", "has_next"]
    assert list(body["total"]) == ["count", "montant_ae", "montant_cp"]
    assert body["total"] == {"count": 4, "montant_ae": 1249.56, "montant_cp": 6.0}
    assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in body["total"].values())
    assert body["has_next"] is False
    assert len(body["lignes"]) == 4
    for line in body["lignes"]:
        assert set(line) == {"id", "partie", "n_ej", "montant_ae", "montant_cp", "tags"}
        assert isinstance(line["montant_ae"], float) and isinstance(line["montant_cp"], float)
    by_ej = {line["n_ej"]: line for line in body["lignes"]}
    assert by_ej["2"]["montant_ae"] == 1234.56
    assert by_ej["1"]["montant_cp"] == 4.0
    assert by_ej["7"]["tags"] == "cp-orphelin"


def test_query_filters_and_paging(imported):
    body = json.loads(
        cli("query", "--format", "json", "--code-programme", "0103,119", "--page-size", "1").stdout
    )
    assert body["total"]["count"] == 3  # 103 (AE 1 and orphan CP 7) and 119
    assert len(body["lignes"]) == 1 and body["has_next"] is True
    body = json.loads(
        cli(
            "query", "--format", "json", "--niveau-geo", "commune", "--code-geo", "35238", "--annee", "2023"
        ).stdout
    )
    assert body["total"]["count"] == 4


def test_query_grouping(imported):
    result = cli("query", "--format", "json", "--grouping", "programme_code")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert list(body) == ["total", "groupes", "has_next"]
    groups = {g["code"]: g for g in body["groupes"]}
    assert set(groups) == {"103", "113", "119"}
    assert groups["103"]["count"] == 2 and groups["103"]["montant_cp"] == 6.0
    assert groups["113"]["label"] == "113 - Paysages, eau et biodiversité"
    assert body["groupes"][0]["code"] == "113"  # largest AE first
    drill = json.loads(
        cli("query", "--format", "json", "--grouping", "programme_code,annee", "--grouped", "103").stdout
    )
    assert [(g["colonne"], g["code"], g["count"]) for g in drill["groupes"]] == [("annee", 2023, 2)]
    assert drill["total"] == {"count": 2, "montant_ae": 10.0, "montant_cp": 6.0}


def test_query_csv(imported):
    result = cli(
        "query",
        "--format",
        "csv",
        "--colonnes",
        "n_ej,montant_ae",
        "--sort-by",
        "montant_ae",
        "--sort-order",
        "desc",
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout), delimiter=";"))
    assert rows[0] == ["id", "partie", "n_ej", "montant_ae"]
    assert [r[2:] for r in rows[1:]] == [["2", "1234.56"], ["1", "10.0"], ["3", "5.0"], ["7", "0.0"]]


def test_query_table(imported):
    result = cli("query", "--page-size", "2", "--colonnes", "n_ej")
    assert result.exit_code == 0, result.output
    assert "4 lignes" in result.stdout
    assert "page suivante : --page 2" in result.stdout


BAD_PARAMETERS = [
    (["--niveau-geo", "region"], "niveau_geo et code_geo"),
    (["--niveau-geo", "canton", "--code-geo", "1"], "inconnu"),
    (["--colonnes", "n_ej,rien"], "Colonne « rien » inconnue"),
    (["--grouping", "montant_ae"], "On ne peut pas grouper"),
    (["--sort-by", "annee"], "sort_by et sort_order"),
    (["--annee", "deux-mille"], "Paramètre refusé"),
]


def test_query_bad_parameter(imported):
    for args, words in BAD_PARAMETERS:
        result = cli("query", *args)
        assert result.exit_code == 2, args
        assert "Paramètre refusé" in result.output
        assert words in result.output
        assert result.stdout == ""


def test_generate_then_import(db, tmp_path):
    out = tmp_path / "gen"
    result = cli("generate", "--lignes", "2000", "--out", out)
    assert result.exit_code == 0, result.output
    assert "2000 lignes écrites" in result.stdout
    files = sorted(out.glob("chorus_*.csv"))
    assert len(files) == 8
    result = cli("import", "chorus", *files, "--region", "53")
    assert result.exit_code == 0, result.output
    assert result.stdout.count(": valide") == 8
    assert "Import terminé." in result.stdout
    total = json.loads(cli("query", "--format", "json", "--page-size", "1").stdout)["total"]
    assert total["count"] > 0 and total["montant_ae"] > 0 and total["montant_cp"] > 0
    result = cli("import", "sirene", out / "StockEtablissement_utf8.csv", out / "StockUniteLegale_utf8.csv")
    assert result.exit_code == 0, result.output
    assert "bénéficiaires importés" in result.stdout


def test_import_referentiel_programme_theme(db, tmp_path):
    ae = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "10", programme="113")])
    assert cli("import", "chorus", ae, "--region", "53").exit_code == 0
    result = cli("import", "referentiel", "programme-theme", PROGRAMME_THEME)
    assert result.exit_code == 0, result.output
    assert "programme :" in result.stdout and "lignes chargées" in result.stdout
    body = json.loads(cli("query", "--format", "json", "--grouping", "programme_theme").stdout)
    assert "Ecologie, développement et mobilité durables" in {g["code"] for g in body["groupes"]}


def test_import_referentiel_unknown_kind(tmp_path, monkeypatch):
    """Refused before the database is opened."""
    monkeypatch.setenv("DATAETAT_DATABASE_URL", f"duckdb:///{tmp_path / 'jamais.duckdb'}")
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", "utf-8")
    result = cli("import", "referentiel", "planetes", path)
    assert result.exit_code == 2
    assert "Référentiel « planetes » inconnu" in result.output
    for kind in ("calculette", "communes", "programme-theme", "epci"):
        assert f"{kind} :" in result.output


def test_import_referentiel_wrong_format(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAETAT_DATABASE_URL", f"duckdb:///{tmp_path / 'jamais.duckdb'}")
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", "utf-8")
    result = cli("import", "referentiel", "programme-theme", path)
    assert result.exit_code == 1
    assert result.stdout == ""


def test_duckdb_locked_by_another_process(tmp_path, monkeypatch):
    """A DuckDB file held by another process (e.g. `dataetat serve`): a plain French message."""
    path = tmp_path / "verrou.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}); c.execute('CREATE TABLE t (x INT)'); "
            "print('ok', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        monkeypatch.setenv("DATAETAT_DATABASE_URL", f"duckdb:///{path}")
        started = time.monotonic()
        result = cli("query", "--format", "json")
        assert result.exit_code != 0
        assert "est déjà ouverte par un autre processus" in result.output
        assert "Traceback" not in result.output
        assert time.monotonic() - started < 30
    finally:
        holder.kill()
        holder.wait()
