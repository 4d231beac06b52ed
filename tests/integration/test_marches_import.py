"""`dataetat import decp` (store/marches_import.py) on DuckDB and PostgreSQL: the official examples
import, modifications are applied with their history, the same file twice gives the same base,
an invalid marché refuses the file (or, with rejets, is left out and reported), several files are
one transaction, and each cleaning rule says what it changed."""

from __future__ import annotations

import json
from decimal import Decimal

import sqlalchemy as sa
from tests.conftest import TEST_DATA
from tests.factories_decp import ACHETEUR_35, COLUMNS, row, sample_rows, write_decp

from dataetat.store.marches_import import import_decp
from dataetat.store.marches_schema import marche, marche_ligne, marche_modification
from dataetat.store.schema import import_fichier

DECP = TEST_DATA / "decp"


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _snapshot(engine) -> list[tuple]:
    columns = [c for c in marche_ligne.c if c.name not in ("import_id", "num")]
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(sa.select(*columns).order_by(marche_ligne.c.uid, marche_ligne.c.rang))
        ]


def test_official_examples_import_with_modifications_applied(engine):
    result = import_decp(engine, [DECP / "marches_avec_modifications.json", DECP / "Marche.xml"])
    assert result.written, [p.describe() for r in result.reports for p in r.problems]
    concessions = import_decp(engine, [DECP / "marches_concessions.json"])
    assert concessions.written
    assert "decp-ignore" in [
        p.code for p in concessions.reports[0].problems
    ]  # concessions said, not dropped silently
    with engine.connect() as conn:
        m = conn.execute(sa.select(marche).where(marche.c.uid == "21750001630066TEST2022")).mappings().one()
        assert (m["montant"], m["montant_initial"]) == (Decimal("123457.87"), Decimal("575000.00"))
        assert (m["duree_mois"], m["duree_mois_initiale"], m["nombre_modifications"]) == (12, 48, 1)
        history = conn.execute(
            sa.select(marche_modification.c.modification_id, marche_modification.c.montant)
            .where(marche_modification.c.uid == "21750001630066TEST2022")
            .order_by(marche_modification.c.modification_id)
        ).all()
        assert [(k, float(v)) for k, v in history] == [(0, 575000.0), (1, 123457.87)]
        # the current titulaires are the modification's
        titulaires = (
            conn.execute(
                sa.select(marche_ligne.c.titulaire_id).where(marche_ligne.c.uid == "21750001630066TEST2022")
            )
            .scalars()
            .all()
        )
        assert titulaires == ["868768687576575"]
        files = conn.execute(sa.select(import_fichier.c.kind, import_fichier.c.lignes_importees)).all()
        assert sorted(files) == [("decp", 1), ("decp", 2), ("decp", 2)]


def test_tabular_file_read_model_geography_and_shares(engine, tmp_path):
    path = write_decp(tmp_path / "decp.csv", sample_rows())
    result = import_decp(engine, [path])
    assert result.written and result.marches == 3
    assert result.reports[0].somme_ae == Decimal("126200.00")  # current montants: 1,200 + 80,000 + 45,000
    with engine.connect() as conn:
        rows = {(r.uid[-2:], r.rang): r for r in conn.execute(sa.select(marche_ligne)).all()}
    m1, m2a, m2b, m3 = rows[("M1", 1)], rows[("M2", 1)], rows[("M2", 2)], rows[("M3", 1)]
    assert (m1.montant, m1.duree_mois, m1.nombre_modifications) == (Decimal("1200.00"), 18, 1)
    assert m1.date_notification.isoformat() == "2023-02-01"  # the notification, not the modification's
    assert (m1.lieu_commune_label, m1.lieu_departement_code, m1.region_code) == ("Rennes", "35", "53")
    assert (m2a.region_code, m2a.cpv_code, m2a.cpv_division_code) == ("52", "71000000", "71")
    assert m2a.montant_part + m2b.montant_part == Decimal("80000.00")  # each marché counted once
    assert m3.lieu_commune_code == "35238" and m3.region_code == "53"  # postal code 35000 → Rennes
    assert m1.objet_plie == "travaux de renovation energetique de l'ecole"


