"""The flat read model `ligne`: one row per financial line, every code with its label and place.

Rebuilt by the importer inside the import transaction, for what the import touched (temp tables
`touched` (n_ej, n_poste_ej), `cp_deleted` (ids) and `current_imports`), or whole after a referential or SIRENE import. Rules:
- an AE line per engagement (EJ/poste in a région); when both feeds hold it, NATION wins;
- montant AE, over the accounting years of the winning feed (the reference's rule): the latest
  year's positive amount plus the negative corrections of every year; attributes from its latest
  year; the line's année is the latest year with a positive amount (else the latest year);
- montant CP = sum of the CP joined to the line by the rule of `store/cp_link.py` (a REGION CP
  joins its own région's line only; a NATION CP joins NATION's AE, else its région's REGION AE);
  NATION's CP when the line has any, else REGION's. Each CP is counted at most once;
- a CP joined to no line is a line of its own (montant AE 0, tag cp-orphelin); among the orphans of
  one région and EJ/poste, NATION's win;
- an operator's aid (table `aide`: ADEME, France 2030) is a line of its own: montant AE = the aid,
  montant CP 0 (payments are not published); its région is the file's (France 2030) or the
  beneficiary's (ADEME), NULL when unknown (« région inconnue »: national users only, see
  query/filters.region_scope);
- QPV: the beneficiary's QPV 2015 and 2024 come from `siret_qpv`; a line whose EJ has rows in
  `qpv_lieu_action` is split (see `_split_lieu_action`): one part per QPV of its lieu d'action
  carrying the split amount (`partie` 1..n), the rest stays on part 0. Sums over a line's parts
  equal the line's amounts, so no total anywhere counts an euro twice.
"""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy.engine import Connection

from dataetat.store.cp_link import link_ctes, orphan_condition
from dataetat.store.engine import insert_arrow
from dataetat.store.schema import SOURCE_AE, SOURCE_CP, ligne

_KEY = "n_ej, n_poste_ej"
# The reference's rule for AE across exercices (over the rows of the winning feed, with
# `annee_positive` the latest year whose amount is positive): that year's amount plus every
# negative correction, whatever year it came in. Exercices' other positive amounts were restated.
MONTANT_AE = "SUM(CASE WHEN montant < 0 OR annee = annee_positive THEN montant ELSE 0 END)"
_OVERSEAS = "('01', '02', '03', '04', '06')"

# Uniform base columns of both parts, decorated once by _DECORATE.
_BASE_COLUMNS = (
    "id, source, data_source, source_region, n_ej, n_poste_ej, n_dp, annee, montant_ae, montant_cp, nombre_cp, "
    "date_creation, date_modification, date_dernier_paiement, programme, domaine_fonctionnel, centre_couts, "
    "referentiel_programmation, groupe_marchandise, compte_budgetaire, compte_general, contrat_etat_region, "
    "fournisseur_code, fournisseur_label, siret, localisation_interministerielle, "
    "reference, objet, operateur, nom_beneficiaire, region_fichier, departement_fichier"
)
# Columns that only operators' aid fills.
_AIDE_ONLY = (
    "CAST(NULL AS VARCHAR) AS reference, CAST(NULL AS VARCHAR) AS objet, CAST(NULL AS VARCHAR) AS operateur, "
    "CAST(NULL AS VARCHAR) AS nom_beneficiaire, CAST(NULL AS VARCHAR) AS region_fichier, "
    "CAST(NULL AS VARCHAR) AS departement_fichier"
)
_ATTRS = (
    "programme, domaine_fonctionnel, centre_couts, referentiel_programmation, groupe_marchandise, "
    "compte_budgetaire, compte_general, contrat_etat_region, fournisseur_code, fournisseur_label, siret, "
    "localisation_interministerielle"
)


