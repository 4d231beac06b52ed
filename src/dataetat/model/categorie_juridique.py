"""INSEE « catégorie juridique » codes (4 digits, SIRENE) as users read them.

    affichee("7220", "Département")  -> "Département (7220)"      # exact label (API Entreprise)
    affichee("7220")                 -> "7220 — Personne morale et organisme soumis au droit administratif"
    affichee("0000")                 -> "0000"                     # no level I label

The exact label of a code is the `forme_juridique.libelle` API Entreprise gives with it, kept in
`ref_categorie_juridique.label` by the enrichment (store/enrichissement.py); else the label of its
level I (first digit), bundled in referentiels/data/categorie_juridique_niveau1.csv (INSEE,
Licence Ouverte, see data/PROVENANCE.md).
"""

from __future__ import annotations

import csv
from functools import cache

from dataetat.referentiels.bundled import BUNDLED_DIR

NIVEAU_1_FILE = BUNDLED_DIR / "categorie_juridique_niveau1.csv"


@cache
def niveau_1() -> dict[str, str]:
    """First digit → label of the nomenclature's level I."""
    with NIVEAU_1_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["label"] for row in csv.DictReader(handle)}


def affichee(code: str | None, exacte: str | None = None) -> str | None:
    """The code with its label: the exact one first, else its level I's; None without a code."""
    code = (code or "").strip()
    if not code:
        return None
    exacte = (exacte or "").strip()
    if exacte:
        return f"{exacte} ({code})"
    general = niveau_1().get(code[0]) if len(code) == 4 and code.isdigit() else None
    return f"{code} — {general}" if general else code
