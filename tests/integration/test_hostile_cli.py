"""Every bad file of tests/hostile_files.py through `dataetat import` (issue 15): exit 1, the French
refusal naming the file and the problem, no traceback, the base unchanged. DuckDB and PostgreSQL."""

from __future__ import annotations

import pytest
from tests import hostile_files as hf
from typer.testing import CliRunner

from dataetat.cli import app

runner = CliRunner()

# Every table an import of any kind writes: counts (and sums where there are amounts).
_TABLES = {
    "ligne": "SELECT COUNT(*), COALESCE(SUM(montant_ae), 0), COALESCE(SUM(montant_cp), 0) FROM ligne",
    "ae_annee": "SELECT COUNT(*), COALESCE(SUM(montant), 0) FROM ae_annee",
    "cp": "SELECT COUNT(*), COALESCE(SUM(montant), 0) FROM cp",
    "aide": "SELECT COUNT(*), COALESCE(SUM(montant), 0) FROM aide",
    "qpv_lieu_action": "SELECT COUNT(*) FROM qpv_lieu_action",
    "ref_qpv": "SELECT COUNT(*) FROM ref_qpv",
    "tag_manuel": "SELECT COUNT(*) FROM tag_manuel",
    "import_fichier": "SELECT COUNT(*) FROM import_fichier",
}


def state(engine) -> dict:
    with engine.connect() as conn:
        return {name: tuple(conn.exec_driver_sql(sql).one()) for name, sql in _TABLES.items()}


@pytest.fixture
def seeded(engine, settings, monkeypatch, tmp_path):
    """A base that already holds the regional sample, ADEME aid and the QPV split."""
    monkeypatch.setenv("DATAETAT_DATABASE_URL", settings.database_url)
    sample = hf.regional_sample(tmp_path / "echantillon.csv")
    result = runner.invoke(app, ["import", "chorus", str(sample), "--region", "53"])
    assert result.exit_code == 0, result.output
    ademe = hf.write_ademe(tmp_path / "ademe.csv", [hf.ademe_row("R0", "100")])
    assert runner.invoke(app, ["import", "ademe", str(ademe)]).exit_code == 0
    return engine


@pytest.mark.parametrize("case", hf.CASES, ids=lambda c: c.name)
def test_hostile_file_refused_cleanly(seeded, tmp_path, case):
    args = hf.write_case(case.name, tmp_path / case.name)
    before = state(seeded)
    result = runner.invoke(app, ["import", *args])
    output = " ".join(result.output.split())  # the console wraps long lines
    assert result.exit_code == 1, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output
    assert "Import refusé : la base n'a pas été modifiée." in output
    expected = " ".join((case.text or _message_of(case.code)).split())
    assert expected in output, output
    assert args[1].rsplit("/", 1)[-1] in output  # the file is named
    assert state(seeded) == before


def _message_of(code: str) -> str:
    """The longest fixed part of the French message of `code`."""
    from dataetat.ingest.problems import CATALOGUE

    template = CATALOGUE[code][1]
    return max(template.replace("{", "}").split("}")[::2], key=len).strip()