def _ae_part(scoped: bool) -> str:
    scope = "JOIN touched t ON t.n_ej = e.n_ej AND t.n_poste_ej = e.n_poste_ej" if scoped else ""
    return f"""
    e AS (SELECT e.id, e.source_region, e.n_ej, e.n_poste_ej FROM engagement e {scope}),
    a AS (
        SELECT a.*, MAX(CASE WHEN a.montant > 0 THEN a.annee END) OVER (PARTITION BY a.engagement_id) AS annee_positive
        FROM ae_annee a JOIN e ON e.id = a.engagement_id
        WHERE a.data_source = 'NATION' OR NOT EXISTS (SELECT 1 FROM ae_annee n
            WHERE n.engagement_id = a.engagement_id AND n.data_source = 'NATION')),
    amounts AS (
        SELECT engagement_id, {MONTANT_AE} AS montant_ae, MIN(date_replication) AS date_creation,
               MAX(date_modification_ej) AS date_modification, COALESCE(MAX(annee_positive), MAX(annee)) AS annee
        FROM a GROUP BY engagement_id),
    latest AS (SELECT DISTINCT ON (engagement_id) * FROM a ORDER BY engagement_id, annee DESC),
    {link_ctes()},
    cp_sums AS (
        SELECT engagement_id, SUM(montant) AS montant_cp, COUNT(*) AS nombre_cp,
               MAX(date_derniere_operation_dp) AS date_dernier_paiement
        FROM cp_counted GROUP BY engagement_id),
    ae_lines AS (
        SELECT e.id, '{SOURCE_AE}' AS source, l.data_source, e.source_region, e.n_ej, e.n_poste_ej,
               CAST(NULL AS VARCHAR) AS n_dp, m.annee, m.montant_ae,
               COALESCE(c.montant_cp, 0) AS montant_cp, COALESCE(c.nombre_cp, 0) AS nombre_cp,
               m.date_creation, m.date_modification, c.date_dernier_paiement,
               {", ".join("l." + x.strip() for x in _ATTRS.split(","))}, {_AIDE_ONLY}
        FROM e JOIN amounts m ON m.engagement_id = e.id
        JOIN latest l ON l.engagement_id = e.id
        LEFT JOIN cp_sums c ON c.engagement_id = e.id)
    """


def _orphan_part(scoped: bool) -> str:
    candidates = (
        """(SELECT c.* FROM cp c WHERE c.n_ej IS NULL AND c.import_id IN (SELECT import_id FROM current_imports)
            UNION ALL
            SELECT c.* FROM cp c JOIN touched t ON t.n_ej = c.n_ej AND t.n_poste_ej = c.n_poste_ej)"""
        if scoped
        else "cp"
    )
    return f"""
    orphans AS (
        SELECT c.* FROM {candidates} c WHERE {orphan_condition("c")}),
    orphan_feed AS (
        SELECT source_region, {_KEY}, MAX(CASE WHEN data_source = 'NATION' THEN 1 ELSE 0 END) AS nation
        FROM orphans WHERE n_ej IS NOT NULL GROUP BY source_region, {_KEY}),
    cp_lines AS (
        SELECT c.id, '{SOURCE_CP}' AS source, c.data_source, c.source_region, c.n_ej, c.n_poste_ej, c.n_dp,
               c.annee, CAST(0 AS DECIMAL(18, 2)) AS montant_ae, c.montant AS montant_cp, 1 AS nombre_cp,
               c.date_base_dp AS date_creation, c.date_derniere_operation_dp AS date_modification,
               c.date_derniere_operation_dp AS date_dernier_paiement,
               {", ".join("c." + x.strip() for x in _ATTRS.split(","))}, {_AIDE_ONLY}
        FROM orphans c LEFT JOIN orphan_feed f
             ON f.source_region = c.source_region AND f.n_ej = c.n_ej AND f.n_poste_ej = c.n_poste_ej
        WHERE f.nation IS NULL OR c.data_source = CASE WHEN f.nation = 1 THEN 'NATION' ELSE 'REGION' END)
    """


def _aide_part(scoped: bool) -> str:
    """Operators' aid; scoped: the (source, année) pairs of temp table `aide_scope`."""
    scope = "JOIN aide_scope s ON s.source = a.source AND s.annee = a.annee" if scoped else ""
    nulls = ", ".join(
        f"CAST(NULL AS VARCHAR) AS {x.strip()}" for x in _ATTRS.split(",") if x.strip() != "siret"
    )
    return f"""
    aide_lines AS (
        SELECT a.id, a.source, CAST(NULL AS VARCHAR) AS data_source, a.code_region AS source_region,
               CAST(NULL AS VARCHAR) AS n_ej, CAST(NULL AS INTEGER) AS n_poste_ej, CAST(NULL AS VARCHAR) AS n_dp,
               a.annee, a.montant AS montant_ae, CAST(0 AS DECIMAL(18, 2)) AS montant_cp, 0 AS nombre_cp,
               a.date_decision AS date_creation, CAST(NULL AS DATE) AS date_modification,
               CAST(NULL AS DATE) AS date_dernier_paiement, {nulls}, a.siret,
               a.reference, a.objet, a.operateur, a.beneficiaire_nom AS nom_beneficiaire,
               a.code_region AS region_fichier, a.code_departement AS departement_fichier
        FROM aide a {scope})
    """


