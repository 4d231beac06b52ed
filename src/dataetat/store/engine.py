"""Engines for DuckDB (embedded) and PostgreSQL (server), and bulk loading of Arrow tables."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dataetat.settings import Settings


class StoreError(Exception):
    """A database problem explained in French to the user."""


def make_engine(settings: Settings) -> Engine:
    url = sa.engine.make_url(settings.database_url)
    if url.get_backend_name() == "duckdb":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        config = {"memory_limit": settings.duckdb_memory_limit, "preserve_insertion_order": "false"}
        if settings.duckdb_threads:
            config["threads"] = str(settings.duckdb_threads)
        # One connection per thread to the same in-process database. The pool must hold at least as
        # many connections as the web server has worker threads (AnyIO: 40), or it closes
        # connections that are still in use.
        engine = sa.create_engine(
            url, connect_args={"config": config}, poolclass=sa.pool.SingletonThreadPool, pool_size=64
        )
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect():
            pass
    except Exception as e:  # noqa: BLE001 - turned into a French message
        raise StoreError(_explain_connect_error(settings.database_url, e)) from e
    return engine


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
