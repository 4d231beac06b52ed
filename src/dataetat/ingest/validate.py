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
from dataetat.ingest.problems import Report
from dataetat.model import normalise as n
from dataetat.model.enums import DataSource, Kind

COMMON = (
    "programme domaine_fonctionnel centre_couts referentiel_programmation siret compte_general "
    "compte_budgetaire groupe_marchandise contrat_etat_region localisation_interministerielle "
    "fournisseur_code fournisseur_label centre_financier tranche_fonctionnelle fonds projet_analytique "
    "societe contrat_etat_region_label"
).split()
DATES = ("date_replication", "date_modification_ej", "date_base_dp", "date_derniere_operation_dp", "date_sf", "date_extraction")
INTEGERS = ("n_poste_ej", "n_poste_dp", "exercice_comptable")

# Staging schema of each kind: the columns of ae_annee / cp, less ids.
STAGING: dict[Kind, dict[str, pl.DataType]] = {
    Kind.AE: {
        "ligne": pl.Int64, "data_source": pl.String, "source_region": pl.String, "annee": pl.Int32,
        "n_ej": pl.String, "n_poste_ej": pl.Int32,
        **{c: pl.String for c in COMMON},
        "axe_ministeriel_1": pl.String, "axe_ministeriel_2": pl.String,
        "date_replication": pl.Date, "date_modification_ej": pl.Date,
        "montant": pl.Decimal(18, 2),
    },
    Kind.CP: {
        "ligne": pl.Int64, "data_source": pl.String, "source_region": pl.String, "annee": pl.Int32,
        "n_ej": pl.String, "n_poste_ej": pl.Int32, "n_dp": pl.String, "n_poste_dp": pl.Int32,
        **{c: pl.String for c in COMMON},
        "type_piece": pl.String, "n_sf": pl.String,
        "date_base_dp": pl.Date, "date_derniere_operation_dp": pl.Date, "date_sf": pl.Date,
        "montant": pl.Decimal(18, 2),
    },
}

REQUIRED: dict[Kind, tuple[str, ...]] = {Kind.AE: ("n_ej", "n_poste_ej", "montant"), Kind.CP: ("n_dp", "montant")}


@dataclass(frozen=True)
class Context:
    """What the rows do not say themselves."""

    format: str
    kind: Kind
    annee: int | None  # --annee, else the preamble's exercice
    region: str | None  # --region (regional files)
    societes: dict[str, str]  # société Chorus -> code région (national files)


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
    """Return (valid rows in the staging schema, rejected raw rows with their reasons)."""
    raw = pl.from_arrow(batch)
    assert isinstance(raw, pl.DataFrame)
    raw = raw.with_columns(n.empty_to_null(c) for c in raw.columns if c != "ligne")
    parsed = raw.with_columns(_normalised(c) for c in raw.columns if c != "ligne")
    checks: list[tuple[str, str, pl.Expr]] = []  # (column, code, failing-row mask)
    for col in raw.columns:
        if col in ("montant", "siret", *DATES, *INTEGERS):
            checks.append((col, _error_code(col), raw[col].is_not_null() & parsed[col].is_null()))
    for col in REQUIRED[ctx.kind]:
        checks.append((col, "valeur-manquante", raw[col].is_null()))
    if ctx.kind == Kind.CP:  # a CP on an EJ needs its poste
        checks.append(("n_poste_ej", "valeur-manquante", raw["n_ej"].is_not_null() & raw["n_poste_ej"].is_null()))
    parsed, region_checks = _with_feed(parsed, raw, ctx, report)
    checks += region_checks

    bad = pl.Series("bad", [False] * raw.height)
    reasons = pl.Series("motif", [""] * raw.height, pl.String)
    for col, code, mask in checks:
        mask = pl.Series(mask) if not isinstance(mask, pl.Series) else mask
        mask = mask.fill_null(False)
        if not mask.any():
            continue
        values = raw[col] if col in raw.columns else pl.Series([None] * raw.height, dtype=pl.String)
        for line, value in zip(raw["ligne"].filter(mask), values.filter(mask), strict=True):
            report.add(code, ligne=line, colonne=label(col), valeur=value)
        if code != "siret-invalide":  # a bad SIRET is a warning: the line is kept without beneficiary
            bad = bad | mask
            reasons = pl.select(
                pl.when(mask).then(pl.lit(f"{code} ({label(col)}) ") + reasons).otherwise(reasons)
            ).to_series()
    valid = parsed.filter(~bad)
    rejected = raw.filter(bad).with_columns(reasons.filter(bad).str.strip_chars().alias("motif"))
    return _to_staging(valid, ctx.kind), rejected


def _with_feed(
    parsed: pl.DataFrame, raw: pl.DataFrame, ctx: Context, report: Report
) -> tuple[pl.DataFrame, list[tuple[str, str, pl.Series]]]:
    """Add data_source, source_region and annee."""
    checks: list[tuple[str, str, pl.Series]] = []
    if ctx.format == "regional":
        parsed = parsed.with_columns(
            data_source=pl.lit(DataSource.REGION.value),
            source_region=pl.lit(ctx.region),
            annee=pl.lit(ctx.annee, pl.Int32),
        )
        return parsed, checks
    region = parsed["societe"].replace_strict(ctx.societes, default=None, return_dtype=pl.String)
    checks.append(("societe", "societe-inconnue", region.is_null()))
    annee = pl.lit(ctx.annee, pl.Int32)
    if ctx.annee is None and "exercice_comptable" in parsed.columns:
        annee = pl.col("exercice_comptable").cast(pl.Int32)
    elif ctx.annee is None and "date_extraction" in parsed.columns:
        annee = pl.col("date_extraction").dt.year().cast(pl.Int32)
    parsed = parsed.with_columns(data_source=pl.lit(DataSource.NATION.value), source_region=region, annee=annee)
    if ctx.annee is None:
        checks.append(("exercice_comptable", "valeur-manquante", parsed["annee"].is_null()))
    return parsed, checks


def _to_staging(frame: pl.DataFrame, kind: Kind) -> pa.Table:
    schema = STAGING[kind]
    columns = [
        (frame[name].cast(dtype) if name in frame.columns else pl.Series(name, [None] * frame.height, dtype))
        for name, dtype in schema.items()
    ]
    return pl.DataFrame(columns).to_arrow()
