"""The `beneficiaire` table (SIRET → dénomination, catégorie juridique, commune)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dataetat.ingest.problems import Report
from dataetat.ingest.sirene import read_sirene
from dataetat.store import readmodel
from dataetat.store.engine import data_write, insert_arrow
from dataetat.store.schema import ae_annee, beneficiaire, cp


def import_sirene(
    engine: Engine, paths: list[Path], *, apres: Callable[[Connection], None] | None = None
) -> tuple[int, list[Report]]:
    """Keep the SIRENE rows of the SIRETs present in the financial lines; rebuild the read model;
    `apres` runs on the import's connection right before commit (tags: etiquetage.reapply)."""
    with engine.connect() as conn:
        sirets = {
            r[0] for r in conn.execute(sa.union(sa.select(ae_annee.c.siret), sa.select(cp.c.siret))) if r[0]
        }
    frame, reports = read_sirene(paths, sirets)
    if any(not r.valid for r in reports) or frame.height == 0:
        return 0, reports
    frame = frame.with_columns(pl.lit(datetime.now()).alias("updated_at"), pl.lit("sirene").alias("source"))
    with data_write(engine) as conn:
        conn.execute(
            beneficiaire.delete().where(beneficiaire.c.siret.in_(sa.bindparam("s", expanding=True))),
            {"s": frame["siret"].to_list()},
        )
        insert_arrow(conn, "beneficiaire", frame.to_arrow())
        readmodel.rebuild_all(conn)
        if apres is not None:
            apres(conn)
    return frame.height, reports
