"""The split of AE lines across the QPVs of their lieu d'action (table `qpv_lieu_action`)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from dataetat.store.readmodel_decoration import COLUMNS
from dataetat.store.schema import SOURCE_AE, ligne

# Columns a QPV part takes from its own computation instead of its line's part 0.
_PART_OVERRIDES = {
    "partie": "s.partie",
    "montant_ae": "s.montant_ae",
    "montant_cp": "s.montant_cp",
    "objet": "s.libelle_action",
    "lieu_action_qpv_code": "s.code_qpv",
    "lieu_action_qpv_label": "q.label",
    "qpv_code": "s.code_qpv",
    "qpv_label": "q.label",
}


def split_lieu_action(conn: Connection, ejs: str) -> None:
    """Split the AE lines of the EJs `ejs` (a SELECT of n_ej) across their QPV lieu d'action.

    The file gives amounts per EJ and QPV; an EJ may hold several postes. Each QPV takes the share
    montant(QPV) / max(montant AE of the EJ, Σ montants of its QPVs) of every poste line, AE and CP
    alike (a file that splits more than the EJ holds is scaled down, never inflating a total); the
    part keeps every attribute of its line, gets the QPV as lieu d'action and the action's label as
    objet. Part 0 keeps the rest, and disappears when nothing is left. EJs without AE (not imported
    yet, or cancelled) are not split: their rows wait for the EJ."""
    conn.exec_driver_sql(
        f"""CREATE TEMPORARY TABLE lieu_split AS
        WITH la AS (
            SELECT n_ej, code_qpv, SUM(montant) AS montant, MIN(libelle_action) AS libelle_action
            FROM qpv_lieu_action WHERE n_ej IN ({ejs}) GROUP BY n_ej, code_qpv),
        la_ranked AS (
            SELECT la.*, SUM(montant) OVER (PARTITION BY n_ej) AS total_qpv,
                   ROW_NUMBER() OVER (PARTITION BY n_ej ORDER BY code_qpv) AS partie
            FROM la),
        ej AS (
            SELECT n_ej, SUM(montant_ae) AS total_ae FROM ligne
            WHERE source = '{SOURCE_AE}' AND partie = 0 AND n_ej IN (SELECT n_ej FROM la)
            GROUP BY n_ej)
        SELECT l.id, r.partie, r.code_qpv, r.libelle_action,
               ROUND(l.montant_ae * r.montant / GREATEST(ej.total_ae, r.total_qpv), 2) AS montant_ae,
               ROUND(l.montant_cp * r.montant / GREATEST(ej.total_ae, r.total_qpv), 2) AS montant_cp
        FROM ligne l JOIN ej ON ej.n_ej = l.n_ej JOIN la_ranked r ON r.n_ej = l.n_ej
        WHERE l.source = '{SOURCE_AE}' AND l.partie = 0 AND ej.total_ae > 0 AND r.montant > 0"""
    )
    try:
        columns = ", ".join(_PART_OVERRIDES.get(c.name, f"l.{c.name}") for c in ligne.columns)
        conn.exec_driver_sql(
            f"""INSERT INTO ligne ({COLUMNS})
            SELECT {columns} FROM lieu_split s JOIN ligne l ON l.id = s.id AND l.partie = 0
            LEFT JOIN ref_qpv q ON q.code = s.code_qpv"""
        )
        conn.exec_driver_sql(
            """UPDATE ligne SET montant_ae = ligne.montant_ae - s.montant_ae, montant_cp = ligne.montant_cp - s.montant_cp
            FROM (SELECT id, SUM(montant_ae) AS montant_ae, SUM(montant_cp) AS montant_cp
                  FROM lieu_split GROUP BY id) s
            WHERE ligne.id = s.id AND ligne.partie = 0"""
        )
        conn.exec_driver_sql(
            """DELETE FROM ligne WHERE partie = 0 AND montant_ae = 0 AND montant_cp = 0
            AND id IN (SELECT id FROM lieu_split)"""
        )
    finally:
        conn.exec_driver_sql("DROP TABLE lieu_split")