def _geo(prefix: str, commune: str) -> str:
    """Columns of a place from a commune alias `commune` (+ its arrondissement, département, région, EPCI)."""
    return f"""
        {commune}.code AS {prefix}_commune_code, {commune}.label AS {prefix}_commune_label,
        {commune}_ar.code AS {prefix}_arrondissement_code, {commune}_ar.label AS {prefix}_arrondissement_label,
        {commune}_ep.code AS {prefix}_epci_code, {commune}_ep.label AS {prefix}_epci_label"""


def geo_joins(alias: str, commune_code: str) -> str:
    return f"""
    LEFT JOIN ref_commune_passage {alias}_pa ON {alias}_pa.code_ancien = {commune_code}
    LEFT JOIN ref_commune {alias} ON {alias}.code = COALESCE({alias}_pa.code_actuel, {commune_code})
    LEFT JOIN ref_arrondissement {alias}_ar ON {alias}_ar.code = {alias}.code_arrondissement
    LEFT JOIN ref_epci {alias}_ep ON {alias}_ep.code = {alias}.code_epci"""


_DECORATE = f"""
    SELECT b.id, 0 AS partie, b.source, b.data_source,
        COALESCE(b.source_region, CASE WHEN b.source NOT IN ('{SOURCE_AE}', '{SOURCE_CP}') THEN br.code END)
            AS source_region, b.n_ej, b.n_poste_ej, b.n_dp, b.annee,
        b.montant_ae, b.montant_cp, b.nombre_cp, b.date_creation, b.date_modification, b.date_dernier_paiement,
        b.programme AS programme_code, p.label AS programme_label, p.theme AS programme_theme,
        p.code_ministere AS ministere_code, mi.label AS ministere_label,
        b.domaine_fonctionnel AS domaine_fonctionnel_code, df.label AS domaine_fonctionnel_label,
        b.referentiel_programmation AS referentiel_programmation_code,
        rp.label AS referentiel_programmation_label,
        b.centre_couts AS centre_couts_code, cc.label AS centre_couts_label,
        cc.code_departement AS centre_couts_departement_code,
        b.groupe_marchandise AS groupe_marchandise_code, gm.label AS groupe_marchandise_label,
        b.compte_budgetaire, b.compte_general, b.contrat_etat_region, b.fournisseur_code, b.fournisseur_label,
        b.siret AS beneficiaire_code,
        COALESCE(be.denomination, b.nom_beneficiaire, b.fournisseur_label) AS beneficiaire_denomination,
        be.categorie_juridique AS beneficiaire_categorie_juridique,
        cj.type AS beneficiaire_categorie_juridique_type,
        be.naf AS beneficiaire_naf,
        {_geo("beneficiaire", "bc")},
        bd.code AS beneficiaire_departement_code, bd.label AS beneficiaire_departement_label,
        br.code AS beneficiaire_region_code, br.label AS beneficiaire_region_label,
        b.localisation_interministerielle AS localisation_code, li.label AS localisation_label,
        {_geo("localisation", "lc")},
        ld.code AS localisation_departement_code, ld.label AS localisation_departement_label,
        lr.code AS localisation_region_code, lr.label AS localisation_region_label,
        b.reference, b.objet, b.operateur,
        sq.code_qpv15 AS beneficiaire_qpv_code, q15.label AS beneficiaire_qpv_label,
        sq.code_qpv24 AS beneficiaire_qpv24_code, q24.label AS beneficiaire_qpv24_label,
        CAST(NULL AS VARCHAR) AS lieu_action_qpv_code, CAST(NULL AS VARCHAR) AS lieu_action_qpv_label,
        COALESCE(sq.code_qpv24, sq.code_qpv15) AS qpv_code,
        CASE WHEN sq.code_qpv24 IS NOT NULL THEN q24.label ELSE q15.label END AS qpv_label,
        CASE WHEN b.source = '{SOURCE_CP}' THEN 'cp-orphelin' END AS tags,
        CURRENT_TIMESTAMP AS updated_at
    FROM (SELECT *,
            CASE WHEN substr(localisation_interministerielle, 1, 1) = 'N' AND length(localisation_interministerielle) >= 3
                 THEN substr(localisation_interministerielle, 2, 2) ELSE region_fichier END AS loc_region,
            CASE WHEN substr(localisation_interministerielle, 1, 1) = 'N' THEN
                CASE length(localisation_interministerielle)
                    WHEN 5 THEN substr(localisation_interministerielle, 4, 2)
                    WHEN 6 THEN substr(localisation_interministerielle, 4, 3) END
                 ELSE departement_fichier END AS loc_departement,
            CASE WHEN substr(localisation_interministerielle, 1, 1) = 'N' AND length(localisation_interministerielle) = 8
                 THEN substr(localisation_interministerielle, 4, 5) END AS loc_commune
          FROM base) b
    LEFT JOIN ref_programme p ON p.code = b.programme
    LEFT JOIN ref_ministere mi ON mi.code = p.code_ministere
    LEFT JOIN ref_domaine_fonctionnel df ON df.code = b.domaine_fonctionnel
    LEFT JOIN ref_referentiel_programmation rp ON rp.code = b.referentiel_programmation
    LEFT JOIN ref_centre_couts cc ON cc.code = b.centre_couts
    LEFT JOIN ref_groupe_marchandise gm ON gm.code = b.groupe_marchandise
    LEFT JOIN beneficiaire be ON be.siret = b.siret
    LEFT JOIN ref_categorie_juridique cj ON cj.code = be.categorie_juridique
    LEFT JOIN siret_qpv sq ON sq.siret = b.siret
    LEFT JOIN ref_qpv q15 ON q15.code = sq.code_qpv15
    LEFT JOIN ref_qpv q24 ON q24.code = sq.code_qpv24
    {geo_joins("bc", "be.code_commune")}
    LEFT JOIN ref_departement bd ON bd.code = bc.code_departement
    LEFT JOIN ref_region br ON br.code = bc.code_region
    LEFT JOIN ref_localisation_interministerielle li ON li.code = b.localisation_interministerielle
    {geo_joins("lc", "COALESCE(li.code_commune, b.loc_commune)")}
    LEFT JOIN ref_departement ld ON ld.code = COALESCE(lc.code_departement, li.code_departement, b.loc_departement)
    LEFT JOIN ref_region lr ON lr.code = COALESCE(lc.code_region, ld.code_region, b.loc_region)
"""

