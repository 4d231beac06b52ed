"""The regional Chorus INF-BUD-53 file format: preamble, header, value formats, block writing."""

from __future__ import annotations

from typing import BinaryIO

import numpy as np
import polars as pl

AE_HEADER = (
    "Programme",
    "Domaine fonctionnel",
    "Centre de coûts",
    "Référentiel de programmation",
    "N° EJ",
    "Date de réplication",
    "N° poste EJ",
    "Date de dernière modif. de l'EJ",
    "Fournisseur titulaire principal (EJ)",
    "Fournisseur titulaire principal (EJ)",
    "Code taxe 1",
    "Compte général",
    "Compte budgétaire",
    "Groupe de marchandises",
    "Contrat de projet Etat-Region",
    "Contrat de projet Etat-Region",
    "Localisation interministérielle",
    "EUR",
)
CP_HEADER = (
    "Programme",
    "Domaine fonctionnel",
    "Centre de coûts",
    "Référentiel de programmation",
    "N° EJ",
    "N° poste EJ",
    "N° DP",
    "Date de base de la DP",
    "Date de dernière opération sur la DP",
    "N° SF",
    "Date comptable du SF",
    "Fournisseur payé (DP)",
    "Fournisseur payé (DP)",
    "Code taxe 1",
    "Compte général",
    "Compte budgétaire",
    "Groupe de marchandises",
    "Contrat de projet Etat-Region",
    "Contrat de projet Etat-Region",
    "Localisation interministérielle",
    "EUR",
)
FILTER_TEXT = (
    "\"Pour ajuster la zone filtre, faites glisser les caractéristiques de l'espace de "
    'navigation vers cette zone."'
)
EMPTY = "#"


def preamble(kind: str, exercice: int) -> bytes:
    """The 7 preamble lines and the header line, every line as wide as the header."""
    header = AE_HEADER if kind == "ae" else CP_HEADER
    width = len(header)
    pad = "," * (width - 1)
    measure = "Engagement" if kind == "ae" else "Montant payé"
    lines = [
        "INF-BUD-53 : Pilotage de la gestion - Vue détaillée" + pad,
        "Dernière MàJ des données :" + pad,
        f"03.02.{exercice + 1} 05:32:09" + pad,
        "Affichage :" + pad,
        FILTER_TEXT + pad,
        "," * (width - 2) + f"Exercice comptable,{exercice}",
        pad + measure,
        ",".join(header),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def amounts(cents: np.ndarray) -> pl.Expr:
    """Cents → `15000` or `22500,12` / `-0,50` (the writer quotes values holding a comma)."""
    c = pl.lit(pl.Series(cents, dtype=pl.Int64))
    sign = pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    euros = (c.abs() // 100).cast(pl.Utf8)
    rest = (c.abs() % 100).cast(pl.Utf8).str.zfill(2)
    return pl.when(c.abs() % 100 == 0).then(sign + euros).otherwise(sign + euros + "," + rest)


def numbers(values: np.ndarray) -> pl.Expr:
    """Integers, negative = empty (`#`)."""
    v = pl.lit(pl.Series(values, dtype=pl.Int64))
    return pl.when(v < 0).then(pl.lit(EMPTY)).otherwise(v.cast(pl.Utf8))


def dates(days: np.ndarray) -> pl.Expr:
    """datetime64[D] → dd.mm.yyyy, NaT = `#`."""
    d = pl.lit(pl.Series(days.astype("datetime64[D]")))
    return d.dt.strftime("%d.%m.%Y").fill_null(EMPTY)


def gather(values: pl.Series, index: np.ndarray, prefix: str = "", empty: str = EMPTY) -> pl.Expr:
    """`values[index]` with an optional prefix (`BG00/`, `PCE/`); negative index = `empty`."""
    safe = np.maximum(index, 0)
    picked = pl.lit(values.gather(safe))
    if prefix:
        picked = pl.lit(prefix) + picked
    if (index < 0).any():
        return pl.when(pl.lit(pl.Series(index)) < 0).then(pl.lit(empty)).otherwise(picked)
    return picked


def write_block(handle: BinaryIO, columns: list[pl.Expr]) -> None:
    frame = pl.select([expr.alias(f"c{i}") for i, expr in enumerate(columns)])
    frame.write_csv(handle, include_header=False, quote_style="necessary", line_terminator="\n")
