"""`dataetat demo` as `make demo` runs it (issue 11 item 12): a clean import report (the demo ships
the referential codes it draws) and data of région 52 for the USERS 52 account. Both databases."""

from __future__ import annotations

import sqlalchemy as sa
from typer.testing import CliRunner

from dataetat.cli import app


def test_demo_report_is_clean_and_region_52_has_its_own_lines(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("DATAETAT_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(
        app,
        ["demo", "--lignes", "1200", "--out", str(tmp_path / "demo"), "--no-serve"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "Code absent du référentiel" not in result.output
    # the expected warnings of generated files (restated postes) are counted, not listed one by one
    output = " ".join(result.output.split())
    assert "avertissement(s) (montant-ae-modifie), par exemple" in output
    assert output.count("montant engagé positif différent selon l'exercice") <= 8
    assert "agent.52@" in result.output
    engine = sa.create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            by_region = dict(
                conn.exec_driver_sql(
                    "SELECT source_region, COUNT(*) FROM ligne WHERE source = 'FINANCIAL_DATA_AE' GROUP BY 1"
                ).all()
            )
    finally:
        engine.dispose()
    assert set(by_region) == {"52", "53"}
    assert by_region["52"] > 20 and by_region["53"] > 3 * by_region["52"] / 2
