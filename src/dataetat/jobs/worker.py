"""The worker: claims waiting jobs one at a time and runs them, beating while they run.

worker = Worker(engine, folder); worker.start()   # a thread inside `dataetat serve`
run_pending(engine, folder)                       # tests, `dataetat worker --une-fois`

The beat is the job's lease: before each claim a worker takes back the jobs whose lease expired
(their worker was killed, on whatever host): they wait again and the next claim restarts them
cleanly — an import's transaction is atomic (and a job whose import an earlier try wrote ends from
that record, never imports twice), an export writes its file anew. After `tries` interrupted tries a
job fails in French and what it left is removed (its upload, a partial export file).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from dataetat import journaux, scratch, stockage
from dataetat.antivirus import Antivirus
from dataetat.jobs import assemblage, journal, planning
from dataetat.jobs import enrichissement as enrichment_jobs
from dataetat.jobs import envois as envoi_sessions
from dataetat.jobs import exports as export_jobs
from dataetat.jobs import imports as import_jobs
from dataetat.settings import Settings
from dataetat.store import enrichissement as enrichment_store
from dataetat.store import taches
from dataetat.store.engine import write_retrying
from dataetat.store.replicas import current_lsn
from dataetat.store.taches import Tache

log = logging.getLogger("dataetat.jobs")


def _on_a_connection(run):
    """An export reads through one connection; an import manages its own transactions: every
    runner receives the engine, `run(engine, job, folder, progress, settings) -> result`."""

    def runner(engine: Engine, job: Tache, folder: Path, progress, settings: Settings | None):
        with engine.connect() as conn:
            return run(conn, job, folder, progress)

    return runner


def _audited_import(engine: Engine, job: Tache, folder: Path, progress, settings: Settings | None):
    """An import writes its audit row in its own transaction; a written import queues the enrichment
    of its new beneficiaries (its job id and the geolocation rate so far go in the report). Its result
    carries the primary's WAL position after its commit (read-your-writes over the replicas:
    web/lecture.py)."""
    result = import_jobs.run(engine, job, folder, progress, record=journal.job_recorder(job))
    if result.get("importe") and settings is not None and settings.enrichissement_apres_import:
        with engine.begin() as conn:
            result["geolocalisation"] = enrichment_store.taux_geolocalisation(conn).as_dict()
            result["enrichissement"] = enrichment_jobs.submit(
                conn, job.proprietaire, job.region, nouveaux=True
            )
    with engine.connect() as conn:
        return result | {"lsn": current_lsn(conn)}


def _enrichment(engine: Engine, job: Tache, folder: Path, progress, settings: Settings | None):
    from dataetat.query.apres_import import apres_import  # the tags may read the beneficiary's columns

    return enrichment_jobs.run(engine, settings or Settings(), job, progress, apres=apres_import)


def _harvest(engine: Engine, job: Tache, folder: Path, progress, settings: Settings | None):
    from dataetat.jobs import moisson  # DCAT and validation libraries, loaded only for a harvest

    return moisson.run(engine, settings or Settings(), job, progress)


def _sweep_upload_sessions(engine: Engine, job: Tache, folder: Path, progress, settings: Settings | None):
    """The schedule's « envois »: the expired resumable upload sessions, with their chunks."""
    settings = settings or Settings()
    espaces = folder if isinstance(folder, stockage.Espaces) else stockage.espaces(settings)
    gone = envoi_sessions.sweep(espaces.televersements, settings.envoi_expiration_heures * 3600)
    if gone:
        log.info("%s envoi(s) reprenable(s) expiré(s) effacé(s)", len(gone))
    return {"envois_effaces": len(gone)}


def _assembly(engine: Engine, job: Tache, folder: Path, progress, settings: Settings | None):
    """The « terminer » of a resumable upload: chunks assembled, hashed, scanned, import queued."""
    settings = settings or Settings()
    espaces = folder if isinstance(folder, stockage.Espaces) else stockage.espaces(settings)
    return assemblage.run(engine, job, espaces, progress, Antivirus.of(settings))


RUNNERS = {
    export_jobs.TYPE: _on_a_connection(export_jobs.run),
    import_jobs.TYPE: _audited_import,
    enrichment_jobs.TYPE: _enrichment,
    "moisson": _harvest,  # jobs/moisson.py TYPE
    envoi_sessions.TYPE_MENAGE: _sweep_upload_sessions,
    assemblage.TYPE: _assembly,
}
BEAT_SECONDS = 1.0


