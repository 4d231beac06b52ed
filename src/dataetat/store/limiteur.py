"""The login limiter's state, shared by every app server through the database (auth/limiter.py
decides; this module is its only SQL). Keys are SHA-256 digests of « paire:e-mail|adresse »,
« email:… », « ip:… »: no e-mail or address is written here.

    failures, lasts, known, attempts = state(conn, keys, since)
    record_failure(conn, keys, now, since)
    record_success(conn, pair, now)
    record_attempts(conn, paced_keys, now)

On PostgreSQL an attempt first takes a transaction-level advisory lock on its e-mail and address keys,
so that two servers deciding on the same account at the same moment do so one after the other.
"""

from __future__ import annotations

import hashlib
import random

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.store.schema import metadata

connexion_echec = sa.Table(  # one row per failed login per counter
    "connexion_echec",
    metadata,
    sa.Column("cle", sa.String, nullable=False),
    sa.Column("instant", sa.Double, nullable=False),  # seconds since the epoch
)
sa.Index("ix_connexion_echec_cle", connexion_echec.c.cle, connexion_echec.c.instant).ddl_if(
    dialect="postgresql"
)
sa.Index("ix_connexion_echec_instant", connexion_echec.c.instant).ddl_if(dialect="postgresql")
connexion_essai = sa.Table(  # last attempt of a paced e-mail or address
    "connexion_essai",
    metadata,
    sa.Column("cle", sa.String, primary_key=True),
    sa.Column("instant", sa.Double, nullable=False),
)
connexion_connue = sa.Table(  # (e-mail, address) pairs that logged in
    "connexion_connue",
    metadata,
    sa.Column("paire", sa.String, primary_key=True),
    sa.Column("instant", sa.Double, nullable=False),
)
PURGE_ONE_IN = 100  # a failure purges the whole table's stale rows once in this many
KNOWN_FOR = 400 * 24 * 3600.0  # a known pair not seen for this long is forgotten


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def lock(conn: Connection, keys: list[str]) -> None:
    """PostgreSQL: serialise the attempts on these keys until the transaction ends (sorted: no deadlock)."""
    if conn.dialect.name != "postgresql":
        return  # DuckDB: one process; concurrent writers conflict and are retried
    for key in sorted(keys):
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})


def state(
    conn: Connection, keys: list[str], since: float
) -> tuple[dict[str, int], dict[str, float], set[str], dict[str, float]]:
    """Per key: failures since `since` and the last one; which keys are known pairs; last attempts."""
    rows = conn.execute(
        sa.select(connexion_echec.c.cle, sa.func.count(), sa.func.max(connexion_echec.c.instant))
        .where(connexion_echec.c.cle.in_(keys), connexion_echec.c.instant > since)
        .group_by(connexion_echec.c.cle)
    ).all()
    known = set(
        conn.execute(sa.select(connexion_connue.c.paire).where(connexion_connue.c.paire.in_(keys))).scalars()
    )
    attempts = conn.execute(
        sa.select(connexion_essai.c.cle, connexion_essai.c.instant).where(connexion_essai.c.cle.in_(keys))
    ).all()
    return {k: n for k, n, _ in rows}, {k: last for k, _, last in rows}, known, dict(attempts)


def record_attempts(conn: Connection, keys: list[str], now: float) -> None:
    if not keys:
        return
    conn.execute(connexion_essai.delete().where(connexion_essai.c.cle.in_(keys)))
    conn.execute(connexion_essai.insert(), [{"cle": k, "instant": now} for k in keys])


def record_failure(conn: Connection, keys: list[str], now: float, since: float) -> None:
    conn.execute(connexion_echec.insert(), [{"cle": k, "instant": now} for k in keys])
    conn.execute(
        connexion_echec.delete().where(connexion_echec.c.cle.in_(keys), connexion_echec.c.instant <= since)
    )
    if random.randrange(PURGE_ONE_IN) == 0:  # a flood of addresses or e-mails: forget the stale ones
        conn.execute(connexion_echec.delete().where(connexion_echec.c.instant <= since))
        conn.execute(connexion_essai.delete().where(connexion_essai.c.instant <= since))
        conn.execute(connexion_connue.delete().where(connexion_connue.c.instant <= now - KNOWN_FOR))


def record_success(conn: Connection, pair: str, now: float) -> None:
    """A good password: the pair's failures are cleared, the pair is known (from now on)."""
    conn.execute(connexion_echec.delete().where(connexion_echec.c.cle == pair))
    conn.execute(
        sa.text(
            "INSERT INTO connexion_connue (paire, instant) VALUES (:p, :t) "
            "ON CONFLICT (paire) DO UPDATE SET instant = excluded.instant"
        ),
        {"p": pair, "t": now},
    )
