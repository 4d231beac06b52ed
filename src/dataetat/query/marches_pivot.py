"""The tableau dynamique of a « Commande publique » search: one groupable column of `marche_ligne` as
rows, another as columns, over exactly the rows of the search (query/marches_recherche.where: same
filters, région scope and grouping path). The table itself is the lines' one (query/pivot.py).

Values: `montant` (Σ `montant_part`: each marché's montant once, split between its titulaires),
`marches` (distinct marchés) or `count` (rows marché × titulaire). Every total equals the search's:
montant and count add up; a marché counted in several cells (a titulaire-level column: one cell per
titulaire) is counted once in the totals, which are then distinct counts of their own."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query.marches import BY_CODE, MarchesParams
from dataetat.query.marches_recherche import nombre_marches, totaux, where
from dataetat.query.params import QueryError
from dataetat.query.pivot import PivotResult, assemble, refuse_too_many_columns
from dataetat.store.marches_schema import marche_ligne

c = marche_ligne.c
VALEURS = {
    "montant": "Montant (chaque marché une fois)",
    "marches": "Nombre de marchés",
    "count": "Nombre de lignes",
}
MAX_COLONNES = 200
MAX_CELLULES = 100_000


def check(lignes: str | None, colonnes: str | None, valeur: str) -> None:
    if valeur not in VALEURS:
        raise QueryError(f"valeur « {valeur} » inconnue : valeurs possibles {', '.join(VALEURS)}.")
    if not lignes or not colonnes:
        raise QueryError(
            "Le tableau dynamique demande lignes et colonnes (ex. lignes=procedure&colonnes=annee)."
        )
    for role, name in (("lignes", lignes), ("colonnes", colonnes)):
        if name not in BY_CODE or not BY_CODE[name].groupable:
            raise QueryError(
                f"On ne peut pas mettre « {name} » en {role} du tableau : choisissez une colonne "
                "groupable (GET /api/v1/marches/colonnes)."
            )
    if lignes == colonnes:
        raise QueryError(
            f"lignes et colonnes doivent être deux colonnes différentes (« {lignes} » deux fois)."
        )


def _label(name: str) -> sa.ColumnElement[Any]:
    label_column = BY_CODE[name].label_column
    return sa.func.max(c[label_column]) if label_column else sa.null()


def _per_titulaire(name: str) -> bool:
    return name.startswith("titulaire_")


def pivot(
    conn: Connection,
    params: MarchesParams,
    lignes: str,
    colonnes: str,
    valeur: str = "montant",
    region: str | None = None,
) -> PivotResult:
    params.check()
    check(lignes, colonnes, valeur)
    clauses, description = where(params, region, conn)
    row_col, col_col = c[lignes], c[colonnes]
    refuse_too_many_columns(conn, col_col, clauses, BY_CODE[colonnes].label, colonnes, MAX_COLONNES)
    # A marché is in one cell unless a column is per titulaire: then its cells are distinct counts.
    overlapping = valeur == "marches" and (_per_titulaire(lignes) or _per_titulaire(colonnes))

    def measure(column: str | None = None) -> sa.ColumnElement:
        if valeur == "count":
            return sa.func.count()
        if valeur == "montant":
            return sa.func.sum(c.montant_part)
        return sa.func.count(sa.distinct(c.num)) if overlapping else nombre_marches(params, column)

    cells = conn.execute(
        sa.select(row_col, _label(lignes), col_col, _label(colonnes), measure())
        .where(*clauses)
        .group_by(row_col, col_col)
        .limit(MAX_CELLULES + 1)
    ).all()
    if len(cells) > MAX_CELLULES:
        raise QueryError(
            f"Trop de cases pour le tableau (plus de {MAX_CELLULES:,}) : filtrez la recherche ou "
            "choisissez des colonnes qui prennent moins de valeurs.".replace(",", "\u202f")
        )
    result = assemble(cells, lignes, colonnes, valeur, counted=valeur != "montant")
    result.description = description
    result.libelle_lignes, result.libelle_colonnes = BY_CODE[lignes].label, BY_CODE[colonnes].label
    if overlapping:  # the totals count each marché once: their own distinct counts
        by_row = _distinct_by(conn, clauses, row_col, params, lignes)
        by_col = _distinct_by(conn, clauses, col_col, params, colonnes)
        for rang in result.rangs:
            rang.total = by_row.get(rang.entete.code, 0)
        result.totaux_colonnes = [by_col.get(e.code, 0) for e in result.entetes]
        result.total = totaux(conn, clauses, params).marches
    return result


def _distinct_by(conn, clauses, column, params: MarchesParams, name: str) -> dict[Any, int]:
    rows = conn.execute(
        sa.select(column, nombre_marches(params, name)).where(*clauses).group_by(column)
    ).all()
    return {code: int(n) for code, n in rows}