def expire(
    engine: Engine, folder: Path, lease: timedelta = taches.LEASE, tries: int = taches.TRIES
) -> list[Tache]:
    """Take back the running jobs whose lease expired; fail those interrupted `tries` times and
    remove their files; returns the failed ones."""
    with engine.begin() as conn:
        again, failed = taches.reclaim_stale(conn, lease, tries)
        for job in failed:
            journal.record_job(conn, job, None, job.erreur)
    for job in again:
        log.warning(
            "tâche %s interrompue (plus de battement) : remise en file (essai %s)", job.id, job.tentatives
        )
    for job in failed:
        log.warning("tâche %s interrompue %s fois : marquée en échec", job.id, job.tentatives)
        remove_leftovers(job, folder)
    return failed


def tidy(
    uploads: Path | None, espaces: stockage.Espaces | None = None, sessions_seconds: float | None = None
) -> None:
    """Remove what killed processes left: scratch folders (import staging, direct exports), empty
    upload folders, the uploads an object store kept more than a day, and the resumable upload
    sessions older than `sessions_seconds` with their chunks."""
    removed = scratch.sweep() + (scratch.sweep_uploads(uploads) if uploads else [])
    if espaces is not None and sessions_seconds is not None:
        removed += envoi_sessions.sweep(espaces.televersements, sessions_seconds)
    if espaces is not None and espaces.televersements.local_path("envoi") is None:
        removed += espaces.televersements.sweep("", scratch.KEPT_AGE)
    if removed:
        log.warning("%s dossier(s) temporaire(s) laissé(s) par un arrêt effacé(s)", len(removed))


def remove_leftovers(job: Tache, folder: Path) -> None:
    """What a job that will never finish leaves on disk: its uploaded files, its partial export."""
    if job.type == import_jobs.TYPE:
        import_jobs.remove_upload(job, folder)
    elif job.type == export_jobs.TYPE:
        export_jobs.remove_file(folder, job)
    elif job.type == assemblage.TYPE:
        assemblage.give_up(job, stockage.espaces_of(folder))


def executant() -> str:
    """Who runs a job: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_one(
    engine: Engine,
    folder: Path,
    lease: timedelta = taches.LEASE,
    settings: Settings | None = None,
    tries: int | None = None,
) -> Tache | None:
    """Take back the jobs of dead workers, then claim and run the oldest waiting job; returns it
    (None when there was none). `settings`: the outside services' (enrichment); None = the
    environment's. `tries`: of an interrupted job (default: the setting taches_essais_max)."""
    if tries is None:
        tries = settings.taches_essais_max if settings is not None else taches.TRIES
    expire(engine, folder, lease, tries)
    job, written = write_retrying(engine, _claim)
    if job is None:
        return None
    if written is not None:  # an earlier try imported, then died before ending the job
        with engine.begin() as conn:
            taches.finish(conn, job.id, import_jobs.result_of_written(written), 0, job.tentatives)
        import_jobs.remove_upload(job, folder)
        return job
    with journaux.request_scope(job.parametres.get(taches.ID_REQUETE)):  # its log lines carry it
        log.info("tâche %s (%s) commencée, essai %s", job.id, job.type, job.tentatives)
        return _run(engine, folder, job, settings)


def _claim(conn) -> tuple[Tache | None, dict | None]:
    """The oldest waiting job, claimed, with its written import if an earlier try wrote it. Run
    through `write_retrying`: on DuckDB a user deleting that waiting job at the same moment makes
    the claim refused (« Conflict »), tried again on the next job."""
    job = taches.claim(conn, executant())
    return job, taches.written(conn, job.id) if job is not None else None


