"""One line with every field, the payments (CP) and the imported files behind a line, the years
present — region-scoped."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query.filters import region_scope
from dataetat.query.search import jsonable
from dataetat.store import cp_link
from dataetat.store.schema import SOURCE_AE, SOURCE_CP, ae_annee, aide, cp, import_fichier, ligne


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
    whole["montants_par_exercice"] = ae_years(conn, line_id) if whole["source"] == SOURCE_AE else []
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


def ae_years(conn: Connection, line_id: int) -> list[dict[str, Any]]:
    """The stored amount of each exercice of an AE line, and which count in its montant AE (the
    read model's rule, store/readmodel_parts.MONTANT_AE): on the winning feed (NATION over REGION), the
    latest exercice's positive amount (`retenu`) and every negative correction (`correction`);
    an earlier positive amount was restated (`remplace`); the other feed does not count
    (`autre-flux`)."""
    rows = conn.execute(
        sa.select(ae_annee.c.annee, ae_annee.c.montant, ae_annee.c.data_source)
        .where(ae_annee.c.engagement_id == line_id)
        .order_by(ae_annee.c.annee, ae_annee.c.data_source)
    ).all()
    feed = "NATION" if any(r.data_source == "NATION" for r in rows) else "REGION"
    positive = max((r.annee for r in rows if r.data_source == feed and r.montant > 0), default=None)
    years = []
    for r in rows:
        if r.data_source != feed:
            role = "autre-flux"
        elif r.montant < 0:
            role = "correction"
        else:
            role = "retenu" if r.annee == positive else "remplace"
        years.append(
            {
                "annee": r.annee,
                "montant": float(r.montant),
                "data_source": r.data_source,
                "compte": role in ("retenu", "correction"),
                "role": role,
            }
        )
    return years


def payments(conn: Connection, line_id: int, region: str | None = None) -> list[dict[str, Any]] | None:
    """The CP counted in the line's montant CP (the rule of store/cp_link: a REGION CP joins its own
    région's line only, NATION's CP win); an orphan CP line is its own payment; an operator's aid
    has none (its payments are not published). None: no such line in the user's scope."""
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
    ids = _payment_ids(conn, line_id, found.source)
    if not ids:
        return []
    rows = conn.execute(sa.select(*columns).where(cp.c.id.in_(ids)).order_by(cp.c.date_base_dp, cp.c.id))
    return [jsonable(dict(r)) for r in rows.mappings()]


def _payment_ids(conn: Connection, line_id: int, source: str) -> list[int]:
    """Ids of the `cp` rows counted in a line's montant CP (none for an operator's aid)."""
    if source == SOURCE_CP:
        return [line_id]
    if source == SOURCE_AE:
        return cp_link.counted_payments(conn, line_id)
    return []


def sources(conn: Connection, line_id: int, region: str | None = None) -> list[dict[str, Any]] | None:
    """The imported files behind a line, oldest import first: those of its AE rows (the feed that
    wins, NATION over REGION, as in the read model) and those of its payments; an operator's aid:
    the file it came from. None: no such line in the user's scope."""
    found = _key(conn, line_id, region)
    if found is None:
        return None
    used: list[int] = []
    ids = _payment_ids(conn, line_id, found.source)
    if ids:
        used += conn.execute(sa.select(cp.c.import_id).where(cp.c.id.in_(ids)).distinct()).scalars().all()
    if found.source == SOURCE_AE:
        has_nation = sa.exists().where(
            ae_annee.c.engagement_id == line_id, ae_annee.c.data_source == "NATION"
        )
        feed = sa.case((has_nation, "NATION"), else_="REGION")
        used += (
            conn.execute(
                sa.select(ae_annee.c.import_id)
                .where(ae_annee.c.engagement_id == line_id, ae_annee.c.data_source == feed)
                .distinct()
            )
            .scalars()
            .all()
        )
    elif found.source != SOURCE_CP:
        used += conn.execute(sa.select(aide.c.import_id).where(aide.c.id == line_id)).scalars().all()
    if not used:
        return []
    f = import_fichier.c
    rows = conn.execute(
        sa.select(f.id, f.kind, f.filename, f.sha256, f.data_source, f.source_region, f.annee, f.imported_at)
        .where(f.id.in_(sorted(set(used))))
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


def freshness(conn: Connection, years: list[int] | None = None) -> str:
    """The data-freshness notice of the pages, in French: the date of the last Chorus import (not an
    end date of the data) and the exercices present (`years`, those the user may see)."""
    last = conn.execute(
        sa.select(sa.func.max(import_fichier.c.imported_at)).where(import_fichier.c.kind.like("chorus%"))
    ).scalar()
    if last is None:
        return "Aucune donnée financière n'est encore chargée."
    text = f"Dernier import Chorus le {last:%d/%m/%Y}"
    if years:
        lo, hi = min(years), max(years)
        text += f" ; données de {lo} à {hi}" if lo != hi else f" ; données de {lo}"
    return text + "."
