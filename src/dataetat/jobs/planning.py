"""The schedule: tasks run every day at a fixed time, once per slot whatever the number of workers.

    DATAETAT_PLANNING="enrichissement=02:00,moissonnage=03:30,envois=04:00"
    tick(engine, settings)          # every worker calls it when idle (Worker, `dataetat worker`)

A slot is a task's day and time. The first worker to see a due slot inserts the row (task, slot)
of `planification` (primary key: a second insert fails, on DuckDB as on PostgreSQL, whatever the
process or host) and, in the same transaction, queues the task's job; the others see the row and
do nothing. The job then runs in whichever worker claims it, like any job (progress, report). A
slot is due from its time for `RATTRAPAGE` (a server down at 02:00 and up at 02:40 still runs it;
up at 09:00 it waits for the next night).

Retries use the same rows: `REPRISES` are functions `(conn, settings, now) -> [(task, slot,
submit)]` (e.g. an enrichment interrupted by a service down, to queue again after its
`reprendre_apres`); each (task, slot) is taken once.

Adding a task: an entry in `TACHES`, name → `submit(conn, settings, slot) -> job id | None`, and its
name in the setting (docs/planning.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dataetat.jobs import enrichissement, envois
from dataetat.settings import Settings
from dataetat.store import taches
from dataetat.store.taches_schema import planification

log = logging.getLogger("dataetat.jobs")
RATTRAPAGE = timedelta(hours=1)
Submit = Callable[[Connection, Settings, datetime], int | None]


def _nightly_enrichment(conn: Connection, settings: Settings, slot: datetime) -> int | None:
    if settings.enrichissement_par_nuit == 0:
        return None
    return enrichissement.submit(
        conn, enrichissement.SYSTEME, None, limite=settings.enrichissement_par_nuit,
        libelle=f"Rafraîchissement planifié des bénéficiaires ({slot:%d/%m/%Y %H:%M}, "
        f"{settings.enrichissement_par_nuit} SIRET au plus, les plus anciens d'abord)",
    )  # fmt: skip


def _harvest(conn: Connection, settings: Settings, slot: datetime) -> int | None:
    from dataetat.jobs import moisson

    return moisson.submit(
        conn, enrichissement.SYSTEME, libelle=f"Moisson planifiée des catalogues DECP ({slot:%d/%m/%Y %H:%M})"
    )


def _sweep_upload_sessions(conn: Connection, settings: Settings, slot: datetime) -> int | None:
    """The resumable upload sessions past `envoi_expiration_heures`, with their chunks (otherwise
    swept only when an upload starts or a worker starts: jobs/envois.py)."""
    return taches.submit(
        conn, envois.TYPE_MENAGE, enrichissement.SYSTEME, None, {},
        f"Effacement planifié des envois reprenables expirés ({slot:%d/%m/%Y %H:%M})",
    )  # fmt: skip


TACHES: dict[str, Submit] = {
    "enrichissement": _nightly_enrichment,
    "moissonnage": _harvest,
    "envois": _sweep_upload_sessions,
}
REPRISES: list[
    Callable[[Connection, Settings, datetime], list[tuple[str, datetime, Callable[[Connection], int]]]]
] = [enrichissement.reprises]


def lire(planning: str) -> list[tuple[str, time]]:
    """Parse the setting « tache=HH:MM, … »; a French ValueError names what is wrong."""
    found = []
    for item in (x.strip() for x in planning.split(",")):
        if not item:
            continue
        name, _, hour = item.partition("=")
        name = name.strip()
        if name not in TACHES:
            raise ValueError(
                f"DATAETAT_PLANNING : tâche inconnue « {name} » (connues : {', '.join(sorted(TACHES))})."
            )
        try:
            found.append((name, time.fromisoformat(hour.strip())))
        except ValueError:
            raise ValueError(
                f"DATAETAT_PLANNING : heure invalide « {hour.strip()} » pour {name} (HH:MM)."
            ) from None
    return found


def creneau(heure: time, now: datetime) -> datetime:
    """The latest occurrence of `heure` at or before `now`."""
    today = datetime.combine(now.date(), heure)
    return today if today <= now else today - timedelta(days=1)


def prendre(
    engine: Engine, tache: str, slot: datetime, submit: Callable[[Connection], int | None]
) -> int | None:
    """Take (tache, slot) and queue its job in one transaction; None when another worker took it
    (or the task queued nothing). Raises only when the database fails otherwise."""
    try:
        with engine.begin() as conn:
            conn.execute(
                planification.insert().values(
                    tache=tache, creneau=slot, cree_le=datetime.now().replace(microsecond=0)
                )
            )
            job_id = submit(conn)
            if job_id is not None:
                conn.execute(
                    planification.update()
                    .where(planification.c.tache == tache, planification.c.creneau == slot)
                    .values(tache_id=job_id)
                )
    except sa.exc.DBAPIError:
        if _taken(engine, tache, slot):  # unique key: another worker won this slot
            return None
        raise
    log.info("tâche planifiée %s (créneau %s) : tâche %s en file", tache, slot, job_id)
    return job_id


def _taken(engine: Engine, tache: str, slot: datetime) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(
                sa.select(sa.func.count())
                .select_from(planification)
                .where(planification.c.tache == tache, planification.c.creneau == slot)
            ).scalar_one()
            > 0
        )


def tick(engine: Engine, settings: Settings, now: datetime | None = None) -> list[int]:
    """Queue the jobs of the due slots nobody took yet, and the retries due; returns their ids."""
    now = now or datetime.now()
    queued = []
    for name, heure in lire(settings.planning):
        slot = creneau(heure, now)
        if now - slot > RATTRAPAGE or _taken(engine, name, slot):
            continue
        job_id = prendre(engine, name, slot, lambda conn, n=name, s=slot: TACHES[n](conn, settings, s))
        if job_id is not None:
            queued.append(job_id)
    for reprises in REPRISES:
        with engine.connect() as conn:
            due = reprises(conn, settings, now)
        for name, slot, submit in due:
            if not _taken(engine, name, slot) and (job_id := prendre(engine, name, slot, submit)) is not None:
                queued.append(job_id)
    return queued
