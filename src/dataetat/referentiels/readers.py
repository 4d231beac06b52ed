"""Readers of the official referential formats, one per kind of file.

Each reader is `read_<kind>(path) -> dict[table, DataFrame]`: the keys are keys of
`store.schema.REFERENTIAL_TABLES`; every frame has the table's key columns (`code`; `code_ancien`
for `commune_passage`; `code_postal` and `code_commune` for `code_postal`) and a subset of the
table's columns, all Utf8, without duplicate keys.
A file that is not in the expected format raises `ReferentielError` (message in French).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from ._tabular import ReferentielError
from .chorus import (
    read_calculette,
    read_categorie_juridique,
    read_centre_couts,
    read_localisation_interministerielle,
    read_programme_theme,
    read_societe,
)
from .codes_postaux import read_codes_postaux
from .cog import (
    read_arrondissements,
    read_communes,
    read_departements,
    read_epci,
    read_mouvements,
    read_regions,
)

__all__ = [
    "KIND_HELP",
    "READERS",
    "ReferentielError",
    "read_arrondissements",
    "read_calculette",
    "read_categorie_juridique",
    "read_centre_couts",
    "read_codes_postaux",
    "read_communes",
    "read_departements",
    "read_epci",
    "read_localisation_interministerielle",
    "read_mouvements",
    "read_programme_theme",
    "read_regions",
    "read_societe",
]

Reader = Callable[[Path], dict[str, pl.DataFrame]]

READERS: dict[str, Reader] = {
    "calculette": read_calculette,
    "centre-couts": read_centre_couts,
    "programme-theme": read_programme_theme,
    "localisation-interministerielle": read_localisation_interministerielle,
    "categorie-juridique": read_categorie_juridique,
    "regions": read_regions,
    "departements": read_departements,
    "arrondissements": read_arrondissements,
    "communes": read_communes,
    "epci": read_epci,
    "mouvements": read_mouvements,
    "code-postal": read_codes_postaux,
    "societe": read_societe,
}

KIND_HELP: dict[str, str] = {
    "calculette": "Classeur « calculette » Chorus (xlsx) : ministères, programmes, domaines fonctionnels, "
    "activités (référentiel de programmation), centres de coûts, groupes de marchandises.",
    "centre-couts": "Extraction SAP des centres de coûts (xlsx : Ctre coûts, Description, Désignation, "
    "Cde postal, Ville).",
    "programme-theme": "CSV programme → intitulé → thème (code_programme, titre_programme, theme).",
    "localisation-interministerielle": "Extraction Chorus des localisations interministérielles "
    "(LOC_INTERMIN_*.csv, séparateur « ; »).",
    "categorie-juridique": "CSV catégorie juridique INSEE (4 chiffres) → type de bénéficiaire "
    "(code_categorie_juridique, type_beneficiaire).",
    "regions": "Régions du Code officiel géographique INSEE (regions.csv).",
    "departements": "Départements du Code officiel géographique INSEE (departements.csv).",
    "arrondissements": "Arrondissements du Code officiel géographique INSEE (arrondissements.csv).",
    "communes": "Communes du Code officiel géographique INSEE (communes.csv), arrondissements municipaux "
    "compris ; communes associées et déléguées rattachées à leur commune.",
    "epci": "Composition communale des EPCI de la DGCL (epcicom.xlsx) : EPCI et EPCI de chaque commune.",
    "mouvements": "Mouvements des communes du COG INSEE (mouvements-communes.csv) : ancien code → "
    "code actuel.",
    "code-postal": "Codes postaux → communes : JSON du paquet npm « codes-postaux » ou CSV à colonnes "
    "code postal et code commune INSEE (base officielle des codes postaux de La Poste, fichier embarqué) ; "
    "anciens codes de communes traduits en codes actuels.",
    "societe": "CSV des sociétés Chorus (code, code_region, label) : société → région.",
}
