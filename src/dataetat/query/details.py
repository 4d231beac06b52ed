"""One line with every field, the payments (CP) of a line, the years present — region-scoped."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query.filters import region_scope
from dataetat.query.search import jsonable
from dataetat.store.schema import SOURCE_CP, cp, import_fichier, ligne


def _scoped(region: str | None) -> list[sa.ColumnElement[bool]]:
    scope = region_scope(region)
    return [] if scope is None else [scope]


def line(conn: Connection, line_id: int, region: str | None = None) -> dict[str, Any] | None:
    row = conn.execute(sa.select(ligne).where(ligne.c.id == line_id, *_scoped(region))).mappings().first()
    return jsonable(dict(row)) if row else None


def payments(conn: Connection, line_id: int, region: str | None = None) -> list[dict[str, Any]] | None:
    """The CP counted in the line's montant CP (same rule as the read model: its EJ/poste, NATION's
    payments when there are any); an orphan CP line is its own payment. None: no such line."""
    found = conn.execute(
        sa.select(ligne.c.source, ligne.c.n_ej, ligne.c.n_poste_ej).where(
            ligne.c.id == line_id, *_scoped(region)
        )
    ).first()
    if found is None:
        return None
    source, n_ej, poste = found
    columns = [
        cp.c.id,
        cp.c.n_dp,
        cp.c.date_base_dp,
        cp.c.date_derniere_operation_dp,
        cp.c.montant,
        cp.c.annee,
        cp.c.data_source,
    ]
    if source == SOURCE_CP:
        condition = cp.c.id == line_id
    else:
        has_nation = sa.exists().where(
            cp.c.n_ej == n_ej, cp.c.n_poste_ej == poste, cp.c.data_source == "NATION"
        )
        feed = sa.case((has_nation, "NATION"), else_="REGION")
        condition = sa.and_(cp.c.n_ej == n_ej, cp.c.n_poste_ej == poste, cp.c.data_source == feed)
    rows = conn.execute(sa.select(*columns).where(condition).order_by(cp.c.date_base_dp, cp.c.id)).mappings()
    return [jsonable(dict(r)) for r in rows]


def years(conn: Connection, region: str | None = None) -> list[int]:
    rows = conn.execute(
        sa.select(ligne.c.annee)
        .where(ligne.c.annee.is_not(None), *_scoped(region))
        .distinct()
        .order_by(ligne.c.annee.desc())
    )
    return [r[0] for r in rows]


def freshness(conn: Connection) -> str:
    """The data-freshness notice of the pages, in French."""
    last = conn.execute(
        sa.select(sa.func.max(import_fichier.c.imported_at)).where(import_fichier.c.kind.like("chorus%"))
    ).scalar()
    if last is None:
        return "Aucune donnée financière n'est encore chargée."
    return f"Données financières chargées jusqu'au {last:%d/%m/%Y} (dernier import Chorus)."
