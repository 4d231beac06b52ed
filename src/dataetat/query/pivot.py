"""The pivot table ("tableau dynamique"): one groupable column as rows, another as columns, a sum or a
count in each cell, over exactly the lines of a search (same filters, region scope and grouping path)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query.columns import BY_CODE
from dataetat.query.params import QueryError, SearchParams
from dataetat.query.search import where
from dataetat.store.schema import ligne

VALEURS = ("montant_ae", "montant_cp", "count")
NON_RENSEIGNE = "Non renseigné"

Nombre = int | Decimal


@dataclass
class Entete:
    """One row or column of the table: its code (None when not filled in) and its French label."""

    code: Any
    label: str


@dataclass
class PivotRow:
    entete: Entete
    cellules: list[Nombre | None]  # aligned on PivotResult.colonnes; None: no line in that cell
    total: Nombre


@dataclass
class PivotResult:
    lignes: str  # registry column of the rows
    colonnes: str  # registry column of the columns
    valeur: str  # montant_ae, montant_cp or count
    entetes: list[Entete]  # the columns, sorted (None last)
    rangs: list[PivotRow]  # the rows, sorted by code (None last)
    totaux_colonnes: list[Nombre]
    total: Nombre
    description: list[str] = field(default_factory=list)
    # French names of the two columns (the exports' header); the lines' registry when empty.
    libelle_lignes: str = ""
    libelle_colonnes: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "lignes": self.lignes,
            "colonnes": self.colonnes,
            "valeur": self.valeur,
            "entetes": [_entete(e) for e in self.entetes],
            "rangs": [
                {
                    **_entete(r.entete),
                    "cellules": [None if v is None else _number(v) for v in r.cellules],
                    "total": _number(r.total),
                }
                for r in self.rangs
            ],
            "totaux_colonnes": [_number(v) for v in self.totaux_colonnes],
            "total": _number(self.total),
            "description": list(self.description),
        }


def pivot(
    conn: Connection,
    params: SearchParams,
    lignes: str,
    colonnes: str,
    valeur: str,
    region: str | None = None,
    max_colonnes: int = 200,
) -> PivotResult:
    params.check()
    _check(lignes, colonnes, valeur)
    clauses, description = where(params, region, conn)
    row_col, col_col = ligne.c[lignes], ligne.c[colonnes]

    refuse_too_many_columns(conn, col_col, clauses, BY_CODE[colonnes].label, colonnes, max_colonnes)

    measure = sa.func.count() if valeur == "count" else sa.func.sum(ligne.c[valeur])
    rows = conn.execute(
        sa.select(row_col, _label(lignes), col_col, _label(colonnes), measure)
        .where(*clauses)
        .group_by(row_col, col_col)
    ).all()
    result = assemble(rows, lignes, colonnes, valeur, counted=valeur == "count")
    result.description = description
    result.libelle_lignes, result.libelle_colonnes = BY_CODE[lignes].label, BY_CODE[colonnes].label
    return result


def refuse_too_many_columns(
    conn: Connection, column: sa.ColumnElement, clauses: list, label: str, code: str, max_colonnes: int
) -> None:
    """A French 400 when `column` takes more than `max_colonnes` values over the search's rows."""
    distinct = sa.select(column).where(*clauses).group_by(column).subquery()
    n_colonnes = conn.execute(sa.select(sa.func.count()).select_from(distinct)).scalar_one()
    if n_colonnes > max_colonnes:
        raise QueryError(
            f"Trop de colonnes pour le tableau : « {label} » ({code}) prend {n_colonnes} valeurs distinctes, "
            f"{max_colonnes} au plus. Filtrez la recherche ou échangez lignes et colonnes."
        )


def assemble(rows: list[Any], lignes: str, colonnes: str, valeur: str, counted: bool = False) -> PivotResult:
    """The table from its cells, (row code, row label, column code, column label, value) each:
    rows and columns sorted by code (None last: « Non renseigné »), totals as sums of the cells.
    `counted`: integer values (a count), else exact decimals."""
    cells: dict[tuple[Any, Any], Nombre] = {}
    row_labels: dict[Any, str | None] = {}
    col_labels: dict[Any, str | None] = {}
    for r_code, r_label, c_code, c_label, value in rows:
        cells[r_code, c_code] = _exact(value)
        row_labels[r_code] = row_labels.get(r_code) or r_label
        col_labels[c_code] = col_labels.get(c_code) or c_label

    zero: Nombre = 0 if counted else Decimal(0)
    col_codes = sorted(col_labels, key=_order)
    rangs = []
    for r_code in sorted(row_labels, key=_order):
        line = [cells.get((r_code, c_code)) for c_code in col_codes]
        rangs.append(
            PivotRow(_make_entete(r_code, row_labels[r_code]), line, sum((v for v in line if v), zero))
        )
    totaux = [sum((cells.get((r, c_code)) or zero for r in row_labels), zero) for c_code in col_codes]
    return PivotResult(
        lignes=lignes,
        colonnes=colonnes,
        valeur=valeur,
        entetes=[_make_entete(c_code, col_labels[c_code]) for c_code in col_codes],
        rangs=rangs,
        totaux_colonnes=totaux,
        total=sum(totaux, zero),
    )


def _check(lignes: str, colonnes: str, valeur: str) -> None:
    if valeur not in VALEURS:
        raise QueryError(f"valeur « {valeur} » inconnue : valeurs possibles {', '.join(VALEURS)}.")
    for role, name in (("lignes", lignes), ("colonnes", colonnes)):
        if name not in BY_CODE or not BY_CODE[name].groupable:
            raise QueryError(
                f"On ne peut pas mettre « {name} » en {role} du tableau : choisissez une colonne groupable."
            )
    if lignes == colonnes:
        raise QueryError(
            f"lignes et colonnes doivent être deux colonnes différentes (« {lignes} » deux fois)."
        )


def _label(name: str) -> sa.ColumnElement[Any]:
    label_column = BY_CODE[name].label_column
    return sa.func.max(ligne.c[label_column]) if label_column else sa.null()


def _make_entete(code: Any, label: str | None) -> Entete:
    if code is None:
        return Entete(None, NON_RENSEIGNE)
    return Entete(code, f"{code} - {label}" if label else str(code))


def _order(code: Any) -> tuple[bool, Any]:
    return (code is None, code)


def _exact(value: Any) -> Nombre:
    if value is None:
        return Decimal(0)
    if isinstance(value, int):
        return value
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _number(value: Nombre) -> int | float:
    return value if isinstance(value, int) else float(value)


def _entete(e: Entete) -> dict[str, Any]:
    code = e.code.isoformat() if hasattr(e.code, "isoformat") else e.code
    return {"code": code, "label": e.label}
