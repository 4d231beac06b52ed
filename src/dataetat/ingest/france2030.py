"""France 2030 laureates: CSV `,` whose header holds exactly the 16 columns below (any order),
amounts with a dot decimal (`NaN` = empty), turned into rows of table `aide`.

    source = read_france2030(path, regions)   # regions: folded label -> INSEE code (ref_region)
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dataetat.ingest import source_csv as sc
from dataetat.ingest.problems import FileUnreadable
from dataetat.model import normalise as n

SOURCE = "FRANCE_2030"
COLUMNS = [
    "date_dpm",
    "operateur",
    "procedure",
    "nom_projet",
    "nom_beneficiaire",
    "siret",
    "typologie",
    "regions",
    "localisation_geo",
    "acteur_emergent",
    "nom_strategie",
    "code_nomenclature",
    "nomenclature",
    "montant_subvention",
    "montant_avance_remboursable",
    "montant_aide",
]
EMPTIES = ("", "nan")
ATTRIBUTS = [
    "procedure",
    "typologie",
    "acteur_emergent",
    "nom_strategie",
    "code_nomenclature",
    "nomenclature",
    "montant_subvention",
    "montant_avance_remboursable",
]
_DOT_DECIMAL = r"^-?\d+(\.\d+)?$"
_DEPARTEMENT = r"^(0?\d{2}|2[AB]|9[78]\d)$"


def dot_decimal(col: str) -> pl.Expr:
    """'418492.0' → Decimal(18, 2); a comma or anything else → null."""
    c = pl.col(col).str.replace_all(r"\s", "")
    fits = c.str.contains(_DOT_DECIMAL) & n.montant_probleme(col).is_null()  # DECIMAL(18, 2), cents
    return pl.when(fits).then(c.str.to_decimal(scale=2)).cast(pl.Decimal(18, 2))


def siret_or_null(col: str) -> pl.Expr:
    c = pl.col(col).str.replace_all(r"\s", "")
    return pl.when(c.str.contains(r"^\d{14}$")).then(c).otherwise(None)


def read_france2030(path: Path, regions: dict[str, str]) -> sc.SourceFile:
    source = sc.open_source(path, "france-2030", "france2030")
    report = source.report
    try:
        frame = sc.read_table(path, report, columns=COLUMNS, empties=EMPTIES)
    except FileUnreadable:
        return source
    if frame is None:
        return source
    sc.required(report, frame, ["date_dpm"])
    labels = {v: regions.get(sc.fold(v)) for v in frame["regions"].drop_nulls().unique().to_list()}
    frame = frame.with_columns(
        pl.col("date_dpm").str.strptime(pl.Date, "%Y-%m-%d", strict=False).alias("date__v"),
        *(
            dot_decimal(c).alias(f"{c}__v")
            for c in ("montant_aide", "montant_subvention", "montant_avance_remboursable")
        ),
        pl.col("regions").replace_strict(labels, default=None, return_dtype=pl.String).alias("region__v"),
        pl.col("localisation_geo").str.to_uppercase().alias("dep__raw"),
    )
    sc.flag(
        report,
        frame,
        pl.col("date_dpm").is_not_null() & pl.col("date__v").is_null(),
        "date-invalide-format",
        "date_dpm",
        detail="aaaa-mm-jj",
    )
    for col in ("montant_aide", "montant_subvention", "montant_avance_remboursable"):
        sc.flag_amount(report, frame, col, f"{col}__v")
    sc.flag_years(report, frame, pl.col("date__v").dt.year(), "date_dpm")
    montant = pl.coalesce(
        pl.col("montant_aide__v"),
        pl.when(
            pl.col("montant_subvention__v").is_not_null()
            | pl.col("montant_avance_remboursable__v").is_not_null()
        ).then(
            pl.col("montant_subvention__v").fill_null(0)
            + pl.col("montant_avance_remboursable__v").fill_null(0)
        ),
    ).cast(pl.Decimal(18, 2))
    frame = frame.with_columns(montant.alias("montant__v"))
    no_amount = (
        pl.col("montant__v").is_null()
        & pl.col("montant_aide").is_null()
        & pl.col("montant_subvention").is_null()
        & pl.col("montant_avance_remboursable").is_null()
    )
    sc.flag(report, frame, no_amount, "valeur-manquante", "montant_aide")
    sc.flag(
        report,
        frame,
        pl.col("regions").is_not_null() & pl.col("region__v").is_null(),
        "region-inconnue",
        "regions",
    )
    sc.flag(
        report,
        frame,
        pl.col("dep__raw").is_not_null() & ~pl.col("dep__raw").str.contains(_DEPARTEMENT),
        "valeur-invalide",
        "localisation_geo",
        detail="attendu un code de département (044, 2A, 974…)",
    )
    bad_siret = pl.col("siret").is_not_null() & siret_or_null("siret").is_null()
    sc.flag(report, frame, bad_siret, "siret-invalide", "siret")
    if not report.valid:
        return source
    departement = pl.col("dep__raw").str.replace(r"^0(\d{2})$", "$1")
    attributs = pl.struct([pl.col(c) for c in ATTRIBUTS]).struct.json_encode()
    out = frame.select(
        pl.lit(SOURCE).alias("source"),
        pl.col("date__v").dt.year().cast(pl.Int32).alias("annee"),
        pl.col("date__v").alias("date_decision"),
        pl.lit(None, pl.String).alias("reference"),
        siret_or_null("siret").alias("siret"),
        pl.col("nom_beneficiaire").alias("beneficiaire_nom"),
        pl.col("nom_projet").alias("objet"),
        pl.col("montant__v").alias("montant"),
        pl.col("operateur"),
        pl.col("region__v").alias("code_region"),
        departement.alias("code_departement"),
        attributs.alias("attributs"),
        pl.col("ligne").alias("ligne_fichier"),
    )
    source.frame = out
    source.annees = sorted(out["annee"].unique().to_list())
    return source
