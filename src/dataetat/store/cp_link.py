"""The one rule joining a payment (CP) to an engagement's AE line, used by the read model (montant CP
of a line, orphan payments) and by the line's detail (the payments and files behind it).

EJ numbers are not unique across régions' REGION feeds (two régions' files may carry the same
numbers), so the EJ/poste alone does not say which line a CP belongs to. For each CP, the first of:
1. a REGION CP: the AE line of its own région (same EJ/poste), whichever feed holds the AE there;
   never a line of another région;
2. a NATION CP: the line of its EJ/poste holding NATION AE, its own région's first, else another
   région's (lowest code): real national extracts put an EJ under one société and its payments
   under another; else the line of its own région holding REGION AE;
3. none: the CP is a line of its own (tag cp-orphelin).
On a line, NATION's CP win when it has any: its REGION CP are the same payments seen by the other
feed and are not counted. Each CP is therefore counted at most once: the national Σ CP is the Σ of
the imported CP files (less REGION CP that NATION also brings), and importing one région's files
never changes what another région sees.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# The engagements a CP may join (its own région's, whatever feed; NATION's anywhere for a NATION CP).
CANDIDATE = (
    "f.n_ej = c.n_ej AND f.n_poste_ej = c.n_poste_ej "
    "AND (f.source_region = c.source_region OR (c.data_source = 'NATION' AND f.nation = 1))"
)


def link_ctes() -> str:
    """CTEs `eng_feed`, `cp_link` and `cp_counted` over the engagements of a CTE `e` (id,
    source_region, n_ej, n_poste_ej) and the CP of their EJ/postes (whatever their région):
    `cp_link` (id, engagement_id, data_source, montant, date_derniere_operation_dp) gives the line
    each CP joins, `cp_counted` the same rows less the REGION CP a line's NATION CP replace. A CP
    joins no line when no engagement of `eng_feed` satisfies `CANDIDATE` (see `orphan_condition`).
    A REGION CP has at most one candidate (one engagement per région and EJ/poste): only NATION CP
    are ranked (a window over every CP doubled the time of a whole rebuild)."""
    return f"""
    eng_feed AS (
        SELECT e.id, e.source_region, e.n_ej, e.n_poste_ej,
               MAX(CASE WHEN a.data_source = 'NATION' THEN 1 ELSE 0 END) AS nation
        FROM e JOIN ae_annee a ON a.engagement_id = e.id
        GROUP BY e.id, e.source_region, e.n_ej, e.n_poste_ej),
    cp_link AS (
        SELECT c.id, f.id AS engagement_id, c.data_source, c.montant, c.date_derniere_operation_dp
        FROM cp c JOIN eng_feed f ON f.n_ej = c.n_ej AND f.n_poste_ej = c.n_poste_ej
             AND f.source_region = c.source_region
        WHERE c.data_source <> 'NATION'
        UNION ALL
        SELECT id, engagement_id, data_source, montant, date_derniere_operation_dp FROM (
            SELECT c.id, f.id AS engagement_id, c.data_source, c.montant, c.date_derniere_operation_dp,
                   ROW_NUMBER() OVER (PARTITION BY c.id ORDER BY
                       CASE WHEN f.nation = 1 AND f.source_region = c.source_region THEN 0
                            WHEN f.nation = 1 THEN 1 ELSE 2 END,
                       f.source_region) AS rn
            FROM cp c JOIN eng_feed f ON {CANDIDATE}
            WHERE c.data_source = 'NATION'
        ) x WHERE rn = 1),
    link_nation AS (SELECT DISTINCT engagement_id FROM cp_link WHERE data_source = 'NATION'),
    cp_counted AS (
        SELECT l.* FROM cp_link l
        WHERE l.data_source = 'NATION'
           OR NOT EXISTS (SELECT 1 FROM link_nation n WHERE n.engagement_id = l.engagement_id))
    """


def orphan_condition(alias: str = "c") -> str:
    """SQL true when the CP `alias` joins no line of `eng_feed` (it is then a line of its own)."""
    return f"NOT EXISTS (SELECT 1 FROM eng_feed f WHERE {CANDIDATE.replace('c.', alias + '.')})"


def counted_payments(conn: Connection, engagement_id: int) -> list[int]:
    """Ids of the CP counted in the montant CP of the AE line `engagement_id` (empty when none)."""
    sql = f"""
    WITH e AS (
        SELECT o.id, o.source_region, o.n_ej, o.n_poste_ej FROM engagement o
        JOIN engagement k ON k.n_ej = o.n_ej AND k.n_poste_ej = o.n_poste_ej WHERE k.id = :id),
    {link_ctes()}
    SELECT id FROM cp_counted WHERE engagement_id = :id ORDER BY id
    """
    return [r[0] for r in conn.execute(sa.text(sql), {"id": engagement_id})]
