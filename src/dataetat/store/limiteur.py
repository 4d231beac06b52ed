"""The limiters' state, shared by every app server and worker through the database (the deciders are
auth/limiter.py for logins, web/envoi_limite.py for the open validation, connectors/limiter.py for the
outside services; this module is their only SQL). Two generic tables and the login's own:

- `limite_evenement`: events counted per key in a sliding window (login failures, validations);
- `limite_creneau`: the last slot taken per key (a paced login; an outside service's calls);
- `connexion_connue`: the (e-mail, address) pairs that logged in.

Keys are SHA-256 digests of « paire:e-mail|adresse », « email:… », « ip:… », « validation:adresse »,
« service:nom|url »: no e-mail or address is written here.

    failures, lasts, known, attempts = state(conn, keys, since)     # the login
    record_failure(conn, keys, now, since)
    record_success(conn, pair, now)
    record_attempts(conn, paced_keys, now)
    wait = count_event(conn, key, limit, window, now)               # the open validation
    slot = take_slot(conn, key, interval)                           # an outside service
    hold_slot(conn, key, ahead)
    shift_slots(conn, key, by)
    creneaux_partages(engine)             # those three for connectors/limiter.py (PostgreSQL)

On PostgreSQL a decision first takes a transaction-level advisory lock on its keys, so that two
servers deciding on the same key at the same moment do so one after the other.
"""

from __future__ import annotations

import hashlib
import random
import time

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dataetat.store.engine import write_retrying
from dataetat.store.schema import metadata

limite_evenement = sa.Table(  # one row per counted event per key
    "limite_evenement",
    metadata,
    sa.Column("cle", sa.String, nullable=False),
    sa.Column("instant", sa.Double, nullable=False),  # seconds since the epoch
)
sa.Index("ix_limite_evenement_cle", limite_evenement.c.cle, limite_evenement.c.instant).ddl_if(
    dialect="postgresql"
)
sa.Index("ix_limite_evenement_instant", limite_evenement.c.instant).ddl_if(dialect="postgresql")
limite_creneau = sa.Table(  # last slot of a paced key
    "limite_creneau",
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
PURGE_ONE_IN = 100  # a recorded event purges the whole table's stale rows once in this many
STALE_AFTER = 3600.0  # seconds: longer than any limiter's window; older events and slots are forgotten
KNOWN_FOR = 400 * 24 * 3600.0  # a known pair not seen for this long is forgotten


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def lock(conn: Connection, keys: list[str]) -> None:
    """PostgreSQL: serialise the decisions on these keys until the transaction ends (sorted: no deadlock)."""
    if conn.dialect.name != "postgresql":
        return  # DuckDB: one process; concurrent writers conflict and are retried
    for key in sorted(keys):
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})


def clock(conn: Connection) -> float:
    """Seconds since the epoch by the database's clock on PostgreSQL (one clock for every host: a
    slot of a fraction of a second must not depend on their skew); the process's on DuckDB."""
    if conn.dialect.name == "postgresql":
        return float(conn.execute(sa.text("SELECT extract(epoch FROM clock_timestamp())")).scalar_one())
    return time.time()


def _purge(conn: Connection, now: float) -> None:
    if random.randrange(PURGE_ONE_IN) == 0:  # a flood of keys: forget the stale ones
        conn.execute(limite_evenement.delete().where(limite_evenement.c.instant <= now - STALE_AFTER))
        conn.execute(limite_creneau.delete().where(limite_creneau.c.instant <= now - STALE_AFTER))
        conn.execute(connexion_connue.delete().where(connexion_connue.c.instant <= now - KNOWN_FOR))


