"""Read replicas (PostgreSQL streaming replication): searches, groupings, pivots, maps and direct
exports read from one of them; everything else (imports, accounts, jobs) stays on the primary.

    replicas = Replicas.of_settings(settings)        # None without DATAETAT_DATABASE_REPLICA_URLS
    conn = replicas.connect(min_lsn)                 # a replica's connection, or None: use the primary
    lsn = current_lsn(primary_conn)                  # after a write: what a replica must have replayed

Round robin over the replicas; one that fails (connection refused, query cancelled) is skipped for
`DOWN_SECONDS`. Read-your-writes: given the LSN of the user's last write, a replica is used only once
it has replayed that far (`pg_last_wal_replay_lsn()`), waiting at most `wait_seconds`, else the
caller reads the primary.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dataetat.settings import Settings

log = logging.getLogger("dataetat.store")
DOWN_SECONDS = 5.0
POLL_SECONDS = 0.02


def current_lsn(conn: Connection) -> str | None:
    """The primary's current WAL position (None on DuckDB)."""
    if conn.dialect.name != "postgresql":
        return None
    return conn.execute(sa.text("SELECT pg_current_wal_lsn()::text")).scalar_one()


def lag_seconds(conn: Connection) -> float:
    """How far behind its primary this replica is, in seconds (`/metrics`): 0 when it replayed all
    it received (an idle primary sends nothing: no lag) or when it is no replica at all; else the
    age of the last transaction it replayed."""
    lag = conn.execute(
        sa.text(
            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
            " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
        )
    ).scalar_one()
    return float(lag or 0)


def later_lsn(a: str | None, b: str | None) -> str | None:
    """The later of two LSNs (« 0/3000148 »), None-tolerant."""
    if not a or not b:
        return a or b
    return max(a, b, key=_lsn_value)


def _lsn_value(lsn: str) -> int:
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def valid_lsn(value: object) -> str | None:
    if isinstance(value, str):
        try:
            _lsn_value(value)
            return value
        except ValueError:
            return None
    return None


class Replicas:
    def __init__(self, urls: list[str], settings: Settings) -> None:
        keep = min(8, settings.connexions_max)
        self.engines: list[Engine] = [
            sa.create_engine(
                url,
                pool_pre_ping=True,
                pool_size=keep,
                max_overflow=settings.connexions_max - keep,
                pool_timeout=settings.connexions_attente_s,
                connect_args={"connect_timeout": 2, "application_name": "dataetat-lecture"},
            )
            for url in urls
        ]
        self.wait_seconds = settings.replica_attente_s
        self._down_until = [0.0] * len(self.engines)
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self.served = [0] * len(self.engines)  # reads served by each (tests, benchmarks)
        self.primary_fallbacks = 0

    @classmethod
    def of_settings(cls, settings: Settings) -> Replicas | None:
        urls = [u.strip() for u in settings.database_replica_urls.split(",") if u.strip()]
        if not urls or not settings.database_url.startswith("postgresql"):
            return None
        return cls(urls, settings)

    def _order(self) -> list[int]:
        with self._lock:
            start = next(self._turn) % len(self.engines)
        now = time.monotonic()
        n = len(self.engines)
        return [i for i in ((start + k) % n for k in range(n)) if self._down_until[i] <= now]

    def failed(self, index: int) -> None:
        """A replica failed: skip it for a while."""
        self._down_until[index] = time.monotonic() + DOWN_SECONDS
        log.warning("réplique %s en échec : écartée %s s", index + 1, DOWN_SECONDS)

    def connect(self, min_lsn: str | None = None) -> tuple[int, Connection] | None:
        """(index, connection) of the next replica that is up and has replayed `min_lsn`; None when
        none is (the caller reads the primary)."""
        for i in self._order():
            try:
                conn = self.engines[i].connect()
            except sa.exc.DBAPIError:
                self.failed(i)
                continue
            try:
                if min_lsn is None or self._caught_up(conn, min_lsn):
                    self.served[i] += 1
                    return i, conn
            except sa.exc.DBAPIError:
                self.failed(i)
            conn.close()
        self.primary_fallbacks += 1
        return None

    def _caught_up(self, conn: Connection, lsn: str) -> bool:
        deadline = time.monotonic() + self.wait_seconds
        query = sa.text(
            "SELECT pg_last_wal_replay_lsn() IS NULL OR pg_last_wal_replay_lsn() >= CAST(:l AS pg_lsn)"
        )
        while True:
            if conn.execute(query, {"l": lsn}).scalar_one():
                conn.rollback()
                return True
            if time.monotonic() >= deadline:
                conn.rollback()
                return False
            time.sleep(POLL_SECONDS)

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()
