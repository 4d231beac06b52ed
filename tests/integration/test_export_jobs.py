"""Export jobs ("Mes exports"): queued, run by the embedded worker, listed, downloaded, deleted;
region-scoped; a crash leaves a failed job, never a half file."""

import io
import time
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from tests.factories import ae_row, cp_row, write_ae, write_cp

from dataetat.jobs import exports as export_jobs
from dataetat.jobs.execution import run_pending
from dataetat.jobs.worker import Worker
from dataetat.store import taches
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.taches_schema import tache
from dataetat.web.app import create_app

COLONNES = "n_ej,programme_code,montant_ae,montant_cp"


@pytest.fixture
def filled(engine, tmp_path):
    rows = [ae_row(str(i), 1, f"{10 * i}", programme="103") for i in range(1, 8)]
    ae = write_ae(tmp_path / "ae.csv", rows, exercice=2023)
    cp = write_cp(tmp_path / "cp.csv", [cp_row("1", 1, "900", "4")], exercice=2023)
    assert import_chorus(engine, [ae, cp], ImportOptions(region="53")).written
    ae52 = write_ae(tmp_path / "ae52.csv", [ae_row("99", 1, "1000")], exercice=2023)
    assert import_chorus(engine, [ae52], ImportOptions(region="52")).written
    return engine


