"""The published open cells (query/ouvert.py, after the secrecy rule), stored so that the anonymous
open pages read them instead of computing them: `ouvert_cellule` holds every published cell of every
level, `ouvert_etat` (one row) the threshold they were computed with. Both are rewritten in the
transaction of every import that changes the lines (query/apres_import.py); a reader whose threshold
differs (or that finds no state) computes the cells live. Migration 0017_ouvert creates the same."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.store.schema import MONTANT, metadata

ouvert_cellule = sa.Table(
    "ouvert_cellule",
    metadata,
    sa.Column("famille", sa.String, nullable=False),
    sa.Column("region", sa.String, nullable=False),  # "" when unknown
    sa.Column("niveau", sa.String, nullable=False),
    sa.Column("zone_code", sa.String, nullable=False),
    sa.Column("zone_libelle", sa.String),
    sa.Column("annee", sa.Integer, nullable=False),
    sa.Column("programme_code", sa.String, nullable=False),
    sa.Column("programme_libelle", sa.String),
    sa.Column("theme", sa.String),
    sa.Column("lignes", sa.BigInteger, nullable=False),
    sa.Column("montant_ae", MONTANT, nullable=False),
    sa.Column("montant_cp", MONTANT, nullable=False),
    sa.Column("beneficiaires", sa.Integer, nullable=False),  # for the rule only; never published
)
sa.Index("ix_ouvert_cellule_zone", ouvert_cellule.c.niveau, ouvert_cellule.c.zone_code).ddl_if(
    dialect="postgresql"
)

ouvert_etat = sa.Table(
    "ouvert_etat",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("seuil", sa.Integer, nullable=False),
    sa.Column("calcule_le", sa.DateTime, nullable=False),
    sa.Column("secondes", sa.Float, nullable=False),
)


def invalider(conn: Connection) -> None:
    """The stored cells no longer match the lines (called wherever the read model changes, in the
    same transaction): readers compute live until the import's refresh (query/apres_import.py)
    stores them again, so no path that changes lines can leave stale open figures behind."""
    conn.execute(ouvert_etat.delete())
