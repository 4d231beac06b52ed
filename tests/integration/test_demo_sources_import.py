"""`dataetat demo`'s other sources on DuckDB and PostgreSQL: a small demo (Chorus, SIRENE, then the
generated ADEME, France 2030, QPV, PVD/ACV files through the real imports) shows operators' aid
lines, lines in fictitious QPVs (beneficiary's QPV and lieu d'action split), and tagged lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from tests.conftest import imported_database

from dataetat.demo.charger import (
    DemoImportError,
    import_demo_sources,
    import_demo_zonages,
    load_demo_referentiels,
    sources_order,
    zonages_order,
)
from dataetat.demo.generator import generate
from dataetat.demo.sources import generate_sources
from dataetat.store.beneficiaires import import_sirene
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.readmodel_parts import MONTANT_AE

LIGNES = 3000


def _build(engine, folder):
    """The order of `dataetat demo`: generate everything, zonages, Chorus, SIRENE, other sources."""
    files = generate(LIGNES, folder / "demo")
    sources = generate_sources(folder / "demo", files, seed=53)
    reports = []
    load_demo_referentiels(engine, files.referentiels)
    imported = import_demo_zonages(engine, sources, report=reports.append)
    chorus = []
    for ae, cp in zip(files.ae, files.cp, strict=True):
        result = import_chorus(engine, [ae, cp], ImportOptions(region=files.region))
        assert result.written
        chorus += result.reports
    import_sirene(engine, [files.sirene_etablissements, files.sirene_unites_legales])
    imported |= import_demo_sources(engine, sources, report=reports.append)
    engine.demo = (sources, imported, reports)
    engine.chorus_reports = chorus


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def demo(request, tmp_path_factory):
    with imported_database(request.param, tmp_path_factory.mktemp(request.param), _build) as engine:
        yield engine


def _one(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def test_every_file_is_imported_in_order(demo):
    sources, imported, reports = demo.demo
    assert list(imported) == [kind for kind, _, _ in zonages_order(sources) + sources_order(sources)]
    assert all(r.valid for r in reports), [r.triples() for r in reports]
    assert imported["ademe"] == sources.counts["ademe"]
    assert imported["qpv"] == 25 and imported["pvd"] == 15 and imported["acv"] == 4
    assert _one(demo, "SELECT COUNT(*) FROM ref_qpv WHERE label LIKE '%(QPV fictif de démonstration)'") == 25
    assert _one(demo, "SELECT COUNT(*) FROM ref_qpv WHERE code_region = '53'") == 25


def test_demo_chorus_report_has_no_unknown_code(demo):
    """The demo draws its codes from the referentials it ships (issue 11 item 12): a newcomer's
    import report lists no « code absent du référentiel »."""
    reports = demo.chorus_reports
    assert len(reports) == 8 and all(r.lignes_importees for r in reports)
    assert [(r.fichier, r.codes_inconnus) for r in reports if r.codes_inconnus] == []
    assert not [p for r in reports for p in r.problems if p.code == "code-inconnu"]


def test_operators_aids_are_lines(demo):
    sources, _, _ = demo.demo
    assert _one(demo, "SELECT COUNT(*) FROM ligne WHERE source = 'ADEME'") == sources.counts["ademe"]
    assert (
        _one(demo, "SELECT COUNT(*) FROM ligne WHERE source = 'FRANCE_2030'") == sources.counts["france_2030"]
    )
    assert _one(demo, "SELECT COUNT(*) FROM ligne WHERE source = 'FRANCE_2030' AND source_region = '53'") > 0


def test_lines_land_in_qpvs(demo):
    split = _one(demo, "SELECT COUNT(*) FROM ligne WHERE partie > 0 AND lieu_action_qpv_code LIKE 'QN%'")
    assert split > 0
    assert _one(demo, "SELECT COUNT(*) FROM ligne WHERE beneficiaire_qpv24_code LIKE 'QN%'") > 0
    assert (
        _one(demo, "SELECT COUNT(*) FROM ligne WHERE qpv_label LIKE '%(QPV fictif de démonstration)'")
        >= split
    )


def test_split_keeps_the_totals(demo):
    """The lieu d'action split moves amounts into parts, never changes an EJ's total."""
    with demo.connect() as conn:
        parts = conn.exec_driver_sql(
            "SELECT SUM(montant_ae) FROM ligne WHERE n_ej IN (SELECT n_ej FROM qpv_lieu_action)"
        ).scalar_one()
        # montant AE of each engagement by the rule across exercices (store/readmodel_parts.MONTANT_AE)
        engagements = conn.exec_driver_sql(
            f"""SELECT SUM(m) FROM (SELECT {MONTANT_AE} AS m FROM (
                    SELECT a.*, MAX(CASE WHEN a.montant > 0 THEN a.annee END)
                        OVER (PARTITION BY a.engagement_id) AS annee_positive
                    FROM ae_annee a JOIN engagement e ON e.id = a.engagement_id
                    WHERE e.n_ej IN (SELECT n_ej FROM qpv_lieu_action)) x
                GROUP BY engagement_id) y"""
        ).scalar_one()
    assert Decimal(str(parts)) == Decimal(str(engagements))


def test_tags_of_the_new_sources(demo):
    fonds_vert = _one(
        demo,
        "SELECT COUNT(*) FROM ligne WHERE source = 'ADEME' AND (LOWER(objet) LIKE 'fonds vert%' OR objet LIKE 'FV%')",
    )
    assert fonds_vert > 0
    tagged = _one(demo, "SELECT COUNT(*) FROM ligne WHERE source = 'ADEME' AND tags LIKE '%fonds-vert%'")
    assert tagged == fonds_vert
    assert (
        _one(demo, "SELECT COUNT(*) FROM ligne WHERE source = 'FRANCE_2030' AND tags LIKE '%france-2030%'")
        > 0
    )
    assert _one(demo, "SELECT COUNT(*) FROM ligne WHERE tags LIKE '%pvd%'") > 0


def test_a_refused_file_stops_the_demo(demo, tmp_path):
    sources, _, _ = demo.demo
    broken = tmp_path / "ademe.csv"
    broken.write_text("pas,un,fichier\n1,2,3\n", encoding="utf-8")
    sources = type(sources)(**{**sources.__dict__, "ademe": broken})
    with pytest.raises(DemoImportError, match="ademe"):
        import_demo_sources(demo, sources)


def test_importing_again_changes_nothing(demo):
    """`dataetat demo` run twice on one base: every import replaces what it covers."""
    sql = "SELECT COUNT(*), SUM(montant_ae), COUNT(qpv_code), COUNT(tags) FROM ligne GROUP BY source ORDER BY source"
    with demo.connect() as conn:
        before = conn.exec_driver_sql(sql).all()
    sources, _, _ = demo.demo
    import_demo_sources(demo, sources, zonages=True)
    with demo.connect() as conn:
        assert conn.exec_driver_sql(sql).all() == before