_COLUMNS = ", ".join(c.name for c in ligne.columns)


def _insert(parts: dict[str, str]) -> str:
    """INSERT of the decorated lines of `parts` (CTE name of the lines -> CTE text)."""
    union = " UNION ALL ".join(f"SELECT {_BASE_COLUMNS} FROM {name}" for name in parts)
    return f"""
    INSERT INTO ligne ({_COLUMNS})
    WITH {", ".join(parts.values())},
    base AS ({union}),
    decorated AS ({_DECORATE})
    SELECT {_COLUMNS} FROM decorated
    """


def _chorus_parts(scoped: bool) -> dict[str, str]:
    return {"ae_lines": _ae_part(scoped), "cp_lines": _orphan_part(scoped)}


def refresh_touched(conn: Connection) -> None:
    """Replace the lines of the keys and feeds an import touched (temp tables touched, cp_feeds)."""
    # An EJ split across QPVs is split as a whole: every poste of it is rebuilt.
    conn.exec_driver_sql(
        """INSERT INTO touched SELECT DISTINCT e.n_ej, e.n_poste_ej FROM engagement e
        WHERE EXISTS (SELECT 1 FROM qpv_lieu_action q WHERE q.n_ej = e.n_ej)
        AND EXISTS (SELECT 1 FROM touched t WHERE t.n_ej = e.n_ej)
        AND NOT EXISTS (SELECT 1 FROM touched t WHERE t.n_ej = e.n_ej AND t.n_poste_ej = e.n_poste_ej)"""
    )
    conn.exec_driver_sql(
        """DELETE FROM ligne WHERE EXISTS (SELECT 1 FROM touched t
            WHERE t.n_ej = ligne.n_ej AND t.n_poste_ej = ligne.n_poste_ej)"""
    )
    conn.exec_driver_sql(
        f"DELETE FROM ligne WHERE source = '{SOURCE_CP}' AND id IN (SELECT id FROM cp_deleted)"
    )
    conn.exec_driver_sql(_insert(_chorus_parts(scoped=True)))
    _split_lieu_action(conn, "SELECT DISTINCT n_ej FROM touched")
    _analyze(conn)


