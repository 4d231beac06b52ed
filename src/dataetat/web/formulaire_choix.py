"""What the search form offers and accepts: grouping names, beneficiary types, views, zone levels of
the QPV, the API's names of the filters, the exercices (see web/formulaire.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

# The reference's grouper_par names → columns of the registry (a column code is accepted too).
GROUPER_PAR = {
    "annee_engagement": "annee",
    "region": "beneficiaire_region_code",
    "departement": "beneficiaire_departement_code",
    "epci": "beneficiaire_epci_code",
    "commune": "beneficiaire_commune_code",
    "theme": "programme_theme",
    "programme": "programme_code",
    "domaine_fonctionnel": "domaine_fonctionnel_code",
    "referentiel_programmation": "referentiel_programmation_code",
    "beneficiaire": "beneficiaire_code",
    "type_etablissement": "beneficiaire_categorie_juridique_type",
    "compte_budgetaire": "compte_budgetaire",
    "groupe_marchandise": "groupe_marchandise_code",
    "tags": "tags",
    "centre_couts": "centre_couts_code",
    "localisation": "localisation_code",
}
TYPES_BENEFICIAIRES = {
    "entreprise": "Entreprise",
    "association": "Association",
    "etat": "Etat",
    "état": "Etat",
    "collectivite": "Collectivité",
    "collectivité": "Collectivité",
    "autres": "autres",
    "autre": "autres",
}
# Zone levels of the quartiers prioritaires (NiveauGeo qpv24, qpv), offered after the others.
NIVEAUX_QPV = [("qpv24", "QPV"), ("qpv", "QPV 2015")]
VUES = {
    "lignes": "Tableau",
    "groupes": "Groupes",
    "tableau": "Tableau dynamique",
    "carte": "Carte",
    "graphiques": "Graphiques",
}
# The API's parameter names (a tag rule's search, /api/v1 links) → the page's names.
ALIASES = {
    "code_programme": "programmes",
    "referentiel_programmation": "referentiels_programmation",
    "beneficiaire_code": "beneficiaires",
    "beneficiaire_categorieJuridique_type": "types_beneficiaires",
    "domaine_fonctionnel": "domaines_fonctionnels",
}
FILTERS = (
    "code_programme",
    "code_geo",
    "annee",
    "beneficiaire_code",
    "beneficiaire_categorieJuridique_type",
    "tags",
    "domaine_fonctionnel",
    "referentiel_programmation",
    "centres_couts",
    "source",
    "data_source",
    "source_region",
    "theme",
    "objet",
    "referentiel_programmation_libelle",
    "cper",
    "dispositif",
)
# Filters of the tag rules the form has no field for: kept by hidden fields, shown as one sentence.
OTHER_FILTERS = ("theme", "objet", "referentiel_programmation_libelle", "cper", "dispositif")
MAX_GROUPING = 6
YEAR_WINDOW = 20


def year_choices(years: Sequence[int]) -> list[int]:
    """The exercices a form offers, most recent first: from this year down to the oldest of the data
    (a year without data yet, such as the current one, can be chosen too)."""
    this_year = date.today().year
    oldest = min([*years, this_year])
    return sorted({*range(oldest, this_year + 1), *years}, reverse=True)
