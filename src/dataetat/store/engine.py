"""Engines for DuckDB (embedded) and PostgreSQL (server), and bulk loading of Arrow tables."""

from __future__ import annotations

import io
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dataetat.settings import Settings

T = TypeVar("T")


class StoreError(Exception):
    """A database problem explained in French to the user."""


class DataBusy(StoreError):
    """Another transaction changing the data (an import) kept the database longer than a request may
    wait: the user is asked to try again (web/errors.py, a French 503)."""

    def __init__(self) -> None:
        super().__init__(
            "Un import (ou une autre mise à jour des données) est en cours d'écriture dans la base : "
            "réessayez dans quelques minutes."
        )


def make_engine(settings: Settings) -> Engine:
    url = sa.engine.make_url(settings.database_url)
    if url.get_backend_name() == "duckdb":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        config = {"memory_limit": settings.duckdb_memory_limit, "preserve_insertion_order": "false"}
        if settings.duckdb_threads:
            config["threads"] = str(settings.duckdb_threads)
        # A bounded pool of independent connections to the one in-process database (DuckDB keeps
        # one database instance per file and process; each connection has its own transaction
        # context). A connection is checked out for the life of a `with engine.connect()` block,
        # whichever threads use it in turn (a streamed export resumes in other worker threads):
        # never two users at once. (A connection per thread — SingletonThreadPool — broke when a
        # stream moved between threads while each thread kept its connection: issue 15.5.)
        if url.database in (None, "", ":memory:"):
            engine = sa.create_engine(url, connect_args={"config": config}, poolclass=sa.pool.StaticPool)
        else:
            engine = sa.create_engine(url, connect_args={"config": config}, **_bounded_pool(settings))
    else:
        engine = sa.create_engine(url, pool_pre_ping=True, **_bounded_pool(settings))
    try:
        with engine.connect():
            pass
    except Exception as e:  # noqa: BLE001 - turned into a French message
        raise StoreError(_explain_connect_error(settings.database_url, e)) from e
    return engine


def write_retrying(engine: Engine, fn: Callable[..., T], *args: Any, attempts: int = 20) -> T:
    """Run `fn(conn, *args)` in one transaction, again from the start when DuckDB refuses it for a
    write-write conflict with a concurrent transaction (DuckDB does not wait for the row as
    PostgreSQL does: « Conflict on update »), after a short random pause. For small writes that
    may race (the last login of an account); `fn` must not act outside the database."""
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                return fn(conn, *args)
        except sa.exc.DBAPIError as e:
            if attempt == attempts or not is_write_conflict(e):
                raise
            time.sleep(random.uniform(0.005, 0.02 * attempt))
    raise AssertionError("unreachable")


class _DataLock:
    """The DuckDB database's lock of the transactions that change the data; counts who waits."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.waiting = 0
        self.guard = threading.Lock()


_DATA_LOCKS: dict[str, _DataLock] = {}
_DATA_LOCKS_GUARD = threading.Lock()


def _data_lock(engine: Engine) -> _DataLock | None:
    """The lock of the DuckDB database of `engine` (one per file and process, whichever engines
    open it: DuckDB keeps one database instance per file); None on PostgreSQL."""
    if not is_duckdb(engine):
        return None
    name = engine.url.database
    key = str(Path(name).resolve()) if name not in (None, "", ":memory:") else f"memory:{id(engine)}"
    with _DATA_LOCKS_GUARD:
        return _DATA_LOCKS.setdefault(key, _DataLock())


def data_writers_waiting(engine: Engine) -> int:
    """How many transactions wait for the data lock of `engine`'s DuckDB database (0 on PostgreSQL)."""
    lock = _data_lock(engine)
    return lock.waiting if lock is not None else 0


@contextmanager
def data_write(engine: Engine, wait: float | None = None) -> Iterator[Connection]:
    """One transaction that changes the financial data or what is derived from every line (an
    import, its cancelling, the enrichment, a referential, the tags re-applied): the lines, the read
    model, the tags, the stored open cells (`ouvert_cellule`, `ouvert_etat`), the marchés'
    pre-aggregates.

    On DuckDB two such transactions at once cannot both commit — both rewrite the open cells, and
    DuckDB refuses the second writer of a row instead of making it wait (« Conflict on … », or
    « duplicate key » at commit) — and the second would compute the derived tables without the
    first's lines (a snapshot taken before the first committed). So they run one after the other:
    a per-database lock of the process (DuckDB has one process) is held from before the
    transaction begins until it has ended; the second begins after the first committed and sees
    its lines. The transaction stays atomic: a refusal or a crash rolls it back whole. `wait`:
    seconds to wait for the lock (None: as long as it takes), else `DataBusy`.

    On PostgreSQL a transaction begins at once: concurrent writers wait for each other's rows, and
    the refresh of the open cells takes an advisory lock (query/ouvert.py)."""
    lock = _data_lock(engine)
    if lock is None:
        with engine.begin() as conn:
            yield conn
        return
    with lock.guard:
        lock.waiting += 1
    try:
        got = lock.lock.acquire(timeout=-1 if wait is None else wait)
    finally:
        with lock.guard:
            lock.waiting -= 1
    if not got:
        raise DataBusy()
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        lock.lock.release()


def is_write_conflict(error: BaseException) -> bool:
    """DuckDB's refusal of a transaction that wrote a row a concurrent transaction also wrote; or of
    an upsert (INSERT … ON CONFLICT) whose key a concurrent transaction inserted meanwhile (DuckDB
    then says « Duplicate key » at the statement, or « Failed to commit: … duplicate key » at the
    commit when both inserted it: tried again, the upsert sees the row and updates it)."""
    kind, text = type(getattr(error, "orig", error)).__name__, str(error)
    if "TransactionException" in kind and ("Conflict" in text or "duplicate key" in text.lower()):
        return True
    return "ConstraintException" in kind and "duplicate key" in text.lower()


def _bounded_pool(settings: Settings) -> dict:
    """At most `connexions_max` connections; beyond, a request waits up to `connexions_attente_s`
    for one to come back (sqlalchemy TimeoutError: a French 503, web/errors.py)."""
    keep = min(8, settings.connexions_max)
    return {
        "poolclass": sa.pool.QueuePool,
        "pool_size": keep,
        "max_overflow": settings.connexions_max - keep,
        "pool_timeout": settings.connexions_attente_s,
    }


def _explain_connect_error(url: str, error: Exception) -> str:
    text = str(error)
    if "lock" in text.lower():
        return (
            f"La base {url} est déjà ouverte par un autre processus (probablement « dataetat serve »). "
            "Passez par le serveur en cours, ou arrêtez-le avant de relancer la commande."
        )
    return f"Impossible d'ouvrir la base {url} : {text.splitlines()[0] if text else error!r}"


def is_duckdb(conn: Connection | Engine) -> bool:
    return conn.dialect.name == "duckdb"


def insert_arrow(conn: Connection, table: str, data: pa.Table) -> None:
    """Append an Arrow table whose column names are columns of `table` (same order not required)."""
    if data.num_rows == 0:
        return
    columns = ", ".join(data.column_names)
    if is_duckdb(conn):
        raw = conn.connection.dbapi_connection
        name = "__arrow_batch"
        raw.register(name, data)
        try:
            conn.exec_driver_sql(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {name}")
        finally:
            raw.unregister(name)
        return
    buffer = io.BytesIO()
    pacsv.write_csv(data, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())
