"""The set-based merge of staged Chorus rows into the base tables, inside the import transaction.

From the staging tables (`stg_ae`, `stg_cp`) and the temp tables of store/staging.py (`ae_feeds`,
`touched`, `cp_deleted`): the AE amounts of the replaced feeds and years are replaced (engagements
keep their ids), the CP rows of the replaced feeds are replaced (a payment brought again keeps its id).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from dataetat.ingest.validate import STAGING
from dataetat.model.enums import Kind
from dataetat.store import staging
from dataetat.store.schema import ae_annee, cp

_AE_ATTRS = [
    c.name
    for c in ae_annee.columns
    if c.name in STAGING[Kind.AE] and c.name not in ("data_source", "annee", "montant")
]
_CP_COLS = [c.name for c in cp.columns if c.name in STAGING[Kind.CP] and c.name != "ligne"]


def replace_ae(conn: Connection) -> None:
    """AE amounts of the replaced feeds, and of the EJ/poste-years brought again, are replaced;
    engagements keep their ids."""
    conn.exec_driver_sql(
        """DELETE FROM ae_annee WHERE EXISTS (SELECT 1 FROM engagement e JOIN ae_feeds f ON f.source_region = e.source_region
           WHERE e.id = ae_annee.engagement_id AND f.data_source = ae_annee.data_source AND f.annee = ae_annee.annee)
           OR EXISTS (SELECT 1 FROM engagement e JOIN stg_ae s ON s.source_region = e.source_region
               AND s.n_ej = e.n_ej AND s.n_poste_ej = e.n_poste_ej
               WHERE e.id = ae_annee.engagement_id AND s.data_source = ae_annee.data_source AND s.annee = ae_annee.annee)"""
    )
    conn.exec_driver_sql(
        """INSERT INTO engagement (id, source_region, n_ej, n_poste_ej)
           SELECT nextval('line_id_seq'), k.source_region, k.n_ej, k.n_poste_ej
           FROM (SELECT DISTINCT source_region, n_ej, n_poste_ej FROM stg_ae) k
           WHERE NOT EXISTS (SELECT 1 FROM engagement e WHERE e.source_region = k.source_region
                             AND e.n_ej = k.n_ej AND e.n_poste_ej = k.n_poste_ej)"""
    )
    attrs = ", ".join(_AE_ATTRS)
    conn.exec_driver_sql(
        f"""INSERT INTO ae_annee (engagement_id, data_source, annee, montant, import_id, ligne_fichier, {attrs})
            SELECT e.id, s.data_source, s.annee, s.total, s.import_id, s.ligne, {", ".join("s." + a for a in _AE_ATTRS)}
            FROM ({staging.DEDUPED_AE}) s JOIN engagement e ON e.source_region = s.source_region
                 AND e.n_ej = s.n_ej AND e.n_poste_ej = s.n_poste_ej"""
    )
    conn.exec_driver_sql(
        """DELETE FROM engagement WHERE EXISTS (SELECT 1 FROM touched t
               WHERE t.n_ej = engagement.n_ej AND t.n_poste_ej = engagement.n_poste_ej)
           AND NOT EXISTS (SELECT 1 FROM ae_annee a WHERE a.engagement_id = engagement.id)"""
    )


# A payment brought again (same feed, year, DP, EJ/poste and amount, in the same order) keeps its id,
# so that re-importing the same file leaves every line id as it was.
_CP_SAME = "data_source, source_region, annee, n_dp, n_poste_dp, n_ej, n_poste_ej, montant"


def replace_cp(conn: Connection) -> None:
    # The equalities first: PostgreSQL cannot hash a join on IS NOT DISTINCT FROM alone, and
    # replacing an exercice of 100,000 CP rows compared every new row with every old one (400 s).
    same = " AND ".join(
        [f"n.{c} = o.{c}" for c in ("data_source", "source_region", "annee", "montant")]
        + [f"COALESCE(n.{c}, '') = COALESCE(o.{c}, '')" for c in ("n_dp", "n_ej")]
        + [f"n.{c} IS NOT DISTINCT FROM o.{c}" for c in _CP_SAME.split(", ")]
    )
    conn.exec_driver_sql(
        f"""CREATE TEMPORARY TABLE cp_kept AS
            SELECT n.import_id, n.ligne, o.id FROM
                (SELECT s.*, ROW_NUMBER() OVER (PARTITION BY {_CP_SAME} ORDER BY import_id, ligne) AS rk FROM stg_cp s) n
            JOIN (SELECT c.*, ROW_NUMBER() OVER (PARTITION BY {_CP_SAME} ORDER BY ligne_fichier, id) AS rk
                  FROM cp c WHERE c.id IN (SELECT id FROM cp_deleted)) o
            ON {same} AND n.rk = o.rk"""
    )
    conn.exec_driver_sql("DELETE FROM cp WHERE id IN (SELECT id FROM cp_deleted)")
    cols = ", ".join(_CP_COLS)
    conn.exec_driver_sql(
        f"""INSERT INTO cp (id, ligne_fichier, import_id, {cols})
            SELECT COALESCE(k.id, nextval('line_id_seq')), s.ligne, s.import_id, {", ".join("s." + c for c in _CP_COLS)}
            FROM stg_cp s LEFT JOIN cp_kept k ON k.import_id = s.import_id AND k.ligne = s.ligne"""
    )