def count_event(conn: Connection, key: str, limit: int, window: float, now: float) -> float:
    """At most `limit` events of `key` in any `window` seconds: 0 when this one fits (it is then
    counted), else the seconds until the oldest counted one leaves the window (nothing counted)."""
    lock(conn, [key])
    recent = (
        conn.execute(
            sa.select(limite_evenement.c.instant)
            .where(limite_evenement.c.cle == key, limite_evenement.c.instant > now - window)
            .order_by(limite_evenement.c.instant.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    if len(recent) >= limit:
        return max(0.001, recent[-1] + window - now)
    conn.execute(
        limite_evenement.delete().where(
            limite_evenement.c.cle == key, limite_evenement.c.instant <= now - window
        )
    )
    conn.execute(limite_evenement.insert(), [{"cle": key, "instant": now}])
    _purge(conn, now)
    return 0.0


def _set_slot(conn: Connection, key: str, instant: float) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO limite_creneau (cle, instant) VALUES (:k, :t) "
            "ON CONFLICT (cle) DO UPDATE SET instant = excluded.instant"
        ),
        {"k": key, "t": instant},
    )


def take_slot(conn: Connection, key: str, interval: float) -> float:
    """The next slot of `key`, `interval` seconds after the last one (or now): taken. Returns when
    it begins on this process's clock (`time.time()`): dated by the database's clock, converted at
    the moment that clock was read, so that the commit's latency does not delay the call."""
    lock(conn, [key])
    now, here = clock(conn), time.time()
    last = conn.execute(sa.select(limite_creneau.c.instant).where(limite_creneau.c.cle == key)).scalar()
    slot = now if last is None else max(now, last + interval)
    _set_slot(conn, key, slot)
    _purge(conn, now)
    return here + (slot - now)


def shift_slots(conn: Connection, key: str, by: float) -> None:
    """The slots of `key` not yet taken `by` seconds later (a call went late: the ones after it
    keep their distance to it)."""
    lock(conn, [key])
    conn.execute(
        limite_creneau.update()
        .where(limite_creneau.c.cle == key)
        .values(instant=limite_creneau.c.instant + by)
    )


def hold_slot(conn: Connection, key: str, ahead: float) -> None:
    """The last slot of `key` no earlier than `ahead` seconds from now (the next one an interval later)."""
    lock(conn, [key])
    now = clock(conn)
    last = conn.execute(sa.select(limite_creneau.c.instant).where(limite_creneau.c.cle == key)).scalar()
    if last is None or last < now + ahead:
        _set_slot(conn, key, now + ahead)


def state(
    conn: Connection, keys: list[str], since: float
) -> tuple[dict[str, int], dict[str, float], set[str], dict[str, float]]:
    """Per key: failures since `since` and the last one; which keys are known pairs; last attempts."""
    rows = conn.execute(
        sa.select(limite_evenement.c.cle, sa.func.count(), sa.func.max(limite_evenement.c.instant))
        .where(limite_evenement.c.cle.in_(keys), limite_evenement.c.instant > since)
        .group_by(limite_evenement.c.cle)
    ).all()
    known = set(
        conn.execute(sa.select(connexion_connue.c.paire).where(connexion_connue.c.paire.in_(keys))).scalars()
    )
    attempts = conn.execute(
        sa.select(limite_creneau.c.cle, limite_creneau.c.instant).where(limite_creneau.c.cle.in_(keys))
    ).all()
    return {k: n for k, n, _ in rows}, {k: last for k, _, last in rows}, known, dict(attempts)


def record_attempts(conn: Connection, keys: list[str], now: float) -> None:
    if not keys:
        return
    conn.execute(limite_creneau.delete().where(limite_creneau.c.cle.in_(keys)))
    conn.execute(limite_creneau.insert(), [{"cle": k, "instant": now} for k in keys])


def record_failure(conn: Connection, keys: list[str], now: float, since: float) -> None:
    conn.execute(limite_evenement.insert(), [{"cle": k, "instant": now} for k in keys])
    conn.execute(
        limite_evenement.delete().where(limite_evenement.c.cle.in_(keys), limite_evenement.c.instant <= since)
    )
    _purge(conn, now)


def record_success(conn: Connection, pair: str, now: float) -> None:
    """A good password: the pair's failures are cleared, the pair is known (from now on)."""
    conn.execute(limite_evenement.delete().where(limite_evenement.c.cle == pair))
    conn.execute(
        sa.text(
            "INSERT INTO connexion_connue (paire, instant) VALUES (:p, :t) "
            "ON CONFLICT (paire) DO UPDATE SET instant = excluded.instant"
        ),
        {"p": pair, "t": now},
    )


class Creneaux:
    """The slots of `limite_creneau` through an engine, each step its own short transaction: what
    connectors/limiter.py's `SharedRateLimiter` takes an outside service's slots from."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def take(self, key: str, interval: float) -> float:
        return write_retrying(self.engine, take_slot, key, interval)

    def shift(self, key: str, by: float) -> None:
        write_retrying(self.engine, shift_slots, key, by)

    def hold(self, key: str, ahead: float) -> None:
        write_retrying(self.engine, hold_slot, key, ahead)


def creneaux_partages(engine: Engine | None) -> Creneaux | None:
    """The database's slots on PostgreSQL (several processes, several hosts); None on DuckDB (one
    process: the limiter stays in memory) or without an engine."""
    if engine is None or engine.dialect.name != "postgresql":
        return None
    return Creneaux(engine)
