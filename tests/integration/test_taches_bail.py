"""A job whose worker was killed (kill -9, on any host) does not stay « en cours »: the next worker
that looks at the queue takes it back once its lease expired and runs it again cleanly (an import
written by the dead try is never imported twice); after the last try it fails, says why, removes its
upload and audits it; a worker that lost its lease can no longer change the job. On both databases.
The real kill of a `dataetat worker` process is in test_taches_kill.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from tests.factories import ae_row, snapshot, write_ae

from dataetat.jobs import imports as import_jobs
from dataetat.jobs.execution import run_pending
from dataetat.jobs.import_fichiers import Envoi
from dataetat.store import audit, taches
from dataetat.store.taches_schema import tache


def _upload(folder):
    envoi_dir = folder / "envoi-1" / "ae"
    envoi_dir.mkdir(parents=True)
    path = write_ae(envoi_dir / "ae.csv", [ae_row("1", 1, "100")])
    return folder / "envoi-1", Envoi(str(path), "ae.csv", "ae", "0" * 64, path.stat().st_size)


def _running_since(engine, seconds: float, tmp_path, tries: int = 1) -> int:
    """An import job claimed by a worker that has not beaten for `seconds` (it was killed), at its
    `tries`-th try."""
    dossier, envoi = _upload(tmp_path / "televersements")
    with engine.begin() as conn:
        job_id = import_jobs.submit(
            conn, "agent", "53", dossier, [envoi], annee=2023, region_fichiers="53", garder_valides=False
        )
        assert taches.claim(conn, "hote-mort:1").id == job_id
        beat = datetime.now().replace(microsecond=0) - timedelta(seconds=seconds)
        conn.execute(tache.update().where(tache.c.id == job_id).values(battement=beat, tentatives=tries))
    return job_id


def _job(engine, job_id: int) -> taches.Tache:
    with engine.connect() as conn:
        return taches.get(conn, job_id, "agent")


def test_a_job_without_beat_beyond_its_lease_is_taken_again_by_the_next_worker(engine, settings, tmp_path):
    job_id = _running_since(engine, 45, tmp_path)
    assert run_pending(engine, settings.dossier_exports, lease=timedelta(seconds=30)) == 1
    job = _job(engine, job_id)
    assert job.statut == taches.TERMINEE and job.resultat["importe"] and job.tentatives == 2
    assert job.executant != "hote-mort:1"
    assert snapshot(engine)["ligne"][0] == 1
    assert not (tmp_path / "televersements" / "envoi-1").exists()  # its upload is gone, once imported
    assert _import_events(engine) == [(audit.OK, 1)]


def test_a_job_interrupted_at_its_last_try_fails_in_french(engine, settings, tmp_path):
    before = snapshot(engine)
    job_id = _running_since(engine, 45, tmp_path, tries=3)
    assert run_pending(engine, settings.dossier_exports, lease=timedelta(seconds=30), tries=3) == 0
    job = _job(engine, job_id)
    assert job.statut == taches.ECHEC
    assert job.erreur.startswith("Interrompue 3 fois : ")
    assert "signe de vie depuis plus de 30 s" in job.erreur and "Relancez-la" in job.erreur
    assert not (tmp_path / "televersements" / "envoi-1").exists()  # its upload is gone
    assert snapshot(engine) == before  # nothing imported
    with engine.connect() as conn:
        events = audit.search(conn, audit.Filtres(), limit=10)
    assert [(e.resultat, e.details["tache"]) for e in events] == [(audit.ECHEC, job_id)]


def test_an_import_written_by_a_dead_try_is_not_imported_again(engine, settings, tmp_path, monkeypatch):
    """The worker dies after the import's commit, before ending the job: the next try ends the job
    from what the import recorded in its transaction, and imports nothing a second time."""
    dossier, envoi = _upload(tmp_path / "televersements")
    with engine.begin() as conn:
        job_id = import_jobs.submit(
            conn, "agent", "53", dossier, [envoi], annee=2023, region_fichiers="53", garder_valides=False
        )
    with engine.begin() as conn:
        job = taches.claim(conn, "hote-a:1")
    with monkeypatch.context() as m:  # the import commits, then the process « dies »
        m.setattr(import_jobs, "latest_by_sha256", lambda *a: (_ for _ in ()).throw(SystemExit))
        try:
            from dataetat.jobs.runners import RUNNERS

            RUNNERS[import_jobs.TYPE](engine, job, settings.dossier_exports, lambda n: None, None)
        except SystemExit:
            pass
    with engine.begin() as conn:
        conn.execute(tache.update().where(tache.c.id == job_id).values(battement=datetime(2000, 1, 1)))
    written = snapshot(engine)
    assert written["ligne"][0] == 1
    assert run_pending(engine, settings.dossier_exports, lease=timedelta(seconds=30)) == 1
    job = _job(engine, job_id)
    assert job.statut == taches.TERMINEE and job.resultat["repris"] and job.tentatives == 2
    assert job.resultat["totaux"]["lignes_importees"] == 1
    assert snapshot(engine) == written
    assert _import_events(engine) == [(audit.OK, 1)]


def test_a_worker_that_lost_its_lease_cannot_change_the_job(engine, tmp_path):
    job_id = _running_since(engine, 45, tmp_path)
    with engine.begin() as conn:
        again, failed = taches.reclaim_stale(conn, timedelta(seconds=30), 3)
        assert [j.id for j in again] == [job_id] and failed == []
        second = taches.claim(conn, "hote-b:2")
        assert second.tentatives == 2
    with engine.begin() as conn:  # the first worker wakes up: its beat, end and failure change nothing
        assert not taches.progress(conn, job_id, 99, tentative=1)
        assert not taches.finish(conn, job_id, {"x": 1}, 99, tentative=1)
        assert not taches.fail(conn, job_id, "non", tentative=1)
        assert taches.progress(conn, job_id, 5, tentative=2)
    job = _job(engine, job_id)
    assert job.statut == taches.EN_COURS and job.progression == 5 and job.executant == "hote-b:2"


def test_a_job_still_beating_is_left_to_its_worker(engine, settings, tmp_path):
    job_id = _running_since(engine, 5, tmp_path)
    run_pending(engine, settings.dossier_exports, lease=timedelta(seconds=30))
    assert _job(engine, job_id).statut == taches.EN_COURS
    assert (tmp_path / "televersements" / "envoi-1").is_dir()


def _import_events_on(conn) -> list[tuple[str, int]]:
    events = audit.search(conn, audit.Filtres(action="import"), limit=10)
    return [(e.resultat, e.details["lignes_importees"]) for e in events]


def _import_events(engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        return _import_events_on(conn)


def test_a_written_import_is_audited_in_its_transaction_even_if_the_job_dies_after(
    engine, settings, tmp_path, monkeypatch
):
    """The job crashes after the import's commit (as a kill -9 right after it would stop it): the
    import is written and audited all the same, by the row written in its transaction."""
    dossier, envoi = _upload(tmp_path / "televersements")
    with engine.begin() as conn:
        job_id = import_jobs.submit(
            conn, "agent", "53", dossier, [envoi], annee=2023, region_fichiers="53", garder_valides=False
        )

    def crash(*args, **kwargs):
        raise RuntimeError("arrêt après la validation")

    monkeypatch.setattr(import_jobs, "latest_by_sha256", crash)
    run_pending(engine, settings.dossier_exports)
    assert _job(engine, job_id).statut == taches.ECHEC
    assert snapshot(engine)["ligne"][0] == 1  # written
    assert (audit.OK, 1) in _import_events(engine)


def test_the_audit_row_rolls_back_with_its_import(engine, tmp_path):
    from dataetat.jobs import journal
    from dataetat.store.chorus_import import ImportOptions, import_chorus

    path = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "100")])

    recorder = journal.import_recorder("cli", None, {"ae.csv": None})

    def record_then_fail(conn, reports):
        recorder(conn, reports)
        assert _import_events_on(conn) == [(audit.OK, 1)]  # written, not yet committed
        raise RuntimeError("panne avant la validation")

    with pytest.raises(RuntimeError):
        import_chorus(engine, [path], ImportOptions(annee=2023, region="53"), record=record_then_fail)
    assert _import_events(engine) == [] and snapshot(engine)["ligne"][0] == 0
