"""One line with every field, the payments (CP) and the imported files behind a line, the years
present — region-scoped."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query.filters import region_scope
from dataetat.query.search import jsonable
from dataetat.store.schema import SOURCE_CP, ae_annee, cp, import_fichier, ligne


def _scoped(region: str | None) -> list[sa.ColumnElement[bool]]:
    scope = region_scope(region)
    return [] if scope is None else [scope]


def _key(conn: Connection, line_id: int, region: str | None):
    """(source, n_ej, n_poste_ej) of a line in scope, or None."""
    return conn.execute(
        sa.select(ligne.c.source, ligne.c.n_ej, ligne.c.n_poste_ej).where(
            ligne.c.id == line_id, *_scoped(region)
        )
    ).first()


def line(conn: Connection, line_id: int, region: str | None = None) -> dict[str, Any] | None:
    """The whole line: a line split across QPVs by its lieu d'action is shown with the sum of its
    parts as amounts and the parts under `parties` (empty for a line that is not split)."""
    rows = (
        conn.execute(sa.select(ligne).where(ligne.c.id == line_id, *_scoped(region)).order_by(ligne.c.partie))
        .mappings()
        .all()
    )
    if not rows:
        return None
    whole = dict(rows[0])
    parts = [r for r in rows if r["partie"] > 0]
    whole["montant_ae"] = sum(r["montant_ae"] for r in rows)
    whole["montant_cp"] = sum(r["montant_cp"] for r in rows)
    if parts:  # part 0 is what is left outside any QPV (it may be gone)
        for name in ("lieu_action_qpv_code", "lieu_action_qpv_label", "qpv_code", "qpv_label"):
            whole[name] = rows[0][name] if rows[0]["partie"] == 0 else None
        if rows[0]["partie"] > 0:
            whole["objet"] = None
    whole["partie"] = 0
    whole["parties"] = [
        jsonable(
            {
                "partie": r["partie"],
                "qpv_code": r["lieu_action_qpv_code"],
                "qpv_label": r["lieu_action_qpv_label"],
                "objet": r["objet"],
                "montant_ae": r["montant_ae"],
                "montant_cp": r["montant_cp"],
            }
        )
        for r in parts
    ]
    return jsonable(whole)


def payments(conn: Connection, line_id: int, region: str | None = None) -> list[dict[str, Any]] | None:
    """The CP counted in the line's montant CP (same rule as the read model: its EJ/poste, NATION's
    payments when there are any); an orphan CP line is its own payment. None: no such line."""
    found = _key(conn, line_id, region)
    if found is None:
        return None
    columns = [
        cp.c.id,
        cp.c.n_dp,
        cp.c.date_base_dp,
        cp.c.date_derniere_operation_dp,
        cp.c.montant,
        cp.c.annee,
        cp.c.data_source,
    ]
    condition = _payments_of(line_id, *found)
    rows = conn.execute(sa.select(*columns).where(condition).order_by(cp.c.date_base_dp, cp.c.id)).mappings()
    return [jsonable(dict(r)) for r in rows]


def _payments_of(line_id: int, source: str, n_ej: str | None, poste: int | None) -> sa.ColumnElement[bool]:
    """The `cp` rows counted in a line's montant CP."""
    if source == SOURCE_CP:
        return cp.c.id == line_id
    has_nation = sa.exists().where(cp.c.n_ej == n_ej, cp.c.n_poste_ej == poste, cp.c.data_source == "NATION")
    feed = sa.case((has_nation, "NATION"), else_="REGION")
    return sa.and_(cp.c.n_ej == n_ej, cp.c.n_poste_ej == poste, cp.c.data_source == feed)


def sources(conn: Connection, line_id: int, region: str | None = None) -> list[dict[str, Any]] | None:
    """The imported files behind a line, oldest import first: those of its AE rows (the feed that
    wins, NATION over REGION, as in the read model) and those of its payments. None: no such line."""
    found = _key(conn, line_id, region)
    if found is None:
        return None
    used = sa.select(cp.c.import_id).where(_payments_of(line_id, *found))
    if found[0] != SOURCE_CP:
        has_nation = sa.exists().where(
            ae_annee.c.engagement_id == line_id, ae_annee.c.data_source == "NATION"
        )
        feed = sa.case((has_nation, "NATION"), else_="REGION")
        used = used.union(
            sa.select(ae_annee.c.import_id).where(
                ae_annee.c.engagement_id == line_id, ae_annee.c.data_source == feed
            )
        )
    f = import_fichier.c
    rows = conn.execute(
        sa.select(f.id, f.kind, f.filename, f.sha256, f.data_source, f.source_region, f.annee, f.imported_at)
        .where(f.id.in_(used))
        .order_by(f.imported_at, f.id)
    ).mappings()
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
