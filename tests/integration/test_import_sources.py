"""Imports of the other sources on DuckDB and PostgreSQL: lines reach the read model with their
source, a re-import gives the same totals, a refused file leaves the base as it was, the CLI
exits 1 on refusal and audits every import."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from tests.conftest import TEST_DATA
from typer.testing import CliRunner

from dataetat.cli import app
from dataetat.query import etiquetage
from dataetat.store.engine import make_engine
from dataetat.store.sources_import import import_source

SOURCES = TEST_DATA / "sources"
FILES = {
    "ademe": "ademe.csv",
    "france2030": "france_2030.csv",
    "qpv-lieu-action": "qpv_lieu_action.csv",
    "pvd": "pvd.csv",
    "acv": "acv.csv",
    "qpv": "qp2015-occitanie.geojson",
    "siret-qpv": "siret_qpv.csv",
    "tags": "tags.csv",
}
TABLES = ["aide", "qpv_lieu_action", "commune_dispositif", "ref_qpv", "siret_qpv", "tag_manuel", "ligne"]
runner = CliRunner()


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar_one() for t in TABLES}


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def test_every_source_imports_and_reimports_the_same(engine):
    for kind, name in FILES.items():
        result = import_source(engine, kind, SOURCES / name, apres=etiquetage.reapply)
        assert result.written, (kind, result.report.triples())
    first = counts(engine)
    assert first["aide"] == 5 and first["qpv_lieu_action"] == 3 and first["commune_dispositif"] == 11
    assert first["ref_qpv"] == 105 and first["siret_qpv"] == 2 and first["tag_manuel"] == 2
    assert scalar(engine, "SELECT COUNT(*) FROM ligne WHERE source = 'ADEME'") == 3
    assert scalar(engine, "SELECT COUNT(*) FROM ligne WHERE source = 'FRANCE_2030'") == 2
    assert scalar(engine, "SELECT SUM(montant_ae) FROM ligne WHERE source = 'FRANCE_2030'") == 3908260
    assert scalar(engine, "SELECT code_region FROM ref_qpv WHERE code = 'QP066007'") == "76"
    with engine.connect() as conn:
        recorded = conn.exec_driver_sql(
            "SELECT kind, lignes_lues, lignes_importees, rapport FROM import_fichier ORDER BY id"
        ).all()
    assert [r[0] for r in recorded] == list(FILES)
    assert json.loads(recorded[0][3])["lignes_importees"] == 3
    for kind, name in FILES.items():  # the same files again: the same rows
        assert import_source(engine, kind, SOURCES / name, apres=etiquetage.reapply).written
    assert counts(engine) == first


def test_a_refused_file_leaves_the_base_unchanged(engine, tmp_path):
    assert import_source(engine, "ademe", SOURCES / "ademe.csv").written
    before = counts(engine)
    bad = tmp_path / "ademe.csv"
    lines = (SOURCES / "ademe.csv").read_text("utf-8-sig").splitlines()
    bad.write_text("\n".join([*lines, lines[1].replace(",5000,", ",cinq mille,")]) + "\n", "utf-8-sig")
    result = import_source(engine, "ademe", bad)
    assert not result.written
    assert result.report.triples() == [(5, "montant", "montant-invalide")]
    assert counts(engine) == before


def test_lieu_action_warns_for_unknown_ejs_and_replaces_its_years(engine, tmp_path):
    result = import_source(engine, "qpv-lieu-action", SOURCES / "qpv_lieu_action.csv")
    assert [t[2] for t in result.report.triples()] == ["ej-inconnu"] * 3
    one = tmp_path / "qpv.csv"
    lines = (SOURCES / "qpv_lieu_action.csv").read_text("utf-8-sig").splitlines()
    one.write_text("\n".join(lines[:2]) + "\n", "utf-8")
    assert import_source(engine, "qpv-lieu-action", one).written
    assert scalar(engine, "SELECT COUNT(*) FROM qpv_lieu_action") == 1


def test_tags_file_replaces_the_manual_tags_of_its_lines(engine, tmp_path):
    assert import_source(engine, "tags", SOURCES / "tags.csv").written
    update = tmp_path / "tags.csv"
    update.write_text("n_ej;poste_ej;tags\n2104697991;1;\n2104703508;1;detr relance\n", "utf-8")
    assert import_source(engine, "tags", update).written
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT n_ej, tags FROM tag_manuel ORDER BY n_ej").all()
    assert [tuple(r) for r in rows] == [("2104703508", "detr relance")]


@pytest.fixture
def cli_db(settings, monkeypatch):
    monkeypatch.setenv("DATAETAT_DATABASE_URL", settings.database_url)
    assert runner.invoke(app, ["db", "init"]).exit_code == 0
    return settings


def test_cli_imports_refuses_and_audits(cli_db, tmp_path):
    ok = runner.invoke(app, ["import", "pvd", str(SOURCES / "pvd.csv")])
    assert ok.exit_code == 0, ok.output
    assert "importées 6" in ok.output
    bad = tmp_path / "acv.csv"
    bad.write_text(
        '"insee_com","lib_com","id_acv","lib_acv","date_signature"\n"06069","Grasse","acv-098","Grasse",2018/09/14\n'
    )
    refused = runner.invoke(app, ["import", "acv", str(bad)])
    assert refused.exit_code == 1
    assert "Import refusé : la base n'a pas été modifiée." in refused.output
    assert "ligne 2" in refused.output and "jj-mm-aaaa" in refused.output
    engine = make_engine(cli_db)
    try:
        with engine.connect() as conn:
            audits = conn.exec_driver_sql(
                "SELECT resultat, details FROM audit WHERE action = 'import' ORDER BY id"
            ).all()
            dispositifs = conn.exec_driver_sql("SELECT COUNT(*) FROM commune_dispositif").scalar_one()
    finally:
        engine.dispose()
    assert [a[0] for a in audits] == ["ok", "refuse"]
    assert json.loads(audits[0][1])["source"] == "pvd"
    assert dispositifs == 6
