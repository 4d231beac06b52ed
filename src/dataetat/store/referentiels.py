"""Load referential frames into the `ref_*` tables, then rebuild the read model (same transaction)."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.store import readmodel
from dataetat.store.engine import insert_arrow
from dataetat.store.schema import REFERENTIAL_TABLES


def load(conn: Connection, frames: dict[str, pl.DataFrame]) -> dict[str, int]:
    """A frame with every column of its table replaces the table; a frame with some columns updates
    those columns by code and adds the codes it brings. Returns rows loaded per table."""
    loaded = {}
    for kind, frame in frames.items():
        table = REFERENTIAL_TABLES[kind]
        columns = [c.name for c in table.columns]
        keys = [c.name for c in table.primary_key.columns]
        frame = frame.select([c for c in columns if c in frame.columns]).unique(subset=keys, keep="first")
        if set(frame.columns) == set(columns):
            kept = _learned_labels(conn, frame) if kind == "categorie_juridique" else None
            conn.execute(table.delete())
            insert_arrow(conn, table.name, frame.to_arrow())
            if kept is not None and not kept.is_empty():
                _update(conn, table, keys, kept)
        else:
            _update(conn, table, keys, frame)
        loaded[kind] = frame.height
    readmodel.rebuild_all(conn)
    return loaded


def _learned_labels(conn: Connection, frame: pl.DataFrame) -> pl.DataFrame:
    """The catégories juridiques' labels learned from API Entreprise (store/enrichissement.py) that a
    full reload would lose: those of codes the new file lacks or gives without label."""
    t = REFERENTIAL_TABLES["categorie_juridique"]
    rows = conn.execute(sa.select(t.c.code, t.c.label).where(t.c.label.is_not(None))).all()
    given = {c for c, lab in frame.select("code", "label").iter_rows() if lab not in (None, "")}
    kept = [(c, lab) for c, lab in rows if c not in given]
    return pl.DataFrame(kept, schema={"code": pl.String, "label": pl.String}, orient="row")


def _update(conn: Connection, table: sa.Table, keys: list[str], frame: pl.DataFrame) -> None:
    staging = sa.Table(
        "stg_ref", sa.MetaData(), *(sa.Column(c, sa.String) for c in frame.columns), prefixes=["TEMPORARY"]
    )
    staging.create(conn)
    insert_arrow(conn, "stg_ref", frame.to_arrow())
    updates = [c for c in frame.columns if c not in keys]
    same = " AND ".join(f"{table.name}.{k} = s.{k}" for k in keys)
    if updates:
        assignments = ", ".join(f"{c} = s.{c}" for c in updates)
        conn.exec_driver_sql(f"UPDATE {table.name} SET {assignments} FROM stg_ref s WHERE {same}")
    cols = ", ".join(frame.columns)
    conn.exec_driver_sql(
        f"""INSERT INTO {table.name} ({cols}) SELECT {cols} FROM stg_ref s
            WHERE NOT EXISTS (SELECT 1 FROM {table.name} WHERE {same})"""
    )
    staging.drop(conn)


def is_empty(conn: Connection) -> bool:
    return (
        conn.execute(sa.select(sa.func.count()).select_from(REFERENTIAL_TABLES["programme"])).scalar_one()
        == 0
    )