def refresh_ejs(conn: Connection, n_ejs: list[str]) -> None:
    """Rebuild the lines of these EJs (after their QPV lieu d'action rows changed)."""
    if not n_ejs:
        return
    conn.exec_driver_sql("CREATE TEMPORARY TABLE refresh_ej (n_ej VARCHAR)")
    insert_arrow(conn, "refresh_ej", pa.table({"n_ej": pa.array(sorted(set(n_ejs)), pa.string())}))
    conn.exec_driver_sql(
        """CREATE TEMPORARY TABLE touched AS
           SELECT DISTINCT e.n_ej, e.n_poste_ej FROM engagement e JOIN refresh_ej r ON r.n_ej = e.n_ej
           UNION SELECT DISTINCT c.n_ej, c.n_poste_ej FROM cp c JOIN refresh_ej r ON r.n_ej = c.n_ej"""
    )
    conn.exec_driver_sql("CREATE TEMPORARY TABLE cp_deleted (id BIGINT)")
    conn.exec_driver_sql("CREATE TEMPORARY TABLE current_imports (import_id BIGINT)")
    try:
        refresh_touched(conn)
    finally:
        for name in ("refresh_ej", "touched", "cp_deleted", "current_imports"):
            conn.exec_driver_sql(f"DROP TABLE {name}")


def refresh_aides(conn: Connection, source: str, annees: list[int]) -> None:
    """Replace the lines of an operator's aid (ADEME, FRANCE_2030) for these years from table `aide`."""
    conn.exec_driver_sql("CREATE TEMPORARY TABLE aide_scope (source VARCHAR, annee INTEGER)")
    try:
        years = sorted(set(annees))
        insert_arrow(
            conn,
            "aide_scope",
            pa.table({"source": [source] * len(years), "annee": pa.array(years, pa.int32())}),
        )
        conn.exec_driver_sql(
            "DELETE FROM ligne WHERE EXISTS (SELECT 1 FROM aide_scope s "
            "WHERE s.source = ligne.source AND s.annee = ligne.annee)"
        )
        if annees:
            conn.exec_driver_sql(_insert({"aide_lines": _aide_part(scoped=True)}))
        _analyze(conn)
    finally:
        conn.exec_driver_sql("DROP TABLE aide_scope")


def rebuild_all(conn: Connection) -> None:
    """Rebuild every line (after a referential, SIRENE or QPV import changed labels or places)."""
    conn.exec_driver_sql("DELETE FROM ligne")
    postgresql = conn.dialect.name == "postgresql"
    if postgresql:
        # The planner cannot estimate the grouped CTEs (it assumes 200 rows) and picks nested loops
        # over every engagement: a 75,000-line rebuild took minutes instead of 1.4 s. Every table is
        # read whole here, hash joins are always the right plan.
        conn.exec_driver_sql("SET LOCAL enable_nestloop = off")
    conn.exec_driver_sql(_insert(_chorus_parts(scoped=False) | {"aide_lines": _aide_part(scoped=False)}))
    if postgresql:
        conn.exec_driver_sql("RESET enable_nestloop")
    _split_lieu_action(conn, "SELECT DISTINCT n_ej FROM qpv_lieu_action")
    _analyze(conn)


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


def _split_lieu_action(conn: Connection, ejs: str) -> None:
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
            f"""INSERT INTO ligne ({_COLUMNS})
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


def _analyze(conn: Connection) -> None:
    """PostgreSQL: fresh statistics of the read model in the import's transaction. Without them,
    after a big import, the planner takes a table of 1 M lines for a few hundred (until autovacuum
    passes) and picks slow plans: searches went from 250 ms to 500 ms. DuckDB keeps its own."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE ligne")
