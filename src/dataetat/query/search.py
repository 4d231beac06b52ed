"""Run a search: lines or groups of the current drill-down level, and the totals of the whole result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query import filters, lookups
from dataetat.query.columns import BY_CODE, default_columns, select_column
from dataetat.query.params import SearchParams
from dataetat.store.schema import ligne


@dataclass
class Total:
    count: int
    montant_ae: float
    montant_cp: float


@dataclass
class SearchResult:
    total: Total
    lignes: list[dict[str, Any]] | None = None
    groupes: list[dict[str, Any]] | None = None
    has_next: bool = False
    description: list[str] = field(default_factory=list)


def where(
    params: SearchParams, region: str | None, conn: Connection | None = None
) -> tuple[list[sa.ColumnElement[bool]], list[str]]:
    """The WHERE clauses of a search (filters, region scope, opened grouping path) and the French
    description of its filters, codes named when `conn` is given (`lookups.phrases`, one query):
    shared by lines, groups, pivots and exports."""
    built = filters.build(params)
    clauses = [f.clause for f in built]
    scope = filters.region_scope(region)
    if scope is not None:
        clauses.append(scope)
    for column, value in zip(params.grouping, params.grouped, strict=False):
        col = ligne.c[column]
        clauses.append(col.is_(None) if value == "None" else col == sa.cast(sa.literal(value), col.type))
    return clauses, lookups.phrases(conn, built) if conn is not None else [f.description for f in built]


def count(conn: Connection, params: SearchParams, region: str | None = None) -> int:
    """Number of lines of a search (to choose between a direct download and a job)."""
    params.check()
    clauses, _ = where(params, region)
    return conn.execute(sa.select(sa.func.count()).select_from(ligne).where(*clauses)).scalar_one()


def search(conn: Connection, params: SearchParams, region: str | None = None) -> SearchResult:
    params.check()
    clauses, description = where(params, region, conn)
    total_row = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(ligne.c.montant_ae), 0),
            sa.func.coalesce(sa.func.sum(ligne.c.montant_cp), 0),
        ).where(*clauses)
    ).one()
    result = SearchResult(
        Total(total_row[0], float(total_row[1]), float(total_row[2])), description=description
    )
    offset = (params.page - 1) * params.page_size
    if len(params.grouped) < len(params.grouping):
        result.groupes, result.has_next = _groups(conn, params, clauses, offset)
    else:
        result.lignes, result.has_next = _lines(conn, params, clauses, offset)
    return result


def unknown_region_total(conn: Connection, params: SearchParams, region: str | None) -> Total:
    """The lines of unknown région (an operator's aid whose beneficiary is not geolocated), counted
    apart: for a national user, those of the search (they are in its results); for a regional user,
    all of them, as a number and a sum only (they are in no région's results, and a filtered count
    would let one probe lines they may not see)."""
    clauses = where(params, None)[0] if region is None else []
    row = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(ligne.c.montant_ae), 0),
            sa.func.coalesce(sa.func.sum(ligne.c.montant_cp), 0),
        ).where(*clauses, filters.unknown_region())
    ).one()
    return Total(row[0], float(row[1]), float(row[2]))


def _lines(conn, params, clauses, offset):
    names = list(dict.fromkeys(params.colonnes)) or default_columns(bool(params.niveau_geo))
    columns = [ligne.c.id, ligne.c.partie, *(select_column(n, params) for n in names)]
    for n in names:
        label = BY_CODE[n].label_column
        if label and label not in names:
            columns.append(ligne.c[label])
    order = []
    if params.sort_by:
        col = ligne.c[params.sort_by]
        order.append(col.desc().nulls_last() if params.sort_order == "desc" else col.asc().nulls_last())
    order += [ligne.c.id, ligne.c.partie]
    rows = (
        conn.execute(
            sa.select(*columns).where(*clauses).order_by(*order).limit(params.page_size + 1).offset(offset)
        )
        .mappings()
        .all()
    )
    lines = [jsonable(dict(r)) for r in rows[: params.page_size]]
    return lines, len(rows) > params.page_size


def _groups(conn, params, clauses, offset):
    name = params.grouping[len(params.grouped)]
    col = ligne.c[name]
    label_name = BY_CODE[name].label_column
    label = sa.func.max(ligne.c[label_name]) if label_name else sa.null()
    ae, cp = sa.func.sum(ligne.c.montant_ae), sa.func.sum(ligne.c.montant_cp)
    rows = conn.execute(
        sa.select(col.label("code"), label.label("label"), sa.func.count().label("count"), ae, cp)
        .where(*clauses)
        .group_by(col)
        .order_by(ae.desc(), col)
        .limit(params.page_size + 1)
        .offset(offset)
    ).all()
    groups = [
        {
            "colonne": name,
            "code": code,
            "label": "Non renseigné" if code is None else f"{code} - {lab}" if lab else str(code),
            "count": count,
            "montant_ae": float(s_ae or 0),
            "montant_cp": float(s_cp or 0),
        }
        for code, lab, count, s_ae, s_cp in rows[: params.page_size]
    ]
    return groups, len(rows) > params.page_size


def exact(value: Any) -> Decimal:
    """A sum from the database as an exact Decimal (DuckDB may hand back a float; NULL is 0)."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """Amounts as numbers, dates as ISO strings (JSON-ready, in place)."""
    for key, value in row.items():
        if isinstance(value, Decimal):
            row[key] = float(value)
        elif isinstance(value, (date, datetime)):
            row[key] = value.isoformat()
    return row
