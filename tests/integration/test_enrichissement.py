"""Enrichment of beneficiaries, end to end on both databases, against the local fake services:
the regional sample imported as a job queues the enrichment of its new SIRETs, which fills the
beneficiaries, the read model, the beneficiary page and the search; the geolocation rate rises; a
service down interrupts without failing and the schedule takes it again; the nightly schedule runs
once with two workers."""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import SecretStr
from tests.conftest import TEST_DATA
from tests.fakes.entreprises import Etablissement, FauxEntreprises
from tests.fakes.serveur import Reponse

from dataetat.connectors.client import reinitialiser
from dataetat.ingest.empreinte import sha256_of
from dataetat.jobs import enrichissement, planning
from dataetat.jobs import imports as import_jobs
from dataetat.jobs.execution import run_pending
from dataetat.jobs.import_fichiers import Envoi
from dataetat.jobs.worker import Worker
from dataetat.store.engine import make_engine
from dataetat.store.schema import ligne, ref_qpv
from dataetat.store.taches import TERMINEE
from dataetat.web.app import create_app
from dataetat.web.deps import DEVELOPMENT_USER

ATLAS, CACHE, INCONNU, AUTRE = "85129663200017", "84442098400016", "41867744900054", "45228173600010"


@pytest.fixture(autouse=True)
def _fresh_registries():
    reinitialiser()
    yield
    reinitialiser()


@pytest.fixture
def faux():
    faux = FauxEntreprises(
        {
            ATLAS: Etablissement(
                nom="ATLAS SOUTENIR LES COMPETENCES", commune="35238", naf="85.59A", latitude=48.11,
                longitude=-1.68, adresse="2 RUE DE PARIS 35000 RENNES",
            ),
            CACHE: Etablissement(nom="CACHÉ", commune="35238", non_diffusible=True),
        }
    )  # fmt: skip
    with faux.recherche() as re_serveur, faux.api_entreprise(jeton="jeton-ae") as ae_serveur:
        faux.urls = (re_serveur.url, ae_serveur.url)
        yield faux


@pytest.fixture
def reglages(settings, faux):
    return settings.model_copy(
        update={
            "recherche_entreprises_url": faux.urls[0],
            "api_entreprise_url": faux.urls[1],
            "api_entreprise_jeton": SecretStr("jeton-ae"),
            "api_entreprise_destinataire": "13002526500013",
            "enrichissement_apres_import": True,
            "connecteurs_delai_s": 1,
            "connecteurs_essais": 1,
            "connecteurs_backoff_s": 0.01,
            "connecteurs_disjoncteur_seuil": 2,
            "connecteurs_disjoncteur_pause_s": 0.3,
            "dossier_televersements": settings.dossier_exports.parent / "televersements",
        }
    )


def _upload(engine, tmp_path) -> int:
    """The regional sample, queued as the upload page does."""
    folder = tmp_path / "envoi"
    envois = []
    for champ, name in (("ae", "chorus_ae.csv"), ("cp", "financial_cp.csv")):
        path = folder / champ / name
        path.parent.mkdir(parents=True)
        shutil.copy(TEST_DATA / "chorus" / "regional" / name, path)
        envois.append(Envoi(str(path), name, champ, sha256_of(path), path.stat().st_size))
    with engine.begin() as conn:
        return import_jobs.submit(
            conn,
            DEVELOPMENT_USER,
            "53",
            folder,
            envois,
            annee=2023,
            region_fichiers="53",
            garder_valides=False,
        )


def _job(engine, job_id):
    from dataetat.store.taches import Tache
    from dataetat.store.taches_schema import tache

    with engine.connect() as conn:
        return Tache.of(conn.execute(sa.select(tache).where(tache.c.id == job_id)).mappings().one())


