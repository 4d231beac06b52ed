"""The column registry against the read model and the reference's display columns."""

from dataetat.query.columns import BY_CODE, COLONNES, COMPUTED
from dataetat.store.schema import ligne

# reference/data-etat-front.md §3 "Table columns, defaults, grouping, totals": the default view is
# Bénéficiaire, Montant engagé, Montant payé, Année Exercice comptable, Domaine fonctionnel, Commune du
# SIRET, Localisation interministérielle, N° EJ, Tags, Ref Programmation — as `ligne` columns (Bénéficiaire
# = SIRET + dénomination). Plus programme_code and source, added by this project (issue 3 item 2).
REFERENCE_DEFAULTS = {
    "beneficiaire_code",
    "beneficiaire_denomination",
    "montant_ae",
    "montant_cp",
    "annee",
    "domaine_fonctionnel_code",
    "beneficiaire_commune_code",
    "localisation_code",
    "n_ej",
    "tags",
    "referentiel_programmation_code",
}
ADDED_DEFAULTS = {"programme_code", "source"}

# reference/data-etat-back.md §4.2 `GET /colonnes/grouping`: the 18 grouping columns, less the CRTE and
# QPV of the SIRET, absent from `ligne`.
REFERENCE_GROUPING = {
    "annee",
    "beneficiaire_region_code",
    "beneficiaire_departement_code",
    "beneficiaire_epci_code",
    "beneficiaire_commune_code",
    "localisation_code",
    "programme_theme",
    "programme_code",
    "domaine_fonctionnel_code",
    "referentiel_programmation_code",
    "centre_couts_code",
    "beneficiaire_code",
    "beneficiaire_categorie_juridique_type",
    "compte_budgetaire",
    "groupe_marchandise_code",
    "tags",
}

# Codes used by searches, exports, pivots and saved links before the registry followed the reference.
KEPT = {
    "source", "n_ej", "n_poste_ej", "annee", "montant_ae", "montant_cp", "programme_code", "programme_theme",
    "domaine_fonctionnel_code", "referentiel_programmation_code", "centre_couts_code",
    "groupe_marchandise_code", "compte_budgetaire", "contrat_etat_region", "beneficiaire_code",
    "beneficiaire_denomination", "beneficiaire_categorie_juridique_type", "beneficiaire_commune_code",
    "beneficiaire_departement_code", "beneficiaire_region_code", "beneficiaire_epci_code", "localisation_code",
    "localisation_commune_code", "localisation_departement_code", "localisation_region_code", "date_creation",
    "date_modification", "date_dernier_paiement", "data_source", "source_region", "tags",
}  # fmt: skip


def test_every_column_and_label_column_exists_in_ligne():
    for col in COLONNES:
        assert col.code in ligne.c or col.code in COMPUTED, col.code
        assert col.label_column is None or col.label_column in ligne.c, col.label_column


def test_codes_and_labels_are_unique():
    assert len(BY_CODE) == len(COLONNES)
    assert len({c.label for c in COLONNES}) == len(COLONNES)


def test_default_set_is_the_reference_one_plus_programme_and_source():
    assert {c.code for c in COLONNES if c.default} == REFERENCE_DEFAULTS | ADDED_DEFAULTS


def test_reference_grouping_columns_are_groupable_amounts_are_not():
    groupable = {c.code for c in COLONNES if c.groupable}
    assert REFERENCE_GROUPING <= groupable
    assert not groupable & {"montant_ae", "montant_cp", "n_ej", "beneficiaire_denomination"}


def test_sortable_and_previous_codes_kept():
    assert KEPT <= set(BY_CODE)
    assert all(c.sortable for c in COLONNES if c.code != "tags" and c.code not in COMPUTED)
    assert not BY_CODE["tags"].sortable and not any(BY_CODE[c].sortable for c in COMPUTED)
    assert BY_CODE["beneficiaire_code"].label_column == "beneficiaire_denomination"
    assert BY_CODE["programme_code"].label_column == "programme_label"
    assert (
        BY_CODE["referentiel_programmation_code"].label == "Référentiel de programmation"
    )  # not « Ref Programmation »
    assert 28 <= len(COLONNES) <= 45  # 41 with the NAF of the enrichment (issue 12)
