"""Normalise and check raw Chorus rows, batch by batch, with Polars expressions.

Every rule is vectorised: a column is parsed once, and a row is in error where the raw text is
present but the parsed value is not (or a required value is missing). Problems go to the report
with line, column and value; valid rows come out in the staging schema of their kind.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from dataetat.ingest.columns import label
from dataetat.ingest.problems import CATALOGUE, MAX_PROBLEMS, Report
from dataetat.model import normalise as n
from dataetat.model.enums import DataSource, Kind

COMMON = (
    "programme domaine_fonctionnel centre_couts referentiel_programmation siret compte_general "
    "compte_budgetaire groupe_marchandise contrat_etat_region localisation_interministerielle "
    "fournisseur_code fournisseur_label centre_financier tranche_fonctionnelle fonds projet_analytique "
    "societe contrat_etat_region_label"
).split()
DATES = (
    "date_replication",
    "date_modification_ej",
    "date_base_dp",
    "date_derniere_operation_dp",
    "date_sf",
    "date_extraction",
)
INTEGERS = ("n_poste_ej", "n_poste_dp", "exercice_comptable")

# Columns every staged row starts with: its file line, its feed and year, its EJ/poste.
_LINE_KEY: dict[str, pl.DataType] = {
    "ligne": pl.Int64,
    "data_source": pl.String,
    "source_region": pl.String,
    "annee": pl.Int32,
    "n_ej": pl.String,
    "n_poste_ej": pl.Int32,
}
# Staging schema of each kind: the columns of ae_annee / cp, less ids.
STAGING: dict[Kind, dict[str, pl.DataType]] = {
    Kind.AE: {
        **_LINE_KEY,
        **{c: pl.String for c in COMMON},
        "axe_ministeriel_1": pl.String,
        "axe_ministeriel_2": pl.String,
        "date_replication": pl.Date,
        "date_modification_ej": pl.Date,
        "montant": pl.Decimal(18, 2),
    },
    Kind.CP: {
        **_LINE_KEY,
        "n_dp": pl.String,
        "n_poste_dp": pl.Int32,
        **{c: pl.String for c in COMMON},
        "type_piece": pl.String,
        "n_sf": pl.String,
        "date_base_dp": pl.Date,
        "date_derniere_operation_dp": pl.Date,
        "date_sf": pl.Date,
        "montant": pl.Decimal(18, 2),
    },
}

REQUIRED: dict[Kind, tuple[str, ...]] = {
    Kind.AE: ("n_ej", "n_poste_ej", "montant"),
    Kind.CP: ("n_dp", "montant"),
}


@dataclass(frozen=True)
class Context:
    """What the rows do not say themselves."""

    format: str
    kind: Kind
    annee: int | None  # --annee, else the preamble's exercice
    region: str | None  # --region (regional files)
    societes: dict[str, str]  # société Chorus -> code région (national files)
    columns: tuple[str, ...] = ()  # canonical names of the file's columns
    annees: tuple[int, int] | None = None  # accepted years (national rows carry theirs)


def _normalised(col: str) -> pl.Expr:
    if col == "montant":
        return n.montant(col)
    if col in DATES:
        return n.date(col)
    if col in INTEGERS:
        return n.entier(col)
    if col == "programme":
        return n.programme(col)
    if col in ("centre_couts", "referentiel_programmation"):
        return n.sans_prefixe(col, "BG00/")
    if col == "compte_general":
        return n.sans_prefixe(col, "PCE/")
    if col == "siret":
        return n.siret(col)
    if col == "societe":
        return n.societe(col)
    return pl.col(col)


def _error_code(col: str) -> str:
    if col == "montant":
        return "montant-invalide"
    if col in DATES:
        return "date-invalide"
    if col == "siret":
        return "siret-invalide"
    return "entier-invalide"


def validate(batch: pa.RecordBatch, ctx: Context, report: Report) -> tuple[pa.Table, pl.DataFrame]:
    """Return (valid rows in the staging schema, rejected raw rows with their reasons).

    One lazy plan per batch: raw text cleaned, every column normalised (suffix `__v`), every check
    as a boolean column, collected once."""
    names = [c for c in batch.schema.names if c != "ligne"]
    raw = pl.from_arrow(batch)
    assert isinstance(raw, pl.DataFrame)
    controlled = n.with_control_characters(raw, names)
    checks = _checks(names, ctx, controlled)
    plan = (
        raw.lazy()
        .with_columns(n.empty_to_null(c) for c in names)
        .with_columns(n.control_flags(controlled))
        .with_columns(n.without_control_characters(c) for c in controlled)
        .with_columns(_normalised(c).alias(f"{c}__v") for c in names)
        .with_columns(_feed(ctx))
    )
    plan = plan.with_columns(
        mask.fill_null(False).alias(f"__check{i}") for i, (_, _, mask) in enumerate(checks)
    )
    frame = plan.collect()
    blocking = [f"__check{i}" for i, (_, code, _) in enumerate(checks) if _blocks(code)]
    bad = frame.select(pl.any_horizontal(blocking) if blocking else pl.lit(False)).to_series()
    reasons = pl.Series("motif", [""] * frame.height, pl.String)
    for i, (col, code, _) in enumerate(checks):
        mask = frame[f"__check{i}"]
        if not mask.any():
            continue
        failing = frame.filter(mask)
        shown = failing.head(MAX_PROBLEMS)  # every problem is counted, the first ones detailed
        for line, value in zip(
            shown["ligne"], shown[col] if col in frame.columns else [None] * shown.height, strict=True
        ):
            report.add(code, ligne=line, colonne=label(col), valeur=value, detail=_detail(code, ctx))
        report.count(code, failing.height - shown.height)
        if _blocks(code):  # a warning (bad SIRET, control character) keeps the line
            reasons = pl.select(
                pl.when(mask).then(pl.lit(f"{code} ({label(col)}) ") + reasons).otherwise(reasons)
            ).to_series()
    valid = frame.filter(~bad).select(_staging_columns(ctx.kind, {*names, *_FEED}))
    rejected = (
        frame.filter(bad)
        .select("ligne", *names)
        .with_columns(reasons.filter(bad).str.strip_chars().alias("motif"))
    )
    return valid.to_arrow(), rejected


_FEED = ("data_source", "source_region", "annee")


def _detail(code: str, ctx: Context) -> str | None:
    if code == "annee-hors-limites" and ctx.annees is not None:
        return f"les années acceptées vont de {ctx.annees[0]} à {ctx.annees[1]} (réglages annee_min et annee_max)"
    return None


def _blocks(code: str) -> bool:
    return CATALOGUE[code][0] == "erreur"


def _checks(names: list[str], ctx: Context, controlled: list[str] = ()) -> list[tuple[str, str, pl.Expr]]:
    """(column, problem code, failing-row mask) of every rule."""
    checks = [
        (col, _error_code(col), pl.col(col).is_not_null() & pl.col(f"{col}__v").is_null())
        for col in names
        if col in ("siret", *DATES, *INTEGERS)
    ]
    if "montant" in names:
        problem = n.montant_probleme("montant")
        checks += [
            ("montant", code, problem == code)
            for code in ("montant-invalide", "montant-trop-grand", "montant-decimales")
        ]
    for col in controlled:
        checks.append((col, "caractere-nul", pl.col(f"{col}__nul")))
        checks.append((col, "caractere-controle", pl.col(f"{col}__ctl") & ~pl.col(f"{col}__nul")))
    checks += [(col, "valeur-manquante", pl.col(col).is_null()) for col in REQUIRED[ctx.kind]]
    if ctx.kind == Kind.CP:  # a CP on an EJ needs its poste
        checks.append(
            ("n_poste_ej", "valeur-manquante", pl.col("n_ej").is_not_null() & pl.col("n_poste_ej").is_null())
        )
    if ctx.format != "regional":  # national rows carry their région (société) and maybe their year
        checks.append(("societe", "societe-inconnue", pl.col("source_region__v").is_null()))
        if ctx.annee is None:
            checks.append(("exercice_comptable", "valeur-manquante", pl.col("annee__v").is_null()))
            if ctx.annees is not None:
                low, high = ctx.annees
                year_col = "exercice_comptable" if "exercice_comptable" in names else "date_extraction"
                checks.append((year_col, "annee-hors-limites", ~pl.col("annee__v").is_between(low, high)))
    return checks


def _feed(ctx: Context) -> list[pl.Expr]:
    """data_source, source_region and annee of each row (suffix `__v` like normalised columns)."""
    if ctx.format == "regional":
        return [
            pl.lit(DataSource.REGION.value).alias("data_source__v"),
            pl.lit(ctx.region, pl.String).alias("source_region__v"),
            pl.lit(ctx.annee, pl.Int32).alias("annee__v"),
        ]
    region = pl.col("societe__v").replace_strict(ctx.societes, default=None, return_dtype=pl.String)
    annee = pl.lit(ctx.annee, pl.Int32)
    if ctx.annee is None:
        annee = pl.coalesce(
            pl.col("exercice_comptable__v").cast(pl.Int32)
            if "exercice_comptable" in ctx.columns
            else pl.lit(None, pl.Int32),
            pl.col("date_extraction__v").dt.year().cast(pl.Int32)
            if "date_extraction" in ctx.columns
            else pl.lit(None, pl.Int32),
        )
    return [
        pl.lit(DataSource.NATION.value).alias("data_source__v"),
        region.alias("source_region__v"),
        annee.alias("annee__v"),
    ]


def _staging_columns(kind: Kind, present: set[str]) -> list[pl.Expr]:
    """The staging schema of `kind`, from the normalised columns (`__v`); absent ones are null."""
    return [
        pl.col("ligne")
        if name == "ligne"
        else (pl.col(f"{name}__v") if name in present else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in STAGING[kind].items()
    ]
