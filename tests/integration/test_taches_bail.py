"""A job whose worker was killed (kill -9, on any host) does not stay « en cours »: the next worker
that looks at the queue fails it once its lease expired, says why, removes its upload, and audits it;
on both databases. The real kill of a `dataetat worker` process is in test_taches_kill.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
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
    assert "signe de vie depuis plus de 30 s" in job.erreur and "Relancez-la" in job.erreur
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
