"""The figures of the "fiche" pages — a beneficiary (`/beneficiaires/{siret}`) and a territory
(`/territoires/{niveau}/{code}`): key figures and breakdowns (by source, thème, programme, year, top
beneficiaries) of exactly the lines of a search, built on `search.where` (same filters, same région
scope as the search and the API: a territory is the zone filter niveau_geo + code_geo, a beneficiary
the filter beneficiaire_code). One GROUP BY query per breakdown, parameterised, on both databases.

Who the fiche is about: query/territoires.py (a zone's name and parents), query/beneficiaires.py
(a beneficiary's identity).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query.filters import region_scope
from dataetat.query.params import SearchParams
from dataetat.query.search import where
from dataetat.store.schema import ligne

c = ligne.c
SOURCES = {
    "FINANCIAL_DATA_AE": "Engagements de l'État (Chorus, AE)",
    "FINANCIAL_DATA_CP": "Paiements sans engagement (Chorus, CP)",
    "ADEME": "Aides de l'ADEME",
    "FRANCE_2030": "Lauréats France 2030",
}
TOP = 10


@dataclass
class Part:
    """One group of a breakdown: its code, label and sums."""

    code: Any
    label: str
    count: int
    montant_ae: float
    montant_cp: float


@dataclass
class Chiffres:
    count: int = 0
    montant_ae: float = 0.0
    montant_cp: float = 0.0
    beneficiaires: int = 0


@dataclass
class Fiche:
    """Key figures and breakdowns of the lines of a search."""

    total: Chiffres
    par_source: list[Part] = field(default_factory=list)
    par_theme: list[Part] = field(default_factory=list)
    par_programme: list[Part] = field(default_factory=list)
    par_annee: list[Part] = field(default_factory=list)
    beneficiaires: list[Part] = field(default_factory=list)  # top TOP by AE
    description: list[str] = field(default_factory=list)


def _num(value: Any) -> float:
    return float(value) if isinstance(value, Decimal) else float(value or 0)


def _breakdown(conn, clauses, code, label=None, *, order_by_code=False, limit=None) -> list[Part]:
    ae, cp = sa.func.sum(c.montant_ae), sa.func.sum(c.montant_cp)
    lab = sa.func.max(label) if label is not None else sa.null()
    query = (
        sa.select(code.label("code"), lab.label("label"), sa.func.count(), ae, cp)
        .where(*clauses)
        .group_by(code)
        .order_by(*((code,) if order_by_code else (ae.desc(), code)))
    )
    if limit:
        query = query.limit(limit)
    return [
        Part(k, lb or ("Non renseigné" if k is None else str(k)), n, _num(a), _num(p))
        for k, lb, n, a, p in conn.execute(query).all()
    ]


def fiche(conn: Connection, params: SearchParams, region: str | None, *, beneficiaires: bool = True) -> Fiche:
    """Totals and breakdowns of the lines of `params` visible to `region` (one query each)."""
    params.check()
    clauses, description = where(params, region, conn)
    n, ae, cp, benef = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(c.montant_ae), 0),
            sa.func.coalesce(sa.func.sum(c.montant_cp), 0),
            sa.func.count(sa.distinct(c.beneficiaire_code)),
        ).where(*clauses)
    ).one()
    result = Fiche(Chiffres(n, _num(ae), _num(cp), benef), description=description)
    if not n:
        return result
    result.par_source = _breakdown(conn, clauses, c.source)
    for part in result.par_source:
        part.label = SOURCES.get(part.code, part.label)
    result.par_theme = _breakdown(conn, clauses, c.programme_theme)
    result.par_programme = _breakdown(conn, clauses, c.programme_code, c.programme_label)
    result.par_annee = _breakdown(conn, clauses, c.annee, order_by_code=True)
    if beneficiaires:
        result.beneficiaires = _breakdown(
            conn, clauses, c.beneficiaire_code, c.beneficiaire_denomination, limit=TOP
        )
    return result


def scoped(region: str | None) -> list[sa.ColumnElement[bool]]:
    """The lines visible to `region` (a clause list: none for a national user)."""
    scope = region_scope(region)
    return [] if scope is None else [scope]
