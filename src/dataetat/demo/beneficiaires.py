"""The pool of beneficiaries (one row per établissement) and its SIRENE extracts.

Every type is represented: entreprises, collectivités (communes with their real-shaped SIREN
21+dep+0+commune, EPCI with their real SIREN, départements, région, EPLE), associations, services
of the État, others (entrepreneurs individuels, CCAS, hospitals, universities, foundations) and a few
payees without SIRET (particuliers). Every SIREN and SIRET is Luhn-valid. The collectivités are
built by demo/collectivites.py, the other organisations by demo/organismes.py.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from dataetat.demo.catalog import Catalog
from dataetat.demo.collectivites import add_collectivites
from dataetat.demo.etablissements import Rows, draw_communes, pick, unique_payloads
from dataetat.demo.names import FIRST_NAMES, SURNAMES, with_check_digit
from dataetat.demo.organismes import add_associations, add_autres, add_entreprises, add_etat

# Payee kinds, used to pick comptes (index into generator.COMPTES_BY_KIND).
ENTREPRISE, COLLECTIVITE, ASSOCIATION, ETAT, AUTRE, PARTICULIER = range(6)
KIND_BY_TYPE = {
    "Entreprise": ENTREPRISE,
    "Collectivité": COLLECTIVITE,
    "Association": ASSOCIATION,
    "Etat": ETAT,
}


def build_beneficiaires(cat: Catalog, size: int, seed: int) -> pl.DataFrame:
    """One row per payee: siret ('#' for particuliers), fournisseur code and label, kind, SIRENE fields."""
    rng = np.random.default_rng([seed, 2])
    rows = Rows()
    add_collectivites(rows, rng, cat, max(3, int(size * 0.12)))
    add_entreprises(rows, rng, cat, max(2, int(size * 0.42)))
    add_associations(rows, rng, cat, max(1, int(size * 0.18)))
    add_etat(rows, rng, cat, max(1, int(size * 0.06)))
    add_autres(rows, rng, cat, max(2, int(size * 0.06)))
    frame = _assemble(rows, cat)
    return pl.concat([frame, _particuliers(rng, cat, max(1, int(size * 0.03)), frame.height)], how="diagonal")


def _assemble(rows: Rows, cat: Catalog) -> pl.DataFrame:
    c = rows.cols
    siren = np.array(c["siren"], dtype=np.int64)
    siret = with_check_digit(siren * 10_000 + np.array(c["nic"], dtype=np.int64), 13)
    frame = pl.DataFrame(
        {
            "siren": pl.Series(siren).cast(pl.Utf8).str.zfill(9),
            "siret": pl.Series(siret).cast(pl.Utf8).str.zfill(14),
            "categorie": c["categorie"],
            "naf": c["naf"],
            "denomination": c["denomination"],
            "nom": c["nom"],
            "prenom": c["prenom"],
            "commune": pl.Series(c["commune"], dtype=pl.Int64),
            "siege": c["siege"],
            "creation": c["creation"],
        }
    )
    frame = frame.unique("siret", keep="first", maintain_order=True)
    kind = [KIND_BY_TYPE.get(cat.categories.get(code, ""), AUTRE) for code in frame["categorie"].to_list()]
    label = (
        pl.when(pl.col("denomination") != "")
        .then(pl.col("denomination"))
        .otherwise(pl.concat_str(["nom", "prenom"], separator=" "))
    )
    return frame.with_columns(kind=pl.Series(kind, dtype=pl.Int8), label=label.str.slice(0, 35))


def _particuliers(rng, cat: Catalog, n: int, offset: int) -> pl.DataFrame:
    civ = pick(rng, ("M.", "MME"), n)
    names = [
        f"{c} {s} {p}" for c, s, p in zip(civ, pick(rng, SURNAMES, n), pick(rng, FIRST_NAMES, n), strict=True)
    ]
    kind = pl.Series([PARTICULIER] * n, dtype=pl.Int8)
    return pl.DataFrame(
        {
            "siret": ["#"] * n,
            "label": names,
            "kind": kind,
            "commune": draw_communes(rng, cat, n).astype(np.int64),
        }
    )


def attach_fournisseurs(benef: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Unique 10-digit Chorus supplier codes and a heavy-tailed weight (a few payees get many EJ)."""
    rng = np.random.default_rng([seed, 3])
    n = benef.height
    codes = unique_payloads(rng, n, 1_000_000_000, 1_500_000_000)
    weight = 1.0 / (5.0 + rng.permutation(n)) ** 0.9
    return benef.with_columns(fournisseur=pl.Series(codes).cast(pl.Utf8), weight=weight / weight.sum())
