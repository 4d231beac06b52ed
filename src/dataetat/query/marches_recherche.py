"""Run a « Commande publique » search: rows or groups of the current drill-down level, the totals of
the whole result, the totals per zone for the map, and the rows streamed for the exports.

Totals count rows (marché × titulaire), distinct marchés (by `num`, an integer: faster than the uid), and Σ `montant_part` (each marché's montant
once, split between its titulaires): a total never counts a marché twice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query import lookups
from dataetat.query.filters import marches_scope
from dataetat.query.marches import BY_CODE, DEFAULT, NIVEAUX_LIEU, MarchesParams, build
from dataetat.query.params import QueryError
from dataetat.query.search import jsonable
from dataetat.store.engine import is_duckdb
from dataetat.store.marches_groupes import GROUPES, TOTAUX
from dataetat.store.marches_schema import marche_groupe, marche_ligne

c = marche_ligne.c


@dataclass
class Totaux:
    count: int
    marches: int
    montant: float


@dataclass
class MarchesResult:
    total: Totaux
    lignes: list[dict[str, Any]] | None = None
    groupes: list[dict[str, Any]] | None = None
    has_next: bool = False
    description: list[str] = field(default_factory=list)


def where(
    params: MarchesParams, region: str | None, conn: Connection | None = None
) -> tuple[list[sa.ColumnElement[bool]], list[str]]:
    """As query/search.py `where`: the clauses and the filters' sentences (codes named with `conn`)."""
    built = build(params)
    clauses = [f.clause for f in built]
    scope = marches_scope(region)
    if scope is not None:
        clauses.append(scope)
    for name, value in zip(params.grouping, params.grouped, strict=False):
        col = c[name]
        if value == "None":
            clauses.append(col.is_(None))
        elif isinstance(col.type, sa.Integer):
            if not (value.lstrip("-").isdigit() and abs(int(value)) < 2**31):
                raise QueryError(f"grouped : « {value} » n'est pas un nombre entier ({name}).")
            clauses.append(col == int(value))
        else:
            clauses.append(col == value)
    return clauses, lookups.phrases(conn, built) if conn is not None else [f.description for f in built]


def _titulaire_level(name: str) -> bool:
    return name.startswith("titulaire_")


def nombre_marches(params: MarchesParams, column: str | None = None) -> sa.ColumnElement:
    """The number of distinct marchés of a result (or of a group by `column`). When the filters keep
    all the rows of a marché or none (no titulaire-level filter), it is the number of its first rows
    (rang 1): a plain sum, much faster than a distinct count over millions of rows. Grouped by
    titulaire_id, a titulaire appears once per marché: the row count. Otherwise a distinct count."""
    applied = params.grouping[: len(params.grouped)]
    partial = bool(params.titulaire) or any(_titulaire_level(n) for n in applied)
    if column == "titulaire_id":
        return sa.func.count()
    if partial or (column is not None and _titulaire_level(column)):
        return sa.func.count(sa.distinct(c.num))
    return sa.func.coalesce(sa.func.sum(sa.case((c.rang == 1, 1), else_=0)), 0)


def totaux(conn: Connection, clauses: list, params: MarchesParams) -> Totaux:
    """The totals of the whole result; without any filter (nor région scope, nor drill-down), the
    sums of the pre-aggregated groups of a marché-level column (store/marches_groupes.py): the
    same numbers without reading the 1.5 M rows."""
    if not clauses and TOTAUX in GROUPES:
        g = marche_groupe.c
        row = conn.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(g.lignes), 0),
                sa.func.coalesce(sa.func.sum(g.marches), 0),
                sa.func.coalesce(sa.func.sum(g.montant), 0),
            ).where(g.colonne == TOTAUX)
        ).one()
        return Totaux(int(row[0]), int(row[1]), float(row[2]))
    row = conn.execute(
        sa.select(
            sa.func.count(), nombre_marches(params), sa.func.coalesce(sa.func.sum(c.montant_part), 0)
        ).where(*clauses)
    ).one()
    return Totaux(row[0], int(row[1]), float(row[2]))


