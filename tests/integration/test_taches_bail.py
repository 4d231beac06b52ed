"""A job whose worker was killed (kill -9, on any host) does not stay « en cours »: the next worker
that looks at the queue fails it once its lease expired, says why, removes its upload, and audits it;
on both databases. The real kill of a `dataetat worker` process is in test_taches_kill.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.factories import ae_row, snapshot, write_ae

from dataetat.jobs import imports as import_jobs
from dataetat.jobs.worker import run_pending
from dataetat.store import audit, taches
from dataetat.store.schema import tache


def _upload(folder):
    envoi_dir = folder / "envoi-1" / "ae"
    envoi_dir.mkdir(parents=True)
    path = write_ae(envoi_dir / "ae.csv", [ae_row("1", 1, "100")])
    return folder / "envoi-1", import_jobs.Envoi(str(path), "ae.csv", "ae", "0" * 64, path.stat().st_size)


def _running_since(engine, seconds: float, tmp_path) -> int:
    """An import job claimed by a worker that has not beaten for `seconds` (it was killed)."""
    dossier, envoi = _upload(tmp_path / "televersements")
    with engine.begin() as conn:
        job_id = import_jobs.submit(
            conn, "agent", "53", dossier, [envoi], annee=2023, region_fichiers="53", garder_valides=False
        )
        assert taches.claim(conn).id == job_id
        beat = datetime.now().replace(microsecond=0) - timedelta(seconds=seconds)
        conn.execute(tache.update().where(tache.c.id == job_id).values(battement=beat))
    return job_id


def _job(engine, job_id: int) -> taches.Tache:
    with engine.connect() as conn:
        return taches.get(conn, job_id, "agent")


def test_a_job_without_beat_beyond_its_lease_is_failed_by_the_next_worker(engine, settings, tmp_path):
    before = snapshot(engine)
    job_id = _running_since(engine, 45, tmp_path)
    assert run_pending(engine, settings.dossier_exports, lease=timedelta(seconds=30)) == 0
    job = _job(engine, job_id)
    assert job.statut == taches.ECHEC
    assert "signe de vie depuis plus de 30 s" in job.erreur and "relancez-la" in job.erreur
    assert not (tmp_path / "televersements" / "envoi-1").exists()  # its upload is gone
    assert snapshot(engine) == before  # nothing imported
    with engine.connect() as conn:
        events = audit.search(conn, audit.Filtres(), limit=10)
    assert [(e.resultat, e.details["tache"]) for e in events] == [(audit.ECHEC, job_id)]


def test_a_job_still_beating_is_left_to_its_worker(engine, settings, tmp_path):
    job_id = _running_since(engine, 5, tmp_path)
    run_pending(engine, settings.dossier_exports, lease=timedelta(seconds=30))
    assert _job(engine, job_id).statut == taches.EN_COURS
    assert (tmp_path / "televersements" / "envoi-1").is_dir()