def _run(engine: Engine, folder: Path, job: Tache, settings: Settings | None) -> Tache:
    beat = _Beat(engine, job.id, job.tentatives)
    beat.start()
    try:
        result = RUNNERS[job.type](engine, job, folder, beat.report, settings)
    except Exception as exc:  # noqa: BLE001 - any failure is the job's, reported in French
        beat.stop()
        log.exception("tâche %s en échec", job.id)
        with engine.begin() as conn:
            if taches.fail(conn, job.id, _french(exc), job.tentatives):
                journal.record_job(conn, job, None, _french(exc))
        return job
    beat.stop()
    with engine.begin() as conn:
        if taches.finish(conn, job.id, result, beat.done, job.tentatives):
            journal.record_job(conn, job, result)
        else:  # this worker stalled beyond its lease and another took the job: its result is the other's
            log.warning(
                "tâche %s reprise par un autre worker : résultat de l'essai %s ignoré", job.id, job.tentatives
            )
            return job
    log.info("tâche %s terminée", job.id)
    return job


def run_pending(
    engine: Engine,
    folder: Path,
    lease: timedelta = taches.LEASE,
    settings: Settings | None = None,
    tries: int | None = None,
) -> int:
    """Run every waiting job, one after the other; returns how many ran."""
    ran = 0
    while run_one(engine, folder, lease, settings, tries) is not None:
        ran += 1
    return ran


def _french(exc: Exception) -> str:
    from dataetat.query.params import QueryError

    if isinstance(exc, QueryError | assemblage.Refus):
        return str(exc)
    if isinstance(exc, OSError):
        return f"Écriture du fichier impossible : {exc.strerror or exc}."
    return "Erreur interne pendant la tâche ; elle a été journalisée."


class _Beat:
    """Persists the progress of a running job every second from its own thread (hence its own
    connection): the export's connection is busy streaming its result."""

    def __init__(self, engine: Engine, job_id: int, tentative: int | None = None) -> None:
        self.engine, self.job_id, self.tentative, self.done = engine, job_id, tentative, 0
        self.lost = False  # the lease went to another worker
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"tache-{job_id}", daemon=True)

    def report(self, done: int) -> None:
        self.done = done

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(BEAT_SECONDS):
            try:
                with self.engine.begin() as conn:
                    ours = taches.progress(conn, self.job_id, self.done, self.tentative)
                if not ours and not self.lost:
                    self.lost = True
                    log.warning("tâche %s : bail perdu (reprise par un autre worker)", self.job_id)
            except Exception:  # noqa: BLE001 - a missed beat must not kill the job
                log.warning("battement de la tâche %s manqué", self.job_id, exc_info=True)


class Worker:
    """A thread that runs jobs as they come (polling the queue), until stopped."""

    def __init__(
        self,
        engine: Engine,
        folder: Path,
        *,
        poll_seconds: float = 0.5,
        embedded: bool = True,
        lease: timedelta = taches.LEASE,
        tries: int = taches.TRIES,
        uploads: Path | None = None,
        settings: Settings | None = None,
        planning_seconds: float = 30.0,
    ) -> None:
        self.engine, self.folder, self.poll_seconds = engine, folder, poll_seconds
        self.embedded, self.lease, self.tries, self.uploads = embedded, lease, tries, uploads
        # With settings, the worker also keeps the schedule (jobs/planning.py) every planning_seconds.
        self.settings, self.planning_seconds = settings, planning_seconds
        self._next_tick = 0.0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="dataetat-worker", daemon=True)

    def start(self) -> None:
        # Embedded: this process owns the database, so a running job is from a dead process.
        expire(self.engine, self.folder, timedelta(0) if self.embedded else self.lease, self.tries)
        espaces = self.folder if isinstance(self.folder, stockage.Espaces) else None
        expiry = self.settings.envoi_expiration_heures * 3600 if self.settings is not None else None
        tidy(self.uploads, espaces, expiry)
        self._thread.start()

    def wake(self) -> None:
        """A job was just submitted: look now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("le worker de tâches ne s'est pas arrêté en %s s (une tâche est en cours)", timeout)

    def alive(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = run_one(self.engine, self.folder, self.lease, self.settings, self.tries)
            except Exception:  # noqa: BLE001 - the queue itself failed (database down): retry later
                log.exception("file des tâches indisponible")
                ran = None
            if ran is None and self.settings is not None and time.monotonic() >= self._next_tick:
                self._next_tick = time.monotonic() + self.planning_seconds
                try:
                    if planning.tick(self.engine, self.settings):
                        continue  # a scheduled job was queued: run it now
                except Exception:  # noqa: BLE001 - the schedule must not kill the worker
                    log.exception("planification indisponible")
            if ran is None:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
