from decimal import Decimal

import sqlalchemy as sa
from tests.conftest import TEST_DATA
from tests.factories import ae_row, cp_row, write_ae, write_cp

from dataetat.store.chorus_import import ImportOptions, import_chorus


def _totals(engine):
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT COUNT(*), SUM(montant_ae), SUM(montant_cp) FROM ligne")).one()


def test_real_regional_files(engine):
    chorus = TEST_DATA / "chorus" / "regional"
    result = import_chorus(
        engine,
        [chorus / "chorus_ae.csv", chorus / "financial_cp.csv"],
        ImportOptions(annee=2023, region="53"),
    )
    assert result.written, [p.describe() for r in result.reports for p in r.errors]
    count, ae, cp = _totals(engine)
    assert (count, Decimal(ae), Decimal(cp)) == (5, Decimal("52500.12"), Decimal("1265.50"))


def test_factories(engine, tmp_path):
    ae = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, '"100,50"')])
    cp = write_cp(tmp_path / "cp.csv", [cp_row("1", 1, "9", "40")])
    result = import_chorus(engine, [cp, ae], ImportOptions(region="53"))
    assert result.written
    assert _totals(engine)[1:] == (Decimal("100.50"), Decimal("40.00"))
