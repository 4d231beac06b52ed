"""The jobs table: submit, claim, report progress, finish, list — the only SQL of the job queue.

A job goes en-attente → en-cours → terminee | echec. A worker claims the oldest waiting job in one
statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers never take the same job;
DuckDB has one process, whose worker runs one job at a time). A running job beats (`battement`)
every second from its worker: that beat is its lease. Every worker, at start and between jobs, fails
the running jobs whose lease expired (no beat for `lease` seconds: their process died, on any host,
they will not finish) — so a killed worker's job ends within a bounded time, never stays « en cours ».
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat import journaux
from dataetat.store.schema import tache

EN_ATTENTE, EN_COURS, TERMINEE, ECHEC = "en-attente", "en-cours", "terminee", "echec"
LEASE = timedelta(seconds=30)  # default of the setting taches_bail_secondes
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
            if k not in ("proprietaire", "region")
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


def claim(conn: Connection) -> Tache | None:
    """Take the oldest waiting job and mark it running; None when there is none."""
    oldest = sa.select(tache.c.id).where(tache.c.statut == EN_ATTENTE).order_by(tache.c.id).limit(1)
    if conn.dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    now = _now()
    row = (
        conn.execute(
            tache.update()
            .where(tache.c.id == oldest.scalar_subquery(), tache.c.statut == EN_ATTENTE)
            .values(statut=EN_COURS, debute_le=now, battement=now)
            .returning(*tache.c)
        )
        .mappings()
        .first()
    )
    return Tache.of(row) if row else None


def progress(conn: Connection, job_id: int, done: int) -> None:
    conn.execute(tache.update().where(tache.c.id == job_id).values(progression=done, battement=_now()))


def set_total(conn: Connection, job_id: int, total: int) -> None:
    """The amount of work of a running job, once it knows it (progress shows done / total)."""
    conn.execute(tache.update().where(tache.c.id == job_id).values(total=total))


def finish(conn: Connection, job_id: int, resultat: dict[str, Any], done: int) -> None:
    conn.execute(
        tache.update()
        .where(tache.c.id == job_id)
        .values(
            statut=TERMINEE,
            progression=done,
            resultat=json.dumps(resultat, ensure_ascii=False),
            termine_le=_now(),
        )
    )


def fail(conn: Connection, job_id: int, erreur: str) -> None:
    conn.execute(
        tache.update().where(tache.c.id == job_id).values(statut=ECHEC, erreur=erreur, termine_le=_now())
    )


def fail_stale(conn: Connection, lease: timedelta = LEASE) -> list[Tache]:
    """Fail the running jobs whose worker stopped beating for longer than `lease` (its process
    died); returns them (their files are the caller's to remove)."""
    if lease:
        seconds = int(lease.total_seconds())
        why = f"le processus qui l'exécutait ne donne plus signe de vie depuis plus de {seconds} s"
    else:
        why = "le serveur s'est arrêté pendant la tâche"
    rows = conn.execute(
        tache.update()
        .where(tache.c.statut == EN_COURS, tache.c.battement < _now() - lease)
        .values(
            statut=ECHEC,
            erreur=f"Interrompue : {why} (arrêt brutal). Rien n'a été importé ni écrit. Relancez-la.",
            termine_le=_now(),
        )
        .returning(*tache.c)
    ).mappings()
    return [Tache.of(r) for r in rows]


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