def search(conn: Connection, params: MarchesParams, region: str | None = None) -> MarchesResult:
    params.check()
    clauses, description = where(params, region, conn)
    result = MarchesResult(totaux(conn, clauses, params), description=description)
    offset = (params.page - 1) * params.page_size
    if len(params.grouped) < len(params.grouping):
        result.groupes, result.has_next = _groups(conn, params, clauses, offset)
    else:
        result.lignes, result.has_next = _rows(conn, params, clauses, offset)
    return result


def columns_of(params: MarchesParams) -> list[str]:
    return list(dict.fromkeys(params.colonnes)) or list(DEFAULT)


def _select(names: list[str]) -> list[sa.ColumnElement]:
    columns = [c.uid.label("uid"), c.rang] if "uid" not in names else [c.rang]
    columns += [c[n] for n in names]
    for n in names:
        label = BY_CODE[n].label_column
        if label and label not in names:
            columns.append(c[label])
    return columns


def _order(params: MarchesParams) -> list:
    order = []
    if params.sort_by:
        col = c[params.sort_by]
        order.append(col.desc().nulls_last() if params.sort_order == "desc" else col.asc().nulls_last())
    else:
        order.append(c.date_notification.desc().nulls_last())
    return [*order, c.num, c.rang]


def _rows(conn, params, clauses, offset):
    """One page of rows. The sort runs on the keys alone (marché number, rang and the sort column),
    then the page's columns are read for those rows only: carrying the strings through a sort of
    millions of rows cost ten times more (DuckDB)."""
    if is_duckdb(conn) and params.page_size <= 1_000:  # (a list of numbers, not 100,000)
        return _rows_duckdb(conn, params, clauses, offset)
    names = columns_of(params)
    keys = (
        sa.select(c.num, c.rang)
        .where(*clauses)
        .order_by(*_order(params))
        .limit(params.page_size + 1)
        .offset(offset)
        .subquery()
    )
    query = (
        sa.select(*_select(names))
        .join_from(marche_ligne, keys, sa.and_(keys.c.num == c.num, keys.c.rang == c.rang))
        .order_by(*_order(params))
    )
    rows = conn.execute(query).mappings().all()
    return [jsonable(dict(r)) for r in rows[: params.page_size]], len(rows) > params.page_size


def _rows_duckdb(conn, params, clauses, offset):
    """DuckDB: the keys of the page first (with their notification dates), then its columns read by
    number within the page's date span. The read model is stored in date order
    (store/marches_readmodel.py), so that span's zone maps skip nearly every row group: a join
    back on (num, rang) alone read the strings of the whole table (≈ 110 ms for 1.4 M rows)."""
    keys = conn.execute(
        sa.select(c.num, c.rang, c.date_notification)
        .where(*clauses)
        .order_by(*_order(params))
        .limit(params.page_size + 1)
        .offset(offset)
    ).all()
    if not keys:
        return [], False
    span = [d for _, _, d in keys]
    within = [c.num.in_(sorted({n for n, _, _ in keys}))]
    if None not in span:  # else no date bound: rows without a date would be left out
        within.append(c.date_notification.between(min(span), max(span)))
    found = {}
    for r in conn.execute(
        sa.select(*_select(columns_of(params)), c.num.label("_num")).where(*within)
    ).mappings():
        row = dict(r)
        found[(row.pop("_num"), row["rang"])] = row
    rows = [jsonable(found[(n, rang)]) for n, rang, _ in keys]
    return rows[: params.page_size], len(rows) > params.page_size


def _groups(conn, params, clauses, offset):
    name = params.grouping[len(params.grouped)]
    if not clauses and name in GROUPES:  # no filter, no région scope, first level
        return _pre_aggregated(conn, name, params, offset)
    col = c[name]
    label_name = BY_CODE[name].label_column
    label = sa.func.max(c[label_name]) if label_name else sa.null()
    montant = sa.func.sum(c.montant_part)
    rows = conn.execute(
        sa.select(
            col.label("code"),
            label.label("label"),
            sa.func.count(),
            nombre_marches(params, name),
            montant,
        )
        .where(*clauses)
        .group_by(col)
        .order_by(montant.desc().nulls_last(), col)
        .limit(params.page_size + 1)
        .offset(offset)
    ).all()
    groups = _as_groups(name, rows, params)
    return groups, len(rows) > params.page_size


