"""The decoration of the read model's lines: every code with its label, every place resolved.

`DECORATE` reads the CTE `base` (the parts of store/readmodel_parts.py) and gives the columns of
`ligne`: programme, ministère, domaine, centre de coûts… labels; the beneficiary's place (its commune
from SIRENE, through merged communes, up to EPCI, département, région) and QPV; the place of the
localisation interministérielle (or of the file, for operators' aid).
"""

from __future__ import annotations

from dataetat.store.schema import SOURCE_AE, SOURCE_CP, ligne


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


DECORATE = f"""
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

# The columns of a decorated line: every column of `ligne`, in order.
COLUMNS = ", ".join(c.name for c in ligne.columns)
