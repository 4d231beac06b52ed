"""The column registry: what a user can see, group by and sort on, with French labels."""

from __future__ import annotations

from dataclasses import dataclass

from dataetat.store.schema import ligne


@dataclass(frozen=True)
class Colonne:
    code: str  # column of the read model
    label: str  # French header
    default: bool = False  # shown by default
    groupable: bool = False
    label_column: str | None = None  # column holding the label of a code column


def _c(code: str, label: str, default: bool = False, groupable: bool = False) -> Colonne:
    label_column = code.removesuffix("_code") + "_label" if code.endswith("_code") else None
    if label_column is not None and label_column not in ligne.c:
        label_column = None
    return Colonne(code, label, default, groupable, label_column)


COLONNES: tuple[Colonne, ...] = (
    _c("source", "Source"),
    _c("n_ej", "N° EJ", True),
    _c("n_poste_ej", "N° poste EJ", True),
    _c("annee", "Année", True, True),
    _c("montant_ae", "Montant engagé (AE)", True),
    _c("montant_cp", "Montant payé (CP)", True),
    _c("programme_code", "Programme", True, True),
    _c("programme_theme", "Thème", False, True),
    _c("domaine_fonctionnel_code", "Domaine fonctionnel", True, True),
    _c("referentiel_programmation_code", "Référentiel de programmation", True, True),
    _c("centre_couts_code", "Centre de coûts", False, True),
    _c("groupe_marchandise_code", "Groupe de marchandises", False, True),
    _c("compte_budgetaire", "Compte budgétaire", False, True),
    _c("contrat_etat_region", "Contrat de plan État-région", False, True),
    _c("beneficiaire_code", "SIRET du bénéficiaire", True, True),
    _c("beneficiaire_denomination", "Bénéficiaire", True),
    _c("beneficiaire_categorie_juridique_type", "Type de bénéficiaire", True, True),
    _c("beneficiaire_commune_code", "Commune du bénéficiaire", True, True),
    _c("beneficiaire_departement_code", "Département du bénéficiaire", False, True),
    _c("beneficiaire_region_code", "Région du bénéficiaire", False, True),
    _c("beneficiaire_epci_code", "EPCI du bénéficiaire", False, True),
    _c("localisation_code", "Localisation interministérielle", False, True),
    _c("localisation_commune_code", "Commune de la localisation", False, True),
    _c("localisation_departement_code", "Département de la localisation", False, True),
    _c("localisation_region_code", "Région de la localisation", False, True),
    _c("date_creation", "Date de création", True),
    _c("date_modification", "Date de modification"),
    _c("date_dernier_paiement", "Date du dernier paiement", True),
    _c("data_source", "Origine des données", False, True),
    _c("source_region", "Région de l'import", False, True),
    _c("tags", "Étiquettes", True),
)
BY_CODE = {c.code: c for c in COLONNES}
