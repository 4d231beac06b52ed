"""What the pages show of public procurement: a marché (every field, titulaires, modifications), an
acheteur or a titulaire (totals, by year, by CPV division, main partners, recent marchés), the
« Commande publique » key figures of a territory, and the candidate links between Chorus engagements
and marchés. Région-scoped like the search (`filters.marches_scope`, `filters.region_scope`).

A marché's montant is never added to the funding totals: these figures stand apart."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query.filters import marches_scope, region_scope
from dataetat.query.search import jsonable
from dataetat.store.marches_schema import marche, marche_ligne, marche_modification
from dataetat.store.schema import ligne

c = marche_ligne.c
TOP = 10


def _scoped(region: str | None) -> list:
    scope = marches_scope(region)
    return [] if scope is None else [scope]


def marche_detail(conn: Connection, uid: str, region: str | None) -> dict[str, Any] | None:
    rows = (
        conn.execute(sa.select(marche_ligne).where(c.uid == uid, *_scoped(region)).order_by(c.rang))
        .mappings()
        .all()
    )
    if not rows:
        return None
    base = conn.execute(sa.select(marche).where(marche.c.uid == uid)).mappings().one()
    history = (
        conn.execute(
            sa.select(marche_modification)
            .where(marche_modification.c.uid == uid)
            .order_by(marche_modification.c.modification_id)
        )
        .mappings()
        .all()
    )
    return {
        "marche": jsonable(dict(base)),
        "ligne": jsonable(dict(rows[0])),
        "titulaires": [jsonable(dict(r)) for r in rows],
        "modifications": [jsonable(dict(m)) for m in history],
    }


def _sum():
    return sa.func.coalesce(sa.func.sum(c.montant_part), 0)


def acteur(conn: Connection, siret: str, role: str, region: str | None) -> dict[str, Any] | None:
    """An acheteur's (role « acheteur ») or a titulaire's (« titulaire ») marchés, None when none is
    visible. For a titulaire the sums are its shares; for an acheteur, the marchés' montants."""
    own = c.acheteur_id if role == "acheteur" else c.titulaire_id
    other, other_nom = (
        (c.titulaire_id, c.titulaire_nom) if role == "acheteur" else (c.acheteur_id, c.acheteur_nom)
    )
    where = [own == siret, *_scoped(region)]
    total = conn.execute(
        sa.select(
            sa.func.count(sa.distinct(c.num)),
            _sum(),
            sa.func.max(c.acheteur_nom if role == "acheteur" else c.titulaire_nom),
        ).where(*where)
    ).one()
    if not total[0]:
        return None

    def by(column, label=None, limit=None):
        montant = _sum()
        query = (
            sa.select(
                column,
                sa.func.max(label) if label is not None else sa.null(),
                sa.func.count(sa.distinct(c.num)),
                montant,
            )
            .where(*where)
            .group_by(column)
            .order_by(montant.desc(), column)
        )
        rows = conn.execute(query.limit(limit) if limit else query).all()
        return [{"code": k, "label": lab, "marches": n, "montant": float(s)} for k, lab, n, s in rows]

    recents = (
        conn.execute(
            sa.select(
                c.uid,
                c.objet,
                c.date_notification,
                c.montant,
                c.montant_part,
                other.label("partenaire_id"),
                other_nom.label("partenaire_nom"),
                c.cpv_code,
                c.cpv_label,
                c.cpv_division_label,
            )
            .where(*where)
            .order_by(c.date_notification.desc().nulls_last(), c.uid)
            .limit(50)
        )
        .mappings()
        .all()
    )
    return {
        "siret": siret,
        "role": role,
        "nom": total[2],
        "marches": total[0],
        "montant": float(total[1]),
        "par_annee": sorted(by(c.annee), key=lambda g: g["code"] or 0, reverse=True),
        "par_division": by(c.cpv_division_code, c.cpv_division_label, TOP),
        "partenaires": by(other, other_nom, TOP),
        "recents": [jsonable(dict(r)) for r in recents],
    }