def _pre_aggregated(conn, name, params, offset):
    """The groups of the whole base by a column of many groups, pre-aggregated by the import
    (store/marches_groupes.py): the same numbers and order as the live grouping, without reading
    the 1.5 M rows."""
    g = marche_groupe.c
    rows = conn.execute(
        sa.select(g.code, g.label, g.lignes, g.marches, g.montant)
        .where(g.colonne == name)
        .order_by(g.montant.desc().nulls_last(), g.code)
        .limit(params.page_size + 1)
        .offset(offset)
    ).all()
    if isinstance(c[name].type, sa.Integer):  # stored as text
        rows = [(None if code is None else int(code), *rest) for code, *rest in rows]
    return _as_groups(name, rows, params), len(rows) > params.page_size


def _as_groups(name, rows, params):
    return [
        {
            "colonne": name,
            "code": code,
            "label": "Non renseigné" if code is None else f"{code} - {lab}" if lab else str(code),
            "count": n,
            "marches": int(m),
            "montant": float(s or 0),
        }
        for code, lab, n, m, s in rows[: params.page_size]
    ]


def carte(conn: Connection, params: MarchesParams, niveau: str, region: str | None) -> dict[str, Any]:
    """Totals per zone of the lieu d'exécution (région, département or commune) for the map: `zones`
    (code, label, marches, montant, count), `sans_zone` (the rows with no lieu at that level) and
    `total`, so that zones + sans_zone = total = the search's totals (a marché has one lieu)."""
    if niveau not in NIVEAUX_LIEU:
        raise QueryError(f"niveau « {niveau} » : valeurs possibles {', '.join(NIVEAUX_LIEU)}.")
    params.check()
    clauses, description = where(params, region, conn)
    code, label = c[f"lieu_{niveau}_code"], c[f"lieu_{niveau}_label"]
    rows = conn.execute(
        sa.select(
            code, sa.func.max(label), nombre_marches(params), sa.func.sum(c.montant_part), sa.func.count()
        )
        .where(*clauses)
        .group_by(code)
        .order_by(code)
    ).all()
    zones = [
        {"code": k, "label": lab, "marches": int(n), "montant": float(s or 0), "count": cnt}
        for k, lab, n, s, cnt in rows
        if k is not None
    ]
    sans = next(((int(n), s or 0, cnt) for k, _, n, s, cnt in rows if k is None), (0, 0, 0))
    total = (sum(int(r[2]) for r in rows), sum((r[3] or 0 for r in rows), 0), sum(r[4] for r in rows))
    return {
        "niveau": niveau,
        "zones": zones,
        "sans_zone": {"marches": sans[0], "montant": float(sans[1]), "count": sans[2]},
        "total": {"marches": total[0], "montant": float(total[1]), "count": total[2]},
        "description": description,
    }


def export_fields(names: list[str]) -> list[tuple[str, str]]:
    """(column, French header) of each exported column: a code column is followed by its label."""
    result = []
    for name in names:
        col = BY_CODE[name]
        result.append((name, col.label))
        if col.label_column and col.label_column not in names:
            labelled = BY_CODE.get(col.label_column)
            result.append((col.label_column, labelled.label if labelled else f"{col.label} (libellé)"))
    return result


def kinds(fields: list[tuple[str, str]]) -> list[str]:
    result = []
    for name, _ in fields:
        typ = c[name].type
        result.append(
            "date" if isinstance(typ, sa.Date) else "int" if isinstance(typ, sa.Integer)
            else "decimal" if isinstance(typ, sa.Numeric) else "text"
        )  # fmt: skip
    return result


def stream(
    conn: Connection,
    params: MarchesParams,
    region: str | None,
    fields: list[tuple[str, str]],
    page: int = 10_000,
) -> Iterator[list[tuple]]:
    """Every row of the search (no cap), `page` rows at a time, in a stable order."""
    params.check()
    clauses, _ = where(params, region)
    query = sa.select(*(c[n] for n, _ in fields)).where(*clauses).order_by(c.uid, c.rang)
    result = conn.execution_options(stream_results=True, yield_per=page).execute(query)
    for part in result.partitions(page):
        yield [tuple(r) for r in part]
