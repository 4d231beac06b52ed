"""Chorus columns matched by meaning, not by exact header text.

Header labels vary between extracts ("Montant engagé (EUR)", "EUR", "Montant engagé - Bascule des EJ
non soldés"), so each label is normalised (lower case, no accents, no "Clé", no punctuation) and
matched against ordered rules. A label seen twice (code then label, as Chorus does for fournisseur
and CPER) takes the second name of its rule.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from dataetat.model.enums import Kind

# (canonical names for 1st, 2nd occurrence, predicate on the normalised label), most specific first.
_RULES: list[tuple[tuple[str, ...], re.Pattern[str]]] = [
    (("siret",), re.compile(r"code taxe")),
    (("date_replication",), re.compile(r"date de replication")),
    (("date_modification_ej",), re.compile(r"date de derniere modif")),
    (("date_base_dp",), re.compile(r"date de base")),
    (("date_derniere_operation_dp",), re.compile(r"date de derniere operation")),
    (("date_sf",), re.compile(r"date comptable")),
    (("n_poste_dp",), re.compile(r"^n poste dp")),
    (("n_poste_ej",), re.compile(r"^n poste ej")),
    (("n_dp",), re.compile(r"^n dp")),
    (("n_sf",), re.compile(r"^n sf")),
    (("n_ej",), re.compile(r"^n ej$")),
    (("referentiel_programmation",), re.compile(r"referentiel de programmation")),
    (("programme", "programme_doublon"), re.compile(r"^(centre financier )?programme$")),
    (("centre_financier",), re.compile(r"^centre financier$")),
    (("domaine_fonctionnel",), re.compile(r"domaine fonctionnel")),
    (("centre_couts",), re.compile(r"centre de couts")),
    (("fournisseur_code", "fournisseur_label"), re.compile(r"^fournisseur")),
    (("compte_general",), re.compile(r"compte general")),
    (("compte_budgetaire",), re.compile(r"compte budgetaire")),
    (("groupe_marchandise",), re.compile(r"groupe de marchandises?")),
    (("contrat_etat_region", "contrat_etat_region_label"), re.compile(r"contrat de (projet|plan)")),
    (("localisation_interministerielle",), re.compile(r"localisation interministerielle")),
    (("exercice_comptable",), re.compile(r"exercice comptable")),
    (("tranche_fonctionnelle",), re.compile(r"tranche fonctionnelle")),
    (("axe_ministeriel_1",), re.compile(r"axe ministeriel 1")),
    (("axe_ministeriel_2",), re.compile(r"axe ministeriel 2")),
    (("fonds",), re.compile(r"^fonds$")),
    (("projet_analytique",), re.compile(r"projet analytique")),
    (("societe",), re.compile(r"^societe$")),
    (("type_piece",), re.compile(r"type de piece")),
    (("montant",), re.compile(r"^(eur|montant.*)$")),
]

# Technical BW names of the daily national extracts (`|` separated).
PIPE_NAMES: dict[str, str] = {
    "bbp_po_id": "n_ej",
    "bbp_poitem": "n_poste_ej",
    "oi_ebeln": "n_ej",
    "oi_ebelp": "n_poste_ej",
    "ac_doc_no": "n_dp",
    "item_num": "n_poste_dp",
    "fiscyear": "exercice_comptable",
    "code_programme": "programme",
    "comp_code": "societe",
    "matl_group": "groupe_marchandise",
    "cfund_ctr": "centre_financier",
    "func_area": "domaine_fonctionnel",
    "cmmt_item": "compte_budgetaire",
    "cfmtrfonc": "tranche_fonctionnelle",
    "costcenter": "centre_couts",
    "cfmlocint": "localisation_interministerielle",
    "cfmaxmin1": "axe_ministeriel_1",
    "cfmaxmin2": "axe_ministeriel_2",
    "cfund": "fonds",
    "bic_cfund": "fonds",
    "cfm_cper": "contrat_etat_region",
    "bic_csdzzcper": "contrat_etat_region",
    "cfmanamin": "projet_analytique",
    "cfmrefprg": "referentiel_programmation",
    "fm_amount1": "montant",
    "bic_cglmfahtd": "montant",
    "doc_date": "date_replication",
    "bline_date": "date_base_dp",
    "ectr_date": "date_extraction",
    "tax_numb": "siret",
    "vendor": "fournisseur_code",
    # Read but not kept: mission label, target ministry, delivery date, status, tax code and amounts.
    "mission": "mission",
    "eid_cible": "ministere_cible",
    "edp_delda": "date_livraison",
    "po_status": "statut_ej",
    "ref_key3": "reference_piece",
    "bbp_taxcod": "code_tva",
    "bic_cglmfahte": "montant_ht_devise",
    "bic_cglmtvad": "montant_tva",
    "bic_cglmtvae": "montant_tva_devise",
}


def normalise_label(label: str) -> str:
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\bcle\b|non composee|\(|\)", " ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"\bn o\b|\bno\b", "n", text)  # "N°" → "n"
    return " ".join(text.split())


def match_header(labels: list[str]) -> list[str | None]:
    """Canonical name of each header label, None when nothing matches."""
    seen: dict[tuple[str, ...], int] = {}
    names: list[str | None] = []
    for label in labels:
        norm = normalise_label(label)
        name = None
        for candidates, pattern in _RULES:
            if pattern.search(norm):
                count = seen.get(candidates, 0)
                seen[candidates] = count + 1
                name = candidates[count] if count < len(candidates) else None
                break
        names.append(name)
    return names


@dataclass(frozen=True)
class Layout:
    """Columns a format must have, in file order."""

    name: str
    kind: Kind
    columns: tuple[str, ...]
    ignored: tuple[str, ...] = ()  # accepted in the file, not kept


_REGIONAL_AE = (
    "programme domaine_fonctionnel centre_couts referentiel_programmation n_ej date_replication n_poste_ej "
    "date_modification_ej fournisseur_code fournisseur_label siret compte_general compte_budgetaire "
    "groupe_marchandise contrat_etat_region contrat_etat_region_label localisation_interministerielle montant"
).split()
_REGIONAL_CP = (
    "programme domaine_fonctionnel centre_couts referentiel_programmation n_ej n_poste_ej n_dp date_base_dp "
    "date_derniere_operation_dp n_sf date_sf fournisseur_code fournisseur_label siret compte_general "
    "compte_budgetaire groupe_marchandise contrat_etat_region contrat_etat_region_label "
    "localisation_interministerielle montant"
).split()
_AIFE_AE = (
    "programme domaine_fonctionnel centre_couts referentiel_programmation n_ej date_replication n_poste_ej "
    "date_modification_ej fournisseur_code fournisseur_label siret compte_general compte_budgetaire "
    "groupe_marchandise contrat_etat_region localisation_interministerielle montant centre_financier "
    "tranche_fonctionnelle axe_ministeriel_1 fonds projet_analytique axe_ministeriel_2 societe"
).split()
_AIFE_CP = (
    "programme domaine_fonctionnel centre_couts referentiel_programmation n_ej n_poste_ej n_dp date_base_dp "
    "date_derniere_operation_dp fournisseur_code fournisseur_label siret compte_general compte_budgetaire "
    "groupe_marchandise contrat_etat_region localisation_interministerielle montant exercice_comptable "
    "n_poste_dp programme_doublon tranche_fonctionnelle fonds projet_analytique societe type_piece"
).split()
_PIPE_IGNORED = tuple(
    "mission ministere_cible date_livraison statut_ej reference_piece code_tva montant_ht_devise montant_tva "
    "montant_tva_devise".split()
)
_PIPE_AE = (
    "n_ej n_poste_ej programme societe groupe_marchandise centre_financier domaine_fonctionnel "
    "compte_budgetaire tranche_fonctionnelle centre_couts localisation_interministerielle axe_ministeriel_1 "
    "fonds contrat_etat_region projet_analytique axe_ministeriel_2 referentiel_programmation montant "
    "date_replication date_extraction siret"
).split()
_PIPE_CP = (
    "exercice_comptable n_dp n_poste_dp programme societe n_ej n_poste_ej montant fournisseur_code "
    "centre_financier domaine_fonctionnel compte_budgetaire tranche_fonctionnelle centre_couts "
    "localisation_interministerielle referentiel_programmation fonds contrat_etat_region date_base_dp "
    "date_extraction projet_analytique siret"
).split()

LAYOUTS: dict[tuple[str, Kind], Layout] = {
    ("regional", Kind.AE): Layout("INF-BUD-53 engagements", Kind.AE, tuple(_REGIONAL_AE)),
    ("regional", Kind.CP): Layout("INF-BUD-53 paiements", Kind.CP, tuple(_REGIONAL_CP)),
    ("aife", Kind.AE): Layout("AIFE national engagements", Kind.AE, tuple(_AIFE_AE)),
    ("aife", Kind.CP): Layout("AIFE national paiements", Kind.CP, tuple(_AIFE_CP)),
    ("pipe", Kind.AE): Layout("extraction quotidienne nationale EJ", Kind.AE, tuple(_PIPE_AE), _PIPE_IGNORED),
    ("pipe", Kind.CP): Layout("extraction quotidienne nationale DP", Kind.CP, tuple(_PIPE_CP), _PIPE_IGNORED),
}

# French column labels, for messages.
LABELS: dict[str, str] = {
    "programme": "Programme",
    "domaine_fonctionnel": "Domaine fonctionnel",
    "centre_couts": "Centre de coûts",
    "referentiel_programmation": "Référentiel de programmation",
    "n_ej": "N° EJ",
    "n_poste_ej": "N° poste EJ",
    "date_replication": "Date de réplication",
    "date_modification_ej": "Date de dernière modif. de l'EJ",
    "fournisseur_code": "Fournisseur (code)",
    "fournisseur_label": "Fournisseur (libellé)",
    "siret": "Code taxe 1",
    "compte_general": "Compte général",
    "compte_budgetaire": "Compte budgétaire",
    "groupe_marchandise": "Groupe de marchandises",
    "contrat_etat_region": "Contrat de projet Etat-Region (code)",
    "contrat_etat_region_label": "Contrat de projet Etat-Region (libellé)",
    "localisation_interministerielle": "Localisation interministérielle",
    "montant": "Montant (EUR)",
    "n_dp": "N° DP",
    "n_poste_dp": "N° poste DP",
    "date_base_dp": "Date de base de la DP",
    "date_derniere_operation_dp": "Date de dernière opération sur la DP",
    "n_sf": "N° SF",
    "date_sf": "Date comptable du SF",
    "exercice_comptable": "Exercice comptable",
    "societe": "Société",
    "date_extraction": "Date d'extraction",
}


def label(name: str) -> str:
    return LABELS.get(name, name)
