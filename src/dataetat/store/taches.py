"""The jobs table: submit, claim, report progress, finish, list — the only SQL of the job queue.

A job goes en-attente → en-cours → terminee | echec. A worker claims the oldest waiting job in one
statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers on several hosts never take the
same job; DuckDB has one process, whose worker runs one job at a time). A claim counts a try
(`tentatives`) and names the worker (`executant`, host:pid). A running job beats (`battement`) every
second from its worker: that beat is its lease. Every worker, at start and between jobs, takes back the
running jobs whose lease expired (no beat for `lease` seconds: their process died, on any host): they
wait again for the next worker, which restarts them cleanly (an import's transaction is atomic, an
export writes a new file), until `tries` tries have been interrupted — then they fail with a French
message. Progress, end and failure are fenced by the try: a worker that lost its lease (it stalled and
another took the job) can no longer change the job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat import journaux
from dataetat.store.taches_schema import tache, tache_ecrite

EN_ATTENTE, EN_COURS, TERMINEE, ECHEC = "en-attente", "en-cours", "terminee", "echec"
LEASE = timedelta(seconds=30)  # default of the setting taches_bail_secondes
TRIES = 3  # default of the setting taches_essais_max
ID_REQUETE = "id_requete"  # key of `parametres`: the request that submitted the job


@dataclass
class Tache:
    id: int
    type: str
    statut: str
    proprietaire: str
    region: str | None
    parametres: dict[str, Any]
    libelle: str
    progression: int
    total: int | None
    resultat: dict[str, Any] | None
    erreur: str | None
    cree_le: datetime
    debute_le: datetime | None
    termine_le: datetime | None
    tentatives: int = 0
    executant: str | None = None

    @classmethod
    def of(cls, row) -> Tache:
        values = {k: row[k] for k in cls.__dataclass_fields__}
        values["parametres"] = json.loads(row["parametres"])
        values["resultat"] = json.loads(row["resultat"]) if row["resultat"] else None
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return {
            k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in self.__dict__.items()
            if k not in ("proprietaire", "region", "tentatives", "executant")
        }


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def submit(
    conn: Connection,
    type_: str,
    proprietaire: str,
    region: str | None,
    parametres: dict[str, Any],
    libelle: str,
    total: int | None = None,
) -> int:
    """Queue a job; the id of the request submitting it (dataetat/journaux.py) goes with its
    parameters (`id_requete`), for the worker's log lines."""
    if (rid := journaux.request_id()) is not None:
        parametres = {**parametres, ID_REQUETE: rid}
    return conn.execute(
        tache.insert()
        .values(
            type=type_,
            statut=EN_ATTENTE,
            proprietaire=proprietaire,
            region=region,
            parametres=json.dumps(parametres, ensure_ascii=False),
            libelle=libelle,
            total=total,
            cree_le=_now(),
        )
        .returning(tache.c.id)
    ).scalar_one()


def claim(conn: Connection, executant: str | None = None) -> Tache | None:
    """Take the oldest waiting job and mark it running (one more try, by `executant`); None when
    there is none."""
    oldest = sa.select(tache.c.id).where(tache.c.statut == EN_ATTENTE).order_by(tache.c.id).limit(1)
    if conn.dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    now = _now()
    row = (
        conn.execute(
            tache.update()
            .where(tache.c.id == oldest.scalar_subquery(), tache.c.statut == EN_ATTENTE)
            .values(
                statut=EN_COURS,
                debute_le=now,
                battement=now,
                tentatives=tache.c.tentatives + 1,
                executant=executant,
            )
            .returning(*tache.c)
        )
        .mappings()
        .first()
    )
    return Tache.of(row) if row else None


def _ours(job_id: int, tentative: int | None):
    """The job is still running under this try (None: whatever the try, for callers without one)."""
    ours = (tache.c.id == job_id) & (tache.c.statut == EN_COURS)
    return ours if tentative is None else ours & (tache.c.tentatives == tentative)


def set_total(conn: Connection, job_id: int, total: int) -> None:
    """The amount of work of a running job, once it knows it (progress shows done / total)."""
    conn.execute(tache.update().where(tache.c.id == job_id).values(total=total))


def progress(conn: Connection, job_id: int, done: int, tentative: int | None = None) -> bool:
    """Renew the lease and record the progress; False when the job is no longer this try's."""
    values = {"progression": done, "battement": _now()}
    return conn.execute(tache.update().where(_ours(job_id, tentative)).values(**values)).rowcount > 0


def finish(
    conn: Connection, job_id: int, resultat: dict[str, Any], done: int, tentative: int | None = None
) -> bool:
    """End the job with its result; False (nothing changed) when the job is no longer this try's."""
    return (
        conn.execute(
            tache.update()
            .where(_ours(job_id, tentative))
            .values(
                statut=TERMINEE,
                progression=done,
                resultat=json.dumps(resultat, ensure_ascii=False),
                termine_le=_now(),
            )
        ).rowcount
        > 0
    )


def fail(conn: Connection, job_id: int, erreur: str, tentative: int | None = None) -> bool:
    values = {"statut": ECHEC, "erreur": erreur, "termine_le": _now()}
    return conn.execute(tache.update().where(_ours(job_id, tentative)).values(**values)).rowcount > 0