def _qpv_around_atlas(engine) -> None:
    """A QPV 2024 contour around ATLAS's coordinates (QPV contours loaded, no SIRET → QPV row)."""
    square = '{"type": "Polygon", "coordinates": [[[-1.7, 48.1], [-1.66, 48.1], [-1.66, 48.12], [-1.7, 48.12], [-1.7, 48.1]]]}'
    with engine.begin() as conn:
        conn.execute(
            ref_qpv.insert().values(
                code="QN03599Z", label="Quartier d'essai", annee_decoupage=2024, code_commune="35238",
                code_departement="35", code_region="53", geometrie=square, longitude=-1.68, latitude=48.11,
            )
        )  # fmt: skip


def _beneficiaires(engine) -> dict:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT siret, denomination, naf, code_commune, source, non_diffusible, introuvable FROM beneficiaire"
        ).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def test_import_queues_the_enrichment_that_fills_beneficiaries_page_and_search(
    engine, reglages, faux, tmp_path
):
    _qpv_around_atlas(engine)
    import_id = _upload(engine, tmp_path)
    ran = run_pending(engine, reglages.dossier_exports, settings=reglages)
    assert ran == 2  # the import, then the enrichment
    imported = _job(engine, import_id)
    assert imported.resultat["importe"] and imported.resultat["geolocalisation"]["geolocalisees"] == 0
    job = _job(engine, imported.resultat["enrichissement"])
    assert (job.type, job.statut, job.proprietaire, job.total, job.progression) == (
        "enrichissement", TERMINEE, DEVELOPMENT_USER, 4, 4,
    )  # fmt: skip
    r = job.resultat
    assert (r["enrichis"], r["non_diffusibles"], r["introuvables"], r["interrompu"]) == (1, 1, 2, None)
    assert r["par_source"] == {"recherche-entreprises": 1, "api-entreprise": 1}
    assert r["geolocalisation_avant"] == {"lignes": 5, "geolocalisees": 0, "pourcentage": 0.0}
    assert r["geolocalisation_apres"] == {"lignes": 5, "geolocalisees": 2, "pourcentage": 40.0}
    assert _beneficiaires(engine) == {
        ATLAS: ("ATLAS SOUTENIR LES COMPETENCES", "85.59A", "35238", "recherche-entreprises", False, False),
        CACHE: (None, None, None, "api-entreprise", True, False),
        INCONNU: (None, None, None, "api-entreprise", False, True),
        AUTRE: (None, None, None, "api-entreprise", False, True),
    }
    with engine.connect() as conn:
        lines = conn.execute(
            sa.select(
                *(
                    ligne.c[f"beneficiaire_{k}"]
                    for k in ("denomination", "naf", "commune_label", "epci_code")
                ),
                *(ligne.c[f"beneficiaire_{k}"] for k in ("departement_code", "region_code", "qpv24_code")),
                ligne.c.qpv_code,
            ).where(ligne.c.beneficiaire_code == ATLAS)
        ).all()
    assert {tuple(x) for x in lines} == {
        (
            "ATLAS SOUTENIR LES COMPETENCES",
            "85.59A",
            "Rennes",
            "243500139",
            "35",
            "53",
            "QN03599Z",
            "QN03599Z",
        )
    }
    with TestClient(create_app(reglages)) as web:
        page = web.get(f"/beneficiaires/{ATLAS}")
        assert page.status_code == 200
        assert "85.59A" in page.text and "Rennes" in page.text and "Rennes Métropole" in page.text
        assert "Recherche d&#39;entreprises, mise à jour le" in page.text
        hidden = web.get(f"/beneficiaires/{CACHE}").text
        assert "unité non diffusible" in hidden
        found = web.get(
            "/api/v1/lignes",
            params={"beneficiaire_code": ATLAS, "colonnes": "beneficiaire_naf,beneficiaire_commune_code"},
        ).json()
        assert {(x["beneficiaire_naf"], x["beneficiaire_commune_code"]) for x in found["lignes"]} == {
            ("85.59A", "35238")
        }
        report = web.get(f"/televersement/{import_id}").text
        assert "Enrichissement des nouveaux bénéficiaires (tâche n°" in report
        assert "Terminé : 1 enrichi(s), 1 non diffusible(s), 2 inconnu(s) des registres" in report
        assert "<strong>0,0\u202f% → 40,0\u202f%</strong>" in report
        referentiels = web.get("/referentiels").text
        assert (
            "Lignes géolocalisées (leur bénéficiaire a une commune) : <strong>40,0\u202f%</strong>"
            in referentiels
        )
        assert (
            "0,0\u202f% → 40,0\u202f%" in referentiels
            and "Enrichissement des nouveaux bénéficiaires" in referentiels
        )


