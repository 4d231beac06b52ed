"""What runs each type of job: `RUNNERS[job.type](engine, job, folder, progress, settings) -> result`
(jobs/execution.py calls it). An import writes its audit row and queues the enrichment of its new
beneficiaries; an export reads through one connection; the others receive the stores they work on.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.engine import Engine

from dataetat import stockage
from dataetat.antivirus import Antivirus
from dataetat.jobs import assemblage, journal
from dataetat.jobs import enrichissement as enrichment_jobs
from dataetat.jobs import envois as envoi_sessions
from dataetat.jobs import exports as export_jobs
from dataetat.jobs import imports as import_jobs
from dataetat.settings import Settings
from dataetat.store import enrichissement as enrichment_store
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