def _wait(api, location: str, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = api.get(location).json()
        if job["statut"] in (taches.TERMINEE, taches.ECHEC):
            return job
        time.sleep(0.05)
    raise AssertionError(f"tâche toujours {job['statut']}")


def test_xlsx_job_round_trip(settings, filled):
    with TestClient(create_app(settings.model_copy(update={"region_developpement": "53"}))) as api:
        expected = api.get("/api/v1/lignes", params={"annee": "2023"}).json()["total"]
        queued = api.post("/api/v1/exports/lignes.xlsx", params={"annee": "2023", "colonnes": COLONNES})
        assert queued.status_code == 202
        assert queued.json()["statut"] in (taches.EN_ATTENTE, taches.EN_COURS, taches.TERMINEE)
        job = _wait(api, queued.headers["Location"])
        assert job["statut"] == taches.TERMINEE, job
        assert job["resultat"]["lignes"] == job["progression"] == job["total"] == expected["count"]
        assert "2023" in job["libelle"]
        listed = api.get("/api/v1/exports").json()
        assert [j["id"] for j in listed] == [job["id"]] and listed[0]["lien"].endswith("/fichier")
        content = api.get(listed[0]["lien"])
        assert content.status_code == 200
        assert len(content.content) == job["resultat"]["taille"]
        # named after the search and the day, in « Mes exports » and when downloaded
        name = f"data-etat_{date.today().isoformat()}_annee-2023.xlsx"
        assert job["resultat"]["fichier"] == name
        assert content.headers["content-disposition"] == f'attachment; filename="{name}"'
        values = list(load_workbook(io.BytesIO(content.content)).active.iter_rows(values_only=True))
        assert values[0][:4] == ("N° EJ", "Programme (code)", "Programme (libellé)", "Montant engagé (AE)")
        assert sum(v[3] for v in values[1:]) == pytest.approx(expected["montant_ae"])
        assert "99" not in {v[0] for v in values[1:]}  # région 52: not this identity's
        assert api.delete(f"/api/v1/exports/{job['id']}").status_code == 204
        assert not list(settings.dossier_exports.glob("export-*"))
        assert api.get(f"/api/v1/exports/{job['id']}").status_code == 404


def test_waiting_job_and_errors(settings, filled):
    with TestClient(create_app(settings.model_copy(update={"taches_dans_le_serveur": False}))) as api:
        job = api.post("/api/v1/exports/lignes.ods").json()
        assert job["statut"] == taches.EN_ATTENTE and job["total"] == 8
        refused = api.get(f"/api/v1/exports/{job['id']}/fichier")
        assert refused.status_code == 409 and refused.json()["erreur"]["code"] == "export-pas-pret"
        assert api.get("/api/v1/exports/424242").status_code == 404
        assert api.post("/api/v1/exports/lignes.pdf").status_code == 400
        bad = api.post("/api/v1/exports/lignes.csv", params={"sort_by": "inconnue", "sort_order": "asc"})
        assert bad.status_code == 400
        assert run_pending(filled, settings.dossier_exports) == 1
        assert api.get(f"/api/v1/exports/{job['id']}").json()["statut"] == taches.TERMINEE


def test_big_spreadsheet_is_refused_as_direct_download(settings, filled, monkeypatch):
    monkeypatch.setattr(export_jobs, "DIRECT_MAX_LINES", 3)
    with TestClient(create_app(settings)) as api:
        response = api.get("/api/v1/exports/lignes.xlsx")
        assert response.status_code == 409
        assert response.json()["erreur"]["code"] == "export-en-tache"
        assert "Mes exports" in response.json()["erreur"]["message"]
        assert api.get("/api/v1/exports/lignes.csv").status_code == 200  # CSV streams, any size
        assert api.get("/api/v1/exports/lignes.xlsx", params={"n_ej": "1,2"}).status_code == 200


def test_unwritable_folder_fails_the_job_in_french(settings, filled, tmp_path):
    blocker = tmp_path / "fichier"
    blocker.write_text("pas un dossier")
    with filled.begin() as conn:
        job_id = export_jobs.submit(conn, "csv", {}, "agent", None)
    run_pending(filled, blocker / "exports")
    with filled.connect() as conn:
        job = taches.get(conn, job_id, "agent")
    assert job.statut == taches.ECHEC and job.erreur.startswith("Écriture du fichier impossible")


def test_a_job_of_a_dead_process_is_taken_again_at_start(settings, filled):
    with filled.begin() as conn:
        job_id = export_jobs.submit(conn, "csv", {}, "agent", None)
        assert taches.claim(conn).id == job_id
        conn.execute(tache.update().values(battement=datetime.now() - timedelta(hours=1)))
    settings.dossier_exports.mkdir(parents=True, exist_ok=True)
    leftover = settings.dossier_exports / f"export-{job_id}.csv.partiel-1"
    leftover.write_text("moitié d'un fich")  # what the dead try was writing
    worker = Worker(filled, settings.dossier_exports, embedded=False, poll_seconds=0.05)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while (job := _get(filled, job_id)).statut != taches.TERMINEE:
            assert time.monotonic() < deadline and job.statut != taches.ECHEC, job
            time.sleep(0.05)
    finally:
        worker.stop()
    assert not worker._thread.is_alive()
    assert job.tentatives == 2 and not leftover.exists()
    with open(export_jobs.file_of(settings.dossier_exports, job), encoding="utf-8-sig") as f:
        assert sum(1 for _ in f) == job.resultat["lignes"] + 1  # whole: header and every line


def _get(engine, job_id: int) -> taches.Tache:
    with engine.connect() as conn:
        return taches.get(conn, job_id, "agent")


def test_jobs_are_private_to_their_owner(filled):
    with filled.begin() as conn:
        job_id = export_jobs.submit(conn, "csv", {}, "agent-a", "53")
        assert taches.get(conn, job_id, "agent-b") is None
        assert taches.list_of(conn, "agent-b", export_jobs.TYPE) == []
        assert not taches.delete(conn, job_id, "agent-b")


def test_two_workers_never_take_the_same_job(filled):
    with filled.begin() as conn:
        ids = {export_jobs.submit(conn, "csv", {}, "agent", None) for _ in range(2)}
    # PostgreSQL: two open transactions, the row of the first is locked, SKIP LOCKED takes the next.
    # DuckDB (one process, one worker): claims follow each other and still never repeat a job.
    with filled.connect() as first, filled.connect() as second:
        a = taches.claim(first)
        if filled.dialect.name != "postgresql":
            first.commit()
        b = taches.claim(second)
        assert {a.id, b.id} == ids
        first.commit()
        second.commit()
    with filled.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(tache.c.statut == taches.EN_COURS)).scalar() == 2