def _written():
    return sa.exists().where(tache_ecrite.c.tache_id == tache.c.id)


def reclaim_stale(
    conn: Connection, lease: timedelta = LEASE, tries: int = TRIES
) -> tuple[list[Tache], list[Tache]]:
    """The running jobs whose worker stopped beating for longer than `lease` (its process died, on
    any host): put back in the queue, or failed in French when they were interrupted `tries` times
    (a job whose import was written goes back to the queue whatever its tries: the next claim ends
    it). Returns (taken back, failed); the files of the failed ones are the caller's to remove."""
    if lease:
        seconds = int(lease.total_seconds())
        why = f"le processus qui l'exécutait ne donne plus signe de vie depuis plus de {seconds} s"
    else:
        why = "le serveur s'est arrêté pendant la tâche"
    stale = (tache.c.statut == EN_COURS) & (tache.c.battement < _now() - lease)
    failed = conn.execute(
        tache.update()
        .where(stale, tache.c.tentatives >= tries, ~_written())
        .values(
            statut=ECHEC,
            erreur=f"Interrompue {tries} fois : {why} (arrêt brutal, sur n'importe quel serveur). "
            "Rien n'a été importé ni écrit. Relancez-la.",
            termine_le=_now(),
        )
        .returning(*tache.c)
    ).mappings()
    failed = [Tache.of(r) for r in failed]
    again = conn.execute(
        tache.update().where(stale).values(statut=EN_ATTENTE, executant=None).returning(*tache.c)
    ).mappings()
    return [Tache.of(r) for r in again], failed


def mark_written(conn: Connection, job_id: int, details: dict[str, Any]) -> None:
    """In the import's own transaction: this job's import is written (a second one for the same job
    conflicts on the key, hence is rolled back: never two imports of one job)."""
    conn.execute(
        tache_ecrite.insert().values(
            tache_id=job_id, details=json.dumps(details, ensure_ascii=False, default=str), ecrit_le=_now()
        )
    )


def written(conn: Connection, job_id: int) -> dict[str, Any] | None:
    """The details of this job's written import, when an earlier try wrote it."""
    details = conn.execute(
        sa.select(tache_ecrite.c.details).where(tache_ecrite.c.tache_id == job_id)
    ).scalar_one_or_none()
    return json.loads(details) if details is not None else None


def get(conn: Connection, job_id: int, proprietaire: str) -> Tache | None:
    row = (
        conn.execute(sa.select(tache).where(tache.c.id == job_id, tache.c.proprietaire == proprietaire))
        .mappings()
        .first()
    )
    return Tache.of(row) if row else None


def list_of(conn: Connection, proprietaire: str, type_: str, limit: int = 100) -> list[Tache]:
    rows = conn.execute(
        sa.select(tache)
        .where(tache.c.proprietaire == proprietaire, tache.c.type == type_)
        .order_by(tache.c.id.desc())
        .limit(limit)
    ).mappings()
    return [Tache.of(r) for r in rows]


def recent_of_type(conn: Connection, type_: str, limit: int = 5) -> list[Tache]:
    """The most recent jobs of this type, whoever asked them, newest first."""
    rows = conn.execute(
        sa.select(tache).where(tache.c.type == type_).order_by(tache.c.id.desc()).limit(limit)
    )
    return [Tache.of(r) for r in rows.mappings()]


def running_before(conn: Connection, type_: str, job_id: int) -> bool:
    """A job of this type older than `job_id` is running (one at a time: jobs/enrichissement.py)."""
    return (
        conn.execute(
            sa.select(sa.func.count())
            .select_from(tache)
            .where(tache.c.type == type_, tache.c.statut == EN_COURS, tache.c.id < job_id)
        ).scalar_one()
        > 0
    )


def latest_of_type(conn: Connection, type_: str) -> Tache | None:
    found = recent_of_type(conn, type_, 1)
    return found[0] if found else None


def delete(conn: Connection, job_id: int, proprietaire: str) -> bool:
    """Remove a job that is not running (its file is the caller's to remove)."""
    return (
        conn.execute(
            tache.delete().where(
                tache.c.id == job_id, tache.c.proprietaire == proprietaire, tache.c.statut != EN_COURS
            )
        ).rowcount
        > 0
    )


def queued(conn: Connection, type_: str) -> list[Tache]:
    """The jobs of a type waiting or running, oldest first (whoever their owner)."""
    rows = conn.execute(
        sa.select(tache)
        .where(tache.c.type == type_, tache.c.statut.in_([EN_ATTENTE, EN_COURS]))
        .order_by(tache.c.id)
    ).mappings()
    return [Tache.of(r) for r in rows]


def counts(conn: Connection) -> list[tuple[str, str, int]]:
    """(type, statut, number of jobs) of the whole queue: the `/metrics` gauges."""
    rows = conn.execute(
        sa.select(tache.c.type, tache.c.statut, sa.func.count()).group_by(tache.c.type, tache.c.statut)
    ).all()
    return [(t, s, int(n)) for t, s, n in rows]