def test_a_service_down_interrupts_then_the_schedule_takes_it_again(engine, reglages, faux, tmp_path):
    from dataetat.store.chorus_import import ImportOptions, import_chorus

    chorus = TEST_DATA / "chorus" / "regional"
    import_chorus(
        engine,
        [chorus / "chorus_ae.csv", chorus / "financial_cp.csv"],
        ImportOptions(annee=2023, region="53"),
    )
    faux.panne = Reponse(503, {"erreur": "maintenance"})
    with engine.begin() as conn:
        first = enrichissement.submit(conn, "agent", "53", nouveaux=True)
    run_pending(engine, reglages.dossier_exports, settings=reglages)
    job = _job(engine, first)
    assert job.statut == TERMINEE  # a service down never fails the job
    r = job.resultat
    assert r["interrompu"].startswith("Le service Recherche d'entreprises")
    assert (r["enrichis"], r["non_rafraichis"]) == (0, 4) and r["reprendre_apres"]
    assert _beneficiaires(engine) == {}
    with TestClient(create_app(reglages)) as web:
        assert "pas encore rafraîchies" in web.get(f"/beneficiaires/{ATLAS}").text
        assert "4 SIRET pas encore rafraîchi(s) : nouvel essai prévu après" in web.get("/referentiels").text
    # The schedule queues the retry once its time has come, once whatever the number of ticks.
    later = datetime.fromisoformat(r["reprendre_apres"]) + timedelta(seconds=1)
    assert planning.tick(engine, reglages, now=later - timedelta(minutes=5)) == []
    queued = planning.tick(engine, reglages, now=later)
    assert len(queued) == 1 and planning.tick(engine, reglages, now=later) == []
    faux.panne = None
    time.sleep(0.35)  # the circuit breaker's pause: its trial call closes it
    run_pending(engine, reglages.dossier_exports, settings=reglages)
    again = _job(engine, queued[0])
    assert again.libelle.startswith("Reprise : ") and again.resultat["enrichis"] == 1
    assert set(_beneficiaires(engine)) == {ATLAS, CACHE, INCONNU, AUTRE}


def test_the_nightly_refresh_runs_once_with_two_workers(engine, reglages, faux, settings):
    from dataetat.store.chorus_import import ImportOptions, import_chorus

    chorus = TEST_DATA / "chorus" / "regional"
    import_chorus(engine, [chorus / "chorus_ae.csv"], ImportOptions(annee=2023, region="53"))
    slot = (datetime.now() - timedelta(minutes=1)).replace(second=0, microsecond=0)
    nightly = reglages.model_copy(
        update={"planning": f"enrichissement={slot:%H:%M}", "enrichissement_par_nuit": 10}
    )
    # PostgreSQL: two processes' engines; DuckDB: one process owns the file, two worker threads.
    other = make_engine(nightly) if engine.dialect.name == "postgresql" else engine
    workers = [
        Worker(
            e,
            nightly.dossier_exports,
            poll_seconds=0.05,
            embedded=False,
            settings=nightly,
            planning_seconds=0.05,
        )
        for e in (engine, other)
    ]
    try:
        for w in workers:
            w.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                done = conn.exec_driver_sql(
                    "SELECT COUNT(*) FROM tache WHERE type = 'enrichissement' AND statut = 'terminee'"
                ).scalar_one()
            if done:
                break
            time.sleep(0.1)
        time.sleep(0.3)  # both workers kept ticking after the job ran
    finally:
        for w in workers:
            w.stop(timeout=10)
        if other is not engine:
            other.dispose()
    assert not any(w._thread.is_alive() for w in workers)
    with engine.connect() as conn:
        jobs = conn.exec_driver_sql(
            "SELECT proprietaire, statut FROM tache WHERE type = 'enrichissement'"
        ).all()
        rows = conn.exec_driver_sql("SELECT tache, creneau FROM planification").all()
    assert [tuple(j) for j in jobs] == [(enrichissement.SYSTEME, "terminee")]
    assert [(t, c) for t, c in rows] == [("enrichissement", slot)]
    assert _beneficiaires(engine)[ATLAS][2] == "35238"