def test_same_file_twice_gives_the_same_base(engine, tmp_path):
    path = write_decp(tmp_path / "decp.csv", sample_rows())
    assert import_decp(engine, [path]).written
    first = _snapshot(engine)
    counts = [_count(engine, t) for t in (marche, marche_modification, marche_ligne)]
    assert import_decp(engine, [path]).written
    assert _snapshot(engine) == first
    assert [_count(engine, t) for t in (marche, marche_modification, marche_ligne)] == counts
    assert _count(engine, import_fichier) == 2  # the history keeps both imports


def test_invalid_marche_refuses_the_file_and_rejets_keeps_the_valid(engine, tmp_path):
    rows = [*sample_rows(), row("BAD", acheteur_id="ABC"), row("NOMONTANT", montant=""),
            row("BADDATE", dateNotification="31/02/2024")]  # fmt: skip
    path = write_decp(tmp_path / "decp.csv", rows)
    refused = import_decp(engine, [path])
    assert not refused.written
    errors = [(p.ligne, p.colonne, p.code) for p in refused.reports[0].errors]
    assert errors == [
        (7, "acheteur_id", "valeur-invalide"),
        (8, "montant", "valeur-manquante"),
        (9, "date_notification", "date-invalide-format"),
    ]
    assert _count(engine, marche) == 0 and _count(engine, import_fichier) == 0
    rejets = tmp_path / "rejets.json"
    kept = import_decp(engine, [path], rejets=rejets)
    assert kept.written and kept.marches == 3
    assert kept.reports[0].lignes_rejetees == 3
    written = json.loads(rejets.read_text("utf-8"))
    assert sorted(r["uid"] for r in written[0]["marches_rejetes"]) == sorted(
        ["ABCBAD", ACHETEUR_35 + "BADDATE", ACHETEUR_35 + "NOMONTANT"]
    )
    assert written[0]["rapport"]["erreurs"] == 3


def test_several_files_are_one_transaction(engine, tmp_path):
    good = write_decp(tmp_path / "bon.csv", sample_rows())
    bad = write_decp(tmp_path / "mauvais.csv", [row("X", montant="douze")])
    result = import_decp(engine, [good, bad])
    assert not result.written
    assert [p.code for p in result.reports[1].errors] == ["montant-invalide"]
    assert _count(engine, marche) == 0
    missing = write_decp(tmp_path / "incomplet.csv", [row("Y")], [c for c in COLUMNS if c != "montant"])
    result = import_decp(engine, [missing])
    assert not result.written and [p.code for p in result.reports[0].errors] == ["colonne-manquante"]