def territoire(conn: Connection, niveau: str, code: str, region: str | None) -> dict[str, Any] | None:
    """« Commande publique » key figures of a zone (marchés executed in it): None for the levels
    the lieu d'exécution does not resolve (EPCI, QPV…)."""
    if niveau not in ("region", "departement", "commune"):
        return None
    where = [c[f"lieu_{niveau}_code"] == code, *_scoped(region)]
    total = conn.execute(sa.select(sa.func.count(sa.distinct(c.num)), _sum()).where(*where)).one()
    montant = _sum()

    def top(column, label):
        rows = conn.execute(
            sa.select(column, sa.func.max(label), sa.func.count(sa.distinct(c.num)), montant)
            .where(*where)
            .group_by(column)
            .order_by(montant.desc(), column)
            .limit(TOP)
        ).all()
        return [{"code": k, "label": lab, "marches": n, "montant": float(s)} for k, lab, n, s in rows]

    return {
        "marches": total[0],
        "montant": float(total[1]),
        "titulaires": top(c.titulaire_id, c.titulaire_nom),
        "divisions": top(c.cpv_division_code, c.cpv_division_label),
    }


# --- Candidate links: a Chorus engagement and a marché that are likely the same -----------------

JOURS_MAX = 90  # notification and EJ creation at most this far apart
ECART_MAX = 0.10  # amounts agreeing within 10 %


def liens(
    conn: Connection, region: str | None, *, siret: str | None = None, uid: str | None = None
) -> list[dict[str, Any]]:
    """Candidate (EJ, marché) pairs of a beneficiary (`siret`) or of a marché (`uid`): titulaire SIRET
    = beneficiary SIRET, notification within JOURS_MAX days of the EJ's creation, montant AE within
    ECART_MAX of the marché's initial (or current) montant. Each with its evidence and a score in [0, 1]; never summed."""
    where_m = [c.titulaire_id.is_not(None), *_scoped(region)]
    if siret:
        where_m.append(c.titulaire_id == siret)
    if uid:
        where_m.append(c.uid == uid)
    m = (
        sa.select(c.uid, c.objet, c.titulaire_id, c.titulaire_nom, c.date_notification, c.montant,
                  marche.c.montant_initial)
        .join(marche, marche.c.uid == c.uid)
        .where(*where_m)
        .subquery()
    )  # fmt: skip
    scope = region_scope(region)
    where_l = [ligne.c.source == "FINANCIAL_DATA_AE", ligne.c.partie == 0, ligne.c.date_creation.is_not(None)]
    if scope is not None:
        where_l.append(scope)
    if siret:
        where_l.append(ligne.c.beneficiaire_code == siret)
    lines = sa.select(
        ligne.c.id, ligne.c.n_ej, ligne.c.n_poste_ej, ligne.c.beneficiaire_code, ligne.c.date_creation,
        ligne.c.montant_ae, ligne.c.programme_code,
    ).where(*where_l).subquery()  # fmt: skip
    rows = conn.execute(
        sa.select(m, lines.c.id.label("ligne_id"), lines.c.n_ej, lines.c.n_poste_ej, lines.c.date_creation,
                  lines.c.montant_ae, lines.c.programme_code)
        .join(lines, lines.c.beneficiaire_code == m.c.titulaire_id)
        .where(m.c.montant > 0, lines.c.montant_ae > 0)
        .limit(5000)
    ).mappings().all()  # fmt: skip
    result = []
    for r in rows:
        montants = [float(v) for v in (r["montant_initial"], r["montant"]) if v is not None]
        evidence = _score(r["date_notification"], r["date_creation"], montants, float(r["montant_ae"]))
        if evidence is not None:
            result.append(jsonable(dict(r)) | evidence)
    result.sort(key=lambda x: (-x["score"], x["uid"], x["ligne_id"]))
    return result[:100]


def _score(
    notification: date | None, creation: date, montants: list[float], montant_ae: float
) -> dict | None:
    """The marché's initial montant (what was engaged at notification) or its current one, the
    closer to the EJ's montant AE."""
    if notification is None or not montants:
        return None
    jours = abs((notification - creation).days)
    ecart = min(abs(x - montant_ae) / max(x, montant_ae) for x in montants)
    if jours > JOURS_MAX or ecart > ECART_MAX:
        return None
    score = 0.4 + 0.3 * (1 - jours / JOURS_MAX) + 0.3 * (1 - ecart / ECART_MAX)
    return {"jours": jours, "ecart": round(ecart, 4), "score": round(score, 2)}