def test_the_schedule_setting_is_checked_in_french():
    with pytest.raises(ValueError, match="tâche inconnue « inconnue »"):
        planning.lire("inconnue=02:00")
    with pytest.raises(ValueError, match="heure invalide « 25:00 »"):
        planning.lire("enrichissement=25:00")
    assert planning.lire(" enrichissement=02:30 ,") == [
        ("enrichissement", datetime.strptime("02:30", "%H:%M").time())
    ]
    now = datetime(2026, 12, 5, 1, 0)
    assert planning.creneau(datetime.strptime("02:00", "%H:%M").time(), now) == datetime(2026, 12, 4, 2, 0)


def test_dataetat_enrichir_command(engine, reglages, faux, settings, monkeypatch):
    from typer.testing import CliRunner

    from dataetat.cli import app
    from dataetat.store.chorus_import import ImportOptions, import_chorus

    import_chorus(
        engine, [TEST_DATA / "chorus" / "regional" / "chorus_ae.csv"], ImportOptions(annee=2023, region="53")
    )
    for name in ("database_url", "recherche_entreprises_url", "connecteurs_essais", "connecteurs_backoff_s"):
        monkeypatch.setenv(f"DATAETAT_{name.upper()}", str(getattr(reglages, name)))
    runner = CliRunner()
    bad = runner.invoke(app, ["enrichir", "--siret", "123"])
    assert bad.exit_code == 2 and "SIRET invalide : 123" in bad.output
    done = runner.invoke(app, ["enrichir", "--max", "5"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "1 SIRET demandés : 1 enrichis" in done.output
    assert "Lignes géolocalisées : 0.0 % avant, 100.0 % après." in done.output
    assert (
        runner.invoke(app, ["enrichir", "--plus-vieux-que", "1"]).output.strip() == "Aucun SIRET à enrichir."
    )
    faux.panne = Reponse(503, {})
    down = runner.invoke(app, ["enrichir", "--siret", ATLAS])
    assert down.exit_code == 1 and "Interrompu : Le service Recherche d'entreprises" in down.output


def test_one_enrichment_at_a_time_whatever_the_workers(engine):
    """A newer enrichment job waits while an older one runs (the services' limits are per IP)."""
    import threading

    from dataetat.store import taches

    with engine.begin() as conn:
        older = enrichissement.submit(conn, "agent", None, nouveaux=True)
        newer = enrichissement.submit(conn, "agent", None, nouveaux=True)
        assert taches.claim(conn).id == older  # running in another worker
        job = taches.claim(conn)
    assert job.id == newer
    waiter = threading.Thread(target=enrichissement.attendre_les_precedents, args=(engine, job, 0.05))
    waiter.start()
    waiter.join(0.5)
    assert waiter.is_alive()  # still waiting for the older one
    with engine.begin() as conn:
        taches.finish(conn, older, {}, 0)
    waiter.join(5)
    assert not waiter.is_alive()
