"""SIRENE stock extracts (INSEE `StockEtablissement_utf8.csv`, `StockUniteLegale_utf8.csv` layouts)
for the payees of the demo files."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import polars as pl

from dataetat.demo.catalog import Catalog
from dataetat.demo.names import EFFECTIFS, STREET_TYPES, STREETS

ETABLISSEMENT_COLUMNS = (
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "trancheEffectifsEtablissement",
    "anneeEffectifsEtablissement",
    "activitePrincipaleRegistreMetiersEtablissement",
    "dateDernierTraitementEtablissement",
    "etablissementSiege",
    "nombrePeriodesEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement",
    "distributionSpecialeEtablissement",
    "codeCommuneEtablissement",
    "codeCedexEtablissement",
    "libelleCedexEtablissement",
    "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement",
    "complementAdresse2Etablissement",
    "numeroVoie2Etablissement",
    "indiceRepetition2Etablissement",
    "typeVoie2Etablissement",
    "libelleVoie2Etablissement",
    "codePostal2Etablissement",
    "libelleCommune2Etablissement",
    "libelleCommuneEtranger2Etablissement",
    "distributionSpeciale2Etablissement",
    "codeCommune2Etablissement",
    "codeCedex2Etablissement",
    "libelleCedex2Etablissement",
    "codePaysEtranger2Etablissement",
    "libellePaysEtranger2Etablissement",
    "dateDebut",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "enseigne2Etablissement",
    "enseigne3Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement",
)
UNITE_LEGALE_COLUMNS = (
    "siren",
    "statutDiffusionUniteLegale",
    "unitePurgeeUniteLegale",
    "dateCreationUniteLegale",
    "sigleUniteLegale",
    "sexeUniteLegale",
    "prenom1UniteLegale",
    "prenom2UniteLegale",
    "prenom3UniteLegale",
    "prenom4UniteLegale",
    "prenomUsuelUniteLegale",
    "pseudonymeUniteLegale",
    "identifiantAssociationUniteLegale",
    "trancheEffectifsUniteLegale",
    "anneeEffectifsUniteLegale",
    "dateDernierTraitementUniteLegale",
    "nombrePeriodesUniteLegale",
    "categorieEntreprise",
    "anneeCategorieEntreprise",
    "dateDebut",
    "etatAdministratifUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "denominationUniteLegale",
    "denominationUsuelle1UniteLegale",
    "denominationUsuelle2UniteLegale",
    "denominationUsuelle3UniteLegale",
    "categorieJuridiqueUniteLegale",
    "activitePrincipaleUniteLegale",
    "nomenclatureActivitePrincipaleUniteLegale",
    "nicSiegeUniteLegale",
    "economieSocialeSolidaireUniteLegale",
    "societeMissionUniteLegale",
    "caractereEmployeurUniteLegale",
)
TREATED = "2024-03-01T02:17:45"


def _postal_code(commune: str) -> str:
    """A plausible code postal for a commune (COG has none): département + 3 digits."""
    dep = "20" if commune[:2] in ("2A", "2B") else commune[:2]
    return f"{dep}{(int(commune[2:]) * 37) % 90 * 10 + 100:03d}"


def _commune_label(label: str) -> str:
    """`Saint-Médard-sur-Ille` → `SAINT-MEDARD-SUR-ILLE` (SIRENE keeps hyphens, drops accents)."""
    return unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().upper()


def _write(columns: dict[str, list], path: Path) -> None:
    """Empty values are written as nothing (not `""`), like the INSEE stock files."""
    frame = pl.DataFrame(columns).select(pl.all().replace("", None))
    frame.write_csv(path, quote_style="necessary", line_terminator="\n")


def _pick(rng: np.random.Generator, words, n: int) -> list:
    return [words[i] for i in rng.integers(0, len(words), size=n)]


def write_etablissements(benef: pl.DataFrame, cat: Catalog, path: Path, seed: int) -> None:
    rng = np.random.default_rng([seed, 30])
    etab = benef.filter(pl.col("siret") != "#").sort("siret")
    n = etab.height
    codes = cat.communes["code"].gather(etab["commune"]).to_list()
    effectifs = _pick(rng, EFFECTIFS, n)
    columns = {name: [""] * n for name in ETABLISSEMENT_COLUMNS}
    columns.update(
        {
            "siren": etab["siren"].to_list(),
            "nic": etab["siret"].str.slice(9).to_list(),
            "siret": etab["siret"].to_list(),
            "statutDiffusionEtablissement": ["O"] * n,
            "dateCreationEtablissement": etab["creation"].to_list(),
            "trancheEffectifsEtablissement": effectifs,
            "anneeEffectifsEtablissement": ["" if e == "NN" else "2022" for e in effectifs],
            "dateDernierTraitementEtablissement": [TREATED] * n,
            "etablissementSiege": ["true" if s else "false" for s in etab["siege"].to_list()],
            "nombrePeriodesEtablissement": ["1"] * n,
            "numeroVoieEtablissement": [str(v) for v in rng.integers(1, 120, size=n)],
            "typeVoieEtablissement": _pick(rng, STREET_TYPES, n),
            "libelleVoieEtablissement": _pick(rng, STREETS, n),
            "codePostalEtablissement": [_postal_code(c) for c in codes],
            "libelleCommuneEtablissement": [
                _commune_label(label) for label in cat.communes["label"].gather(etab["commune"]).to_list()
            ],
            "codeCommuneEtablissement": codes,
            "dateDebut": etab["creation"].to_list(),
            "etatAdministratifEtablissement": ["A"] * n,
            "activitePrincipaleEtablissement": [f"{naf[:2]}.{naf[2:]}" for naf in etab["naf"].to_list()],
            "nomenclatureActivitePrincipaleEtablissement": ["NAFRev2"] * n,
            "caractereEmployeurEtablissement": ["N" if e in ("NN", "00") else "O" for e in effectifs],
        }
    )
    _write(columns, path)


def write_unites_legales(benef: pl.DataFrame, path: Path) -> None:
    ul = (
        benef.filter(pl.col("siret") != "#")
        .sort("siret")
        .group_by("siren", maintain_order=True)
        .agg(pl.all().sort_by(pl.col("siege"), descending=True).first())
        .sort("siren")
    )
    n = ul.height
    columns = {name: [""] * n for name in UNITE_LEGALE_COLUMNS}
    naf = [f"{code[:2]}.{code[2:]}" for code in ul["naf"].to_list()]
    columns.update(
        {
            "siren": ul["siren"].to_list(),
            "statutDiffusionUniteLegale": ["O"] * n,
            "dateCreationUniteLegale": ul["creation"].to_list(),
            "prenom1UniteLegale": ul["prenom"].to_list(),
            "prenomUsuelUniteLegale": ul["prenom"].to_list(),
            "dateDernierTraitementUniteLegale": [TREATED] * n,
            "nombrePeriodesUniteLegale": ["1"] * n,
            "dateDebut": ul["creation"].to_list(),
            "etatAdministratifUniteLegale": ["A"] * n,
            "nomUniteLegale": ul["nom"].to_list(),
            "denominationUniteLegale": ul["denomination"].to_list(),
            "categorieJuridiqueUniteLegale": ul["categorie"].to_list(),
            "activitePrincipaleUniteLegale": naf,
            "nomenclatureActivitePrincipaleUniteLegale": ["NAFRev2"] * n,
            "nicSiegeUniteLegale": ul["siret"].str.slice(9).to_list(),
            "caractereEmployeurUniteLegale": ["N"] * n,
        }
    )
    _write(columns, path)
