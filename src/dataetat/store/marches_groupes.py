"""Pre-aggregated groups of the read model: for every groupable column (titulaire, acheteur, CPV,
communes, départements, régions, nature, procédure…), the groups of the whole base — label, rows,
marchés, Σ montant_part — written by each DECP import in its transaction (after
`marches_readmodel.refresh`), so that the first level of an unfiltered national search grouped by
one of them reads a few rows instead of grouping 1.5 M (query/marches_recherche.py `_groups`: any
filter, région scope or drill-down reads the live rows). The groups of a marché-level column add up
to the totals of the whole base: the unfiltered search's totals read them too (`TOTAUX`).

Each group counts its marchés as the live query does (query/marches_recherche.nombre_marches
without filters): the row count by titulaire (a titulaire appears once per marché), the marché's
first rows (rang 1) for a marché-level column, a distinct count for another titulaire-level column.
tests/integration/test_marches_groupes.py checks they give exactly the live numbers on both
databases, after a re-import that changes the data too.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_FIRST_ROWS = "coalesce(sum(CASE WHEN rang = 1 THEN 1 ELSE 0 END), 0)"
_DISTINCT = "count(DISTINCT num)"
_NONE = "CAST(NULL AS VARCHAR)"  # a column without a label
# column: (its label column or NULL, how a group counts its marchés); names from this constant only.
GROUPES: dict[str, tuple[str, str]] = {
    "titulaire_id": ("titulaire_nom", "count(*)"),
    "acheteur_id": ("acheteur_nom", _FIRST_ROWS),
    "cpv_code": ("cpv_label", _FIRST_ROWS),
    "cpv_division_code": ("cpv_division_label", _FIRST_ROWS),
    "lieu_commune_code": ("lieu_commune_label", _FIRST_ROWS),
    "lieu_departement_code": ("lieu_departement_label", _FIRST_ROWS),
    "lieu_region_code": ("lieu_region_label", _FIRST_ROWS),
    "annee": (_NONE, _FIRST_ROWS),  # stored as text (`code`), read back as an integer
    "nature": (_NONE, _FIRST_ROWS),
    "procedure": (_NONE, _FIRST_ROWS),
    "forme_prix": (_NONE, _FIRST_ROWS),
    "titulaire_commune_code": ("titulaire_commune_label", _DISTINCT),
    "titulaire_categorie": (_NONE, _DISTINCT),
    "titulaire_categorie_juridique_type": (_NONE, _DISTINCT),
}
# A marché-level column of few groups: its groups add up to the totals of the whole base.
TOTAUX = "nature"


def refresh(conn: Connection) -> None:
    """Recompute every pre-aggregated group from the read model (in the caller's transaction)."""
    conn.execute(sa.text("DELETE FROM marche_groupe"))
    for column, (label, marches) in GROUPES.items():
        conn.execute(
            sa.text(
                "INSERT INTO marche_groupe (colonne, code, label, lignes, marches, montant) "
                f"SELECT :colonne, CAST({column} AS VARCHAR), max({label}), count(*), {marches}, "
                "sum(montant_part) "
                f"FROM marche_ligne GROUP BY {column}"
            ),
            {"colonne": column},
        )
