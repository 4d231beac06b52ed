"""The column registry: what a user can see, group by and sort on, with French labels.

Source: the reference front's 28 display columns (reference/data-etat-front.md §3 "Table columns,
defaults, grouping, totals") and the back's 18 grouping columns (reference/data-etat-back.md §4.2,
`GET /colonnes/grouping`). A display column of the reference may span several back fields (code +
label); here each entry is one column of the read model `ligne`, and `label_column` carries the label
that goes with a code. The default set is every `ligne` column behind a default display column of the
reference (Bénéficiaire = SIRET + dénomination, …), plus `programme_code` and `source` (AE or CP line),
which a mixed AE/CP table needs to be read.

Deliberate differences with the reference:
- CRTE (#7) of the SIRET is not in `ligne` (no CRTE referential yet): not listed. QPV (#20) is
  split in three: the SIRET's QPV of the 2015 and of the 2024 division, the QPV of the lieu de
  l'action; `qpv_code` ("QPV") is where the line lands (lieu d'action first, else the SIRET's).
- `annee` and `date_dernier_paiement` keep the shorter labels "Année" and "Date du dernier paiement"
  that exports already publish.
- Columns that are groupable here but not in the reference (`data_source`, `source_region`, the
  localisation's commune/département/région) stay groupable: they are plain codes and useful.
- `tags` is groupable like in the reference: it groups by the stored tag set (space-separated list).
- #17 "Ref Programmation" reads « Référentiel de programmation » (screens and export headers alike:
  exports here already split a coded column in « (code) » and « (libellé) », so their headers are not
  the reference's; saved searches and the API name columns by code, not by label).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from dataetat.query import filters
from dataetat.query.params import SearchParams
from dataetat.store.schema import ligne

# Columns computed per search, not columns of `ligne` (select_column gives their SQL).
COMPUTED = frozenset({"lieu_retenu"})
# Columns that cannot be sorted on (reference front §3: "Tags — Sortable: no").
_NOT_SORTABLE = frozenset({"tags"})


@dataclass(frozen=True)
class Colonne:
    code: str  # column of the read model
    label: str  # French header
    default: bool = False  # shown by default
    groupable: bool = False
    label_column: str | None = None  # column holding the label of a code column

    @property
    def sortable(self) -> bool:
        """A property, not a field, so that the serialised column keeps its published shape."""
        return self.code not in _NOT_SORTABLE and self.code in ligne.c


def _c(
    code: str, label: str, default: bool = False, groupable: bool = False, label_column: str | None = None
) -> Colonne:
    if label_column is None and code.endswith("_code"):
        label_column = code.removesuffix("_code") + "_label"
    if label_column is not None and label_column not in ligne.c:
        label_column = None
    return Colonne(code, label, default, groupable, label_column)


DEFAULT, GROUP = True, True

COLONNES: tuple[Colonne, ...] = (
    # The reference's display columns, in its order (front §3, # in comments).
    _c("beneficiaire_denomination", "Bénéficiaire", DEFAULT),  # 1 (name)
    _c("montant_ae", "Montant engagé (AE)", DEFAULT),  # 2
    _c("montant_cp", "Montant payé (CP)", DEFAULT),  # 3
    _c("annee", "Année", DEFAULT, GROUP),  # 4 "Année Exercice comptable"
    _c("domaine_fonctionnel_code", "Domaine fonctionnel", DEFAULT, GROUP),  # 5
    _c("beneficiaire_commune_code", "Commune du SIRET", DEFAULT, GROUP),  # 6
    _c("beneficiaire_epci_code", "EPCI du SIRET", False, GROUP),  # 8
    _c("beneficiaire_arrondissement_code", "Arrondissement du SIRET"),  # 9
    _c("beneficiaire_departement_code", "Département du SIRET", False, GROUP),  # 10
    _c("beneficiaire_region_code", "Région du SIRET", False, GROUP),  # 11
    _c("localisation_code", "Localisation interministérielle", DEFAULT, GROUP),  # 12
    _c("n_ej", "N° EJ", DEFAULT),  # 13
    _c("tags", "Tags", DEFAULT, GROUP),  # 14
    _c("programme_theme", "Thème", False, GROUP),  # 15
    _c("programme_code", "Programme", DEFAULT, GROUP),  # 16 (default here, not in the reference)
    _c("referentiel_programmation_code", "Référentiel de programmation", DEFAULT, GROUP),  # 17
    _c("centre_couts_code", "Centre coûts", False, GROUP),  # 18
    # 19 "SIRET": also the code half of "Bénéficiaire" (#1, default), grouped on like the reference.
    _c("beneficiaire_code", "SIRET", DEFAULT, GROUP, "beneficiaire_denomination"),
    _c("beneficiaire_categorie_juridique_type", "Type d'établissement", False, GROUP),  # 21
    _c("compte_budgetaire", "Compte budgétaire", False, GROUP),  # 22
    _c("contrat_etat_region", "CPER"),  # 23
    _c("groupe_marchandise_code", "Groupe marchandise", False, GROUP),  # 24
    _c("date_dernier_paiement", "Date du dernier paiement"),  # 25 "Date dernier paiement"
    _c("date_creation", "Date création EJ"),  # 26
    _c("date_modification", "Date modification EJ"),  # 27
    _c("data_source", "Source Chorus", False, GROUP),  # 28
    # Beyond the reference's table: its export-only labels, then columns of this project.
    _c("source", "Source de données", DEFAULT),
    _c("n_poste_ej", "N° Poste EJ"),
    _c("source_region", "Région de l'import", False, GROUP),
    _c("localisation_commune_code", "Commune de la localisation", False, GROUP),
    _c("localisation_departement_code", "Département de la localisation", False, GROUP),
    _c("localisation_region_code", "Région de la localisation", False, GROUP),
    # Computed per search (not a column of `ligne`): which criteria of the zone filter placed the line
    # in the zone (filters.lieu_retenu); empty without a zone. Shown by default in a zone search.
    _c("lieu_retenu", "Lieu retenu"),
    # Operators' aid (ADEME, France 2030) and QPV.
    _c("objet", "Objet"),
    _c("operateur", "Opérateur", False, GROUP),
    _c("reference", "Référence de la décision"),
    _c("qpv_code", "QPV", False, GROUP),
    _c("beneficiaire_qpv24_code", "QPV 2024 du SIRET", False, GROUP),
    _c("beneficiaire_qpv_code", "QPV 2015 du SIRET", False, GROUP),
    _c("lieu_action_qpv_code", "QPV du lieu de l'action", False, GROUP),
    # Enrichment from the company registers (jobs/enrichissement.py).
    _c("beneficiaire_naf", "NAF du SIRET", False, GROUP),
)
BY_CODE = {c.code: c for c in COLONNES}


def default_columns(zone: bool) -> list[str]:
    """The columns shown when none are chosen; « Lieu retenu » next to the localisation in a zone search."""
    names = [c.code for c in COLONNES if c.default]
    if zone:
        names.insert(names.index("localisation_code") + 1, "lieu_retenu")
    return names


def select_column(name: str, params: SearchParams) -> sa.ColumnElement:
    """The SQL of a registry column for this search (a `ligne` column, or a computed one)."""
    if name == "lieu_retenu":  # COMPUTED
        return filters.lieu_retenu(params).label(name)
    return ligne.c[name]
