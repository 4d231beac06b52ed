"""The flat read model of public procurement, `marche_ligne`: one row per (marché, titulaire),
rebuilt set-based for the marchés an import wrote, in its transaction.

- lieu d'exécution → commune (« Code commune », a merged commune through `ref_commune_passage`;
  « Code postal » through `ref_code_postal`, the smallest commune code when the postal code serves
  several), département (the commune's, or « Code département »), région (the commune's or the
  département's, or « Code région »); other kinds (canton, pays) stay unresolved;
- the acheteur's commune: the file's (consolidated file) else the beneficiaries table's;
- région scope (`region_code`): the lieu d'exécution's région, else the acheteur's;
- titulaire: name from the file else the beneficiaries table; commune and catégorie juridique type
  from the beneficiaries table (else the file's commune);
- CPV division label (decp/cpv.py); a code's own label only for a division's code;
- `montant_part`: the montant split evenly between the titulaires (the cent left by rounding goes to
  rang 1), so that a sum over rows counts each marché's montant exactly once.

On DuckDB the rows are written in notification date order (then num, rang): each row group (122,880
rows) then covers a short span of dates, so that its zone map lets a date range, and the page of the
newest marchés (query/marches_recherche.py `_rows`), skip almost every row group. PostgreSQL reads
through its indexes: no sort there (it would only slow the import).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.decp.cpv import DIVISIONS
from dataetat.store import marches_groupes
from dataetat.store.engine import is_duckdb

_DIVISIONS_VALUES = ", ".join(f"(:dc{i}, :dl{i})" for i in range(len(DIVISIONS)))
_DIVISIONS_PARAMS = {
    **{f"dc{i}": code for i, code in enumerate(DIVISIONS)},
    **{f"dl{i}": label for i, label in enumerate(DIVISIONS.values())},
}

_SQL = f"""
INSERT INTO marche_ligne (
    uid, num, rang, id, acheteur_id, acheteur_nom, titulaire_id, titulaire_type_identifiant, titulaire_nom,
    titulaire_commune_code, titulaire_commune_label, titulaire_categorie, titulaire_categorie_juridique_type,
    objet, objet_plie, cpv_code, cpv_label, cpv_division_code, cpv_division_label, nature, procedure,
    forme_prix, montant, montant_part, date_notification, annee, duree_mois, nombre_titulaires,
    nombre_modifications, lieu_code, lieu_type_code, lieu_commune_code, lieu_commune_label,
    lieu_departement_code, lieu_departement_label, lieu_region_code, lieu_region_label,
    acheteur_commune_code, acheteur_region_code, region_code, import_id
)
WITH postal AS (
    SELECT code_postal, min(code_commune) AS code_commune FROM ref_code_postal GROUP BY code_postal
), division (code, label) AS (
    VALUES {_DIVISIONS_VALUES}
), m AS (
    SELECT m.*,
        CASE WHEN m.lieu_type_code = 'Code commune' THEN coalesce(pa.code_actuel, m.lieu_code)
             WHEN m.lieu_type_code = 'Code postal' THEN postal.code_commune END AS lc,
        CASE WHEN m.lieu_type_code = 'Code département' THEN m.lieu_code END AS ld0,
        CASE WHEN m.lieu_type_code = 'Code région' THEN m.lieu_code END AS lr0,
        coalesce(m.acheteur_commune_code, ba.code_commune) AS ac,
        ba.denomination AS acheteur_denomination
    FROM marche m
    LEFT JOIN ref_commune_passage pa ON pa.code_ancien = m.lieu_code AND m.lieu_type_code = 'Code commune'
    LEFT JOIN postal ON postal.code_postal = m.lieu_code AND m.lieu_type_code = 'Code postal'
    LEFT JOIN beneficiaire ba ON ba.siret = m.acheteur_id
    WHERE m.import_id = :import_id
), g AS (
    SELECT m.*, rc.label AS lc_label,
        coalesce(rc.code_departement, d0.code) AS ld,
        coalesce(rc.code_region, d0.code_region, r0.code) AS lr,
        ca.code_region AS acr
    FROM m
    LEFT JOIN ref_commune rc ON rc.code = m.lc
    LEFT JOIN ref_departement d0 ON d0.code = m.ld0
    LEFT JOIN ref_region r0 ON r0.code = m.lr0
    LEFT JOIN ref_commune ca ON ca.code = m.ac
), t AS (
    SELECT t.* FROM marche_titulaire t WHERE t.import_id = :import_id
)
SELECT t.uid, t.num, t.rang, g.id, g.acheteur_id, coalesce(g.acheteur_nom, g.acheteur_denomination),
    t.titulaire_id, t.type_identifiant, coalesce(t.nom, bt.denomination),
    coalesce(bt.code_commune, t.commune_code), tc.label, t.categorie, cj.type,
    g.objet, g.objet_plie, g.code_cpv,
    CASE WHEN substr(g.code_cpv, 3) = '000000' THEN division.label END,
    substr(g.code_cpv, 1, 2), division.label,
    g.nature, g.procedure, g.forme_prix, g.montant,
    CAST(CASE WHEN t.rang = 1 THEN g.montant - round(g.montant / g.nombre_titulaires, 2) * (g.nombre_titulaires - 1)
              ELSE round(g.montant / g.nombre_titulaires, 2) END AS NUMERIC(18, 2)),
    g.date_notification, CAST(EXTRACT(YEAR FROM g.date_notification) AS INTEGER), g.duree_mois,
    g.nombre_titulaires,
    g.nombre_modifications, g.lieu_code, g.lieu_type_code, g.lc, g.lc_label,
    g.ld, rd.label, g.lr, rr.label, g.ac, g.acr, coalesce(g.lr, g.acr), g.import_id
FROM t
JOIN g ON g.num = t.num
LEFT JOIN beneficiaire bt ON bt.siret = t.titulaire_id
LEFT JOIN ref_commune tc ON tc.code = coalesce(bt.code_commune, t.commune_code)
LEFT JOIN ref_categorie_juridique cj ON cj.code = bt.categorie_juridique
LEFT JOIN division ON division.code = substr(g.code_cpv, 1, 2)
LEFT JOIN ref_departement rd ON rd.code = g.ld
LEFT JOIN ref_region rr ON rr.code = g.lr
"""
_ORDER = "\nORDER BY g.date_notification, t.num, t.rang"


def _insert(conn: Connection) -> sa.TextClause:
    return sa.text(_SQL + _ORDER if is_duckdb(conn) else _SQL)


def refresh(conn: Connection, import_id: int) -> None:
    """Rebuild the read-model rows of the marchés written by import `import_id`."""
    conn.execute(
        sa.text(
            "DELETE FROM marche_ligne WHERE uid IN (SELECT uid FROM marche WHERE import_id = :import_id)"
        ),
        {"import_id": import_id},
    )  # none after an import (it forgot its marchés first), some after referentials changed
    conn.execute(_insert(conn), {"import_id": import_id, **_DIVISIONS_PARAMS})


def refresh_all(conn: Connection) -> None:
    """Rebuild the whole read model (after new referentials or SIRENE data)."""
    conn.execute(sa.text("DELETE FROM marche_ligne"))
    ids = conn.execute(sa.text("SELECT DISTINCT import_id FROM marche")).scalars().all()
    for import_id in ids:
        conn.execute(_insert(conn), {"import_id": import_id, **_DIVISIONS_PARAMS})
    marches_groupes.refresh(conn)
