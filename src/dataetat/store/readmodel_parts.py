"""The parts of the read model before decoration: the lines of each source with uniform base columns.

- `ae_lines`: one line per engagement, the AE amount by the reference's rule across exercices, the
  CP joined to it (store/cp_link.py) summed;
- `cp_lines`: the CP joined to no line, a line each (NATION's win among the orphans of one key);
- `aide_lines`: operators' aid, a line per aid.

Each is a CTE text; `scoped` limits it to what an import touched (temp tables `touched`,
`current_imports`, `aide_scope`). See store/readmodel.py for the rules.
"""

from __future__ import annotations

from dataetat.store.cp_link import link_ctes, orphan_condition
from dataetat.store.schema import SOURCE_AE, SOURCE_CP

_KEY = "n_ej, n_poste_ej"
# The reference's rule for AE across exercices (over the rows of the winning feed, with
# `annee_positive` the latest year whose amount is positive): that year's amount plus every
# negative correction, whatever year it came in. Exercices' other positive amounts were restated.
MONTANT_AE = "SUM(CASE WHEN montant < 0 OR annee = annee_positive THEN montant ELSE 0 END)"

# Uniform base columns of every part, decorated once by readmodel_decoration.DECORATE.
BASE_COLUMNS = (
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


def aide_part(scoped: bool) -> str:
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


def chorus_parts(scoped: bool) -> dict[str, str]:
    return {"ae_lines": _ae_part(scoped), "cp_lines": _orphan_part(scoped)}
