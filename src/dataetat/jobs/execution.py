"""Running queued jobs, one at a time, beating while they run (the worker's thread, tests and
`dataetat worker --une-fois` call these).

    run_one(engine, folder)        # take back expired leases, then claim and run the oldest job
    run_pending(engine, folder)    # every waiting job, one after the other
    tidy(uploads, espaces, secs)   # at a start: what killed processes left

The beat is the job's lease: before each claim the jobs whose lease expired (their worker was
killed, on whatever host) are taken back: they wait again and the next claim restarts them cleanly
— an import's transaction is atomic (and a job whose import an earlier try wrote ends from that
record, never imports twice), an export writes its file anew. After `tries` interrupted tries a job
fails in French and what it left is removed (its upload, a partial export file).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from dataetat import journaux, scratch, stockage
from dataetat.jobs import assemblage, import_fichiers, import_rapport, journal
from dataetat.jobs import envois as envoi_sessions
from dataetat.jobs import exports as export_jobs
from dataetat.jobs import imports as import_jobs
from dataetat.jobs.runners import RUNNERS
from dataetat.settings import Settings
from dataetat.store import taches
from dataetat.store.engine import write_retrying
from dataetat.store.taches import Tache

log = logging.getLogger("dataetat.jobs")
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
        import_fichiers.remove_upload(job, folder)
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
            taches.finish(conn, job.id, import_rapport.result_of_written(written), 0, job.tentatives)
        import_fichiers.remove_upload(job, folder)
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