def test_cleaning_rules_are_reported_never_silent(engine, tmp_path):
    rows = [
        row("A.1/2", acheteur_id="1350238800019", codeCPV="45210000-2", ccag="Pas de CCAG",
            dateNotification="2023-02-01+01:00", titulaire_id=" 851 296 632 00017", titulaire_typeIdentifiant="",
            lieuExecution_code="5000", lieuExecution_typeCode="Code postal", objet="NC"),
        row("B", montant="123456789012", datePublicationDonnees="2999-01-01"),
        row("B", montant="123456789012", datePublicationDonnees="2999-01-01"),  # repeated row
    ]  # fmt: skip
    result = import_decp(engine, [write_decp(tmp_path / "sale.csv", rows)])
    assert result.written, [p.describe() for p in result.reports[0].problems]
    applied = {(p.valeur, p.colonne) for p in result.reports[0].problems if p.code == "decp-nettoyage"}
    assert applied >= {
        ("nc-vide", "objet"), ("espaces-identifiant", "titulaire_id"), ("siret-zeros", "acheteur_id"),
        ("id-caracteres", "id"), ("type-identifiant-siret", "titulaire_type_identifiant"),
        ("cpv-normalise", "code_cpv"), ("sans-objet", "ccag"), ("date-suffixe", "date_notification"),
        ("lieu-zeros", "lieu_code"), ("montant-aberrant", "montant"), ("date-aberrante", "date_publication"),
        ("ligne-en-double", "uid"),
    }  # fmt: skip
    with engine.connect() as conn:
        a = conn.execute(sa.select(marche).where(marche.c.id == "A_1_2")).mappings().one()
        b = conn.execute(sa.select(marche).where(marche.c.id == "B")).mappings().one()
        t = conn.execute(sa.select(marche_ligne).where(marche_ligne.c.id == "A_1_2")).mappings().one()
    assert (a["uid"], a["acheteur_id"], a["code_cpv"], a["ccag"], a["objet"]) == (
        "01350238800019A_1_2",
        "01350238800019",
        "45210000",
        "Sans objet",
        None,
    )
    assert (a["date_notification"].isoformat(), a["lieu_code"]) == ("2023-02-01", "05000")
    assert (t["titulaire_id"], t["titulaire_type_identifiant"]) == ("85129663200017", "SIRET")
    assert b["montant"] is None and b["date_publication"] is None  # kept, without the aberrant values


def test_the_decp_validator_refuses_invalid_records(engine, tmp_path):
    """JSON and XML go through decp/validation (schema 2.0.3 / XSD 2.0.2 and the business rules):
    an invalid marché refuses the file; with rejets the valid ones are imported."""
    refused = import_decp(engine, [DECP / "regles-invalides.json"])
    assert not refused.written and _count(engine, marche) == 0
    errors = refused.reports[0].errors
    assert {p.code for p in errors} == {"decp-invalide"}
    assert (2, "objet") in {(p.ligne, p.colonne) for p in errors}  # the 2nd marché misses its objet
    kept = import_decp(engine, [DECP / "regles-invalides.json"], rejets=tmp_path / "rejets.json")
    assert kept.written and kept.marches == 7  # 21 marchés, 13 invalid, one given twice (the later counts)
    assert not import_decp(engine, [DECP / "regles-invalides.xml"]).written


def test_command_line(engine, settings, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from dataetat.cli import app

    monkeypatch.setenv("DATAETAT_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    good = write_decp(tmp_path / "decp.csv", sample_rows())
    engine.dispose()  # the command opens the DuckDB file itself
    result = runner.invoke(app, ["import", "decp", str(good)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Import terminé : 3 marché(s)" in result.stdout and "126\u202f200,00\u202f€" in result.stdout
    bad = write_decp(tmp_path / "mauvais.csv", [row("X", montant="douze")])
    result = runner.invoke(app, ["import", "decp", str(bad)], catch_exceptions=False)
    assert result.exit_code == 1 and "Import refusé" in result.output


def test_upload_page_imports_a_decp_file_for_administrators(settings, engine, tmp_path):
    """« Charger les données », other sources: DECP is a kind of file (administrators), run as a job."""
    import re
    import time

    from fastapi.testclient import TestClient

    from dataetat.web import csrf
    from dataetat.web.app import create_app

    app_settings = settings.model_copy(update={"dossier_televersements": tmp_path / "televersements"})
    path = write_decp(tmp_path / "decp.csv", sample_rows())
    with TestClient(create_app(app_settings)) as client:
        page = client.get("/televersement")
        assert 'value="decp"' in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = client.post(
            "/televersement/sources",
            data={csrf.FIELD: token, "source": "decp"},
            files={"fichier": (path.name, path.read_bytes(), "text/csv")},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        for _ in range(600):
            state = client.get(response.headers["location"] + "/etat")
            if state.status_code == 286:
                break
            time.sleep(0.05)
        assert "decp.csv" in state.text
    assert _count(engine, marche) == 3
