"""Data QPV: the financing of a search that lands in the quartiers prioritaires de la ville.

Over exactly the lines of a search (same parameters, filters and région scope as the search page
and /api/v1/lignes) restricted to those with a QPV (`ligne.qpv_code`: the QPV of its lieu d'action,
else its beneficiary's 2024 QPV, else its 2015 one), three perimeters as in the reference's Data QPV
dashboard: « Crédits P147 » (programme 147, politique de la ville), « Crédits droit commun » (every
other line, a line without programme included) and « Total des crédits ».

A line split across QPVs by its lieux d'action has several read-model rows (`partie` 1..n, plus 0 for
what is left outside them): each row holds its part of the AE, so sums count every euro once, and an
action is a distinct line id (its parts are one action).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query.params import QueryError, SearchParams
from dataetat.query.search import exact, jsonable, where
from dataetat.store.schema import ligne, ref_qpv

c = ligne.c
P147 = "147"
PERIMETRES = {"p147": "Crédits P147", "droit-commun": "Crédits droit commun", "total": "Total des crédits"}
AUTRES = "Autres"
NON_RENSEIGNE = "Non renseigné"
LIGNES_MAX = 500


@dataclass
class Repartition:
    """One breakdown: labels and their Σ AE, by decreasing amount (by year for the years)."""

    labels: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)


@dataclass
class TableauDeBord:
    perimetre: str
    libelle: str
    total_financements: float
    total_actions: int
    total_porteurs: int
    themes: Repartition
    types_porteurs: Repartition
    financeurs: Repartition
    annees: Repartition
    description: list[str]

    def as_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["filtres"] = body.pop("description")
        return body


def check_perimetre(perimetre: str | None) -> str:
    perimetre = (perimetre or "total").lower()
    if perimetre not in PERIMETRES:
        raise QueryError(f"perimetre « {perimetre} » inconnu : valeurs possibles {', '.join(PERIMETRES)}.")
    return perimetre


def clauses(
    params: SearchParams, region: str | None, perimetre: str = "total", conn: Connection | None = None
) -> tuple[list, list[str]]:
    """The WHERE of a search (query/search.py `where`: filters + région scope), its lines in a QPV,
    of one perimeter; and the French description of its filters (codes named with `conn`)."""
    perimetre = check_perimetre(perimetre)
    params.check()
    found, description = where(params, region, conn)
    found.append(c.qpv_code.is_not(None))
    if perimetre == "p147":
        found.append(c.programme_code == P147)
    elif perimetre == "droit-commun":
        found.append(sa.or_(c.programme_code != P147, c.programme_code.is_(None)))
    return found, description


def _number(value: Any) -> float:
    return float(value or 0)


def _repartition(
    conn: Connection, key: sa.ColumnElement, where_: list, *, by_key: bool = False
) -> Repartition:
    amount = sa.func.coalesce(sa.func.sum(c.montant_ae), 0)
    query = sa.select(key.label("k"), amount.label("m")).where(*where_).group_by(key)
    query = query.order_by(key) if by_key else query.order_by(amount.desc(), key)
    rows = conn.execute(query).all()
    return Repartition([str(k) for k, _ in rows], [_number(m) for _, m in rows])


def financeur() -> sa.ColumnElement[str]:
    """Who pays: the centre de coûts (State lines), else the operator (ADEME, France 2030…)."""
    return sa.func.coalesce(c.centre_couts_label, c.operateur, sa.literal(NON_RENSEIGNE))


def tableau_de_bord(
    conn: Connection, params: SearchParams, perimetre: str | None = None, region: str | None = None
) -> TableauDeBord:
    perimetre = check_perimetre(perimetre)
    where_, description = clauses(params, region, perimetre, conn)
    total, actions, porteurs = conn.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(c.montant_ae), 0),
            sa.func.count(sa.distinct(c.id)),
            sa.func.count(sa.distinct(c.beneficiaire_code)),
        ).where(*where_)
    ).one()
    theme = sa.func.coalesce(c.programme_theme, sa.literal(NON_RENSEIGNE))
    type_ = sa.func.coalesce(c.beneficiaire_categorie_juridique_type, sa.literal(AUTRES))
    return TableauDeBord(
        perimetre=perimetre,
        libelle=PERIMETRES[perimetre],
        total_financements=_number(total),
        total_actions=int(actions),
        total_porteurs=int(porteurs),
        themes=_repartition(conn, theme, where_),
        types_porteurs=_repartition(conn, type_, where_),
        financeurs=_repartition(conn, financeur(), where_),
        annees=_repartition(conn, c.annee, [*where_, c.annee.is_not(None)], by_key=True),
        description=description,
    )


@dataclass
class QpvMontant:
    code: str
    label: str
    montant: float
    part: float  # share of the total of the search, 0..1
    actions: int
    longitude: float | None
    latitude: float | None
    geometrie: dict | None = None


def par_qpv(
    conn: Connection,
    params: SearchParams,
    perimetre: str | None = None,
    region: str | None = None,
    *,
    geometrie: bool = False,
) -> list[QpvMontant]:
    """Σ AE per QPV of the search, by decreasing amount; label and centre from ref_qpv (the line's
    label when the QPV is not in the referential)."""
    where_, _ = clauses(params, region, perimetre or "total")
    sums = (
        sa.select(
            c.qpv_code.label("code"),
            sa.func.max(c.qpv_label).label("label"),
            sa.func.coalesce(sa.func.sum(c.montant_ae), 0).label("montant"),
            sa.func.count(sa.distinct(c.id)).label("actions"),
        )
        .where(*where_)
        .group_by(c.qpv_code)
        .subquery()
    )
    columns = [
        sums.c.code,
        sa.func.coalesce(ref_qpv.c.label, sums.c.label).label("label"),
        sums.c.montant,
        sums.c.actions,
        ref_qpv.c.longitude,
        ref_qpv.c.latitude,
    ]
    if geometrie:
        columns.append(ref_qpv.c.geometrie)
    rows = conn.execute(
        sa.select(*columns)
        .select_from(sums.outerjoin(ref_qpv, ref_qpv.c.code == sums.c.code))
        .order_by(sums.c.montant.desc(), sums.c.code)
    ).all()
    total = sum((exact(r.montant) for r in rows), Decimal(0))
    return [
        QpvMontant(
            code=r.code,
            label=r.label or r.code,
            montant=float(r.montant),
            part=float(exact(r.montant) / total) if total else 0.0,
            actions=int(r.actions),
            longitude=_degrees(r.longitude),
            latitude=_degrees(r.latitude),
            geometrie=json.loads(r.geometrie) if geometrie and r.geometrie else None,
        )
        for r in rows
    ]


def carte(
    conn: Connection, params: SearchParams, perimetre: str | None = None, region: str | None = None
) -> dict[str, Any]:
    """The QPVs having an amount in the search as a GeoJSON FeatureCollection: the QPV's contour
    (null when the referential has none) and its code, label, amount, share, actions and centre."""
    features = [
        {
            "type": "Feature",
            "id": q.code,
            "geometry": q.geometrie,
            "properties": {
                "code": q.code,
                "label": q.label,
                "montant": q.montant,
                "part": q.part,
                "actions": q.actions,
                "longitude": q.longitude,
                "latitude": q.latitude,
            },
        }
        for q in par_qpv(conn, params, perimetre, region, geometrie=True)
    ]
    return {"type": "FeatureCollection", "features": features}


# Columns of the table of lines (the reference's Data QPV table).
COLONNES_LIGNES = {
    "id": c.id,
    "partie": c.partie,
    "source": c.source,
    "beneficiaire_code": c.beneficiaire_code,
    "beneficiaire_denomination": c.beneficiaire_denomination,
    "beneficiaire_commune_label": c.beneficiaire_commune_label,
    "beneficiaire_departement_label": c.beneficiaire_departement_label,
    "montant_ae": c.montant_ae,
    "annee": c.annee,
    "financeur": financeur(),
    "programme_theme": c.programme_theme,
    "programme_code": c.programme_code,
    "programme_label": c.programme_label,
    "objet": c.objet,
    "qpv_code": c.qpv_code,
    "qpv_label": c.qpv_label,
}


def lignes(
    conn: Connection,
    params: SearchParams,
    perimetre: str | None = None,
    region: str | None = None,
    limite: int = 100,
) -> tuple[list[dict[str, Any]], int]:
    """The first `limite` lines (parts) of the search in QPVs, by decreasing AE, and how many there are."""
    if not 1 <= limite <= LIGNES_MAX:
        raise QueryError(f"limite doit être entre 1 et {LIGNES_MAX}.")
    where_, _ = clauses(params, region, perimetre or "total")
    count = conn.execute(sa.select(sa.func.count()).select_from(ligne).where(*where_)).scalar_one()
    rows = conn.execute(
        sa.select(*(col.label(name) for name, col in COLONNES_LIGNES.items()))
        .where(*where_)
        .order_by(c.montant_ae.desc(), c.id, c.partie)
        .limit(limite)
    ).mappings()
    return [jsonable(dict(r)) for r in rows], count


def themes(conn: Connection, region: str | None = None) -> list[str]:
    """The themes of the lines in a QPV the user may see (the thème choices of the page)."""
    where_, _ = clauses(SearchParams(), region)
    rows = conn.execute(
        sa.select(c.programme_theme).where(*where_, c.programme_theme.is_not(None)).distinct()
    ).scalars()
    return sorted(rows)


def _degrees(value: float | None) -> float | None:
    """A coordinate to 6 decimals (10 cm): DuckDB's FLOAT is single precision (-1.655 → -1.65499997)."""
    return None if value is None else round(float(value), 6)
