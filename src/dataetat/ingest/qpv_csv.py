"""QPV CSV files: the « lieu de l'action » split of EJs, and the SIRET → QPV link file.

    source = read_lieu_action(path)   # rows of qpv_lieu_action; annees = years it replaces
    source = read_siret_qpv(path)     # rows of siret_qpv (the whole table is replaced)

A QPV code's division is its prefix: QP… = 2015, QN… = 2024.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dataetat.ingest import source_csv as sc
from dataetat.ingest.problems import FileUnreadable, Report
from dataetat.model import normalise as n

QPV_CODE = r"^Q[PN][0-9A-Z]{5,7}$"
LIEU_COLUMNS = [
    "annee_exercice",
    "ref_action",
    "ej",
    "code_qpv",
    "code_qpv24",
    "montant_ventillé",
    "libellé action",
    "siret",
]
LIEU_ALIASES = {"libelle_action": "libellé action", "montant_ventile": "montant_ventillé", "n_ej": "ej"}
LIEU_EMPTIES = ("", "n/a", "na", "nr", "(vide)", "-", "--")
SIRET_QPV_COLUMNS = ["siret", "plg_qp15", "plg_qp24"]
SIRET_QPV_NONE = ("", "csz", "hz")  # « commune sans zonage », « hors zone »


def _qpv(col: str) -> pl.Expr:
    return pl.col(col).str.to_uppercase().str.replace_all(r"\s", "")


def _flag_qpv(report: Report, frame: pl.DataFrame, *columns: tuple[str, str]) -> None:
    """A value of these (file column, normalised column) pairs that is no QPV code is refused."""
    for raw, col in columns:
        sc.flag(
            report,
            frame,
            pl.col(col).is_not_null() & ~pl.col(col).str.contains(QPV_CODE),
            "qpv-invalide",
            raw,
        )


def _of(code: pl.Expr, prefix: str) -> pl.Expr:
    return pl.when(code.str.starts_with(prefix)).then(code)


def read_lieu_action(path: Path) -> sc.SourceFile:
    source = sc.open_source(path, "qpv-lieu-action", "qpv-lieu-action")
    report = source.report
    try:
        frame = sc.read_table(path, report, columns=LIEU_COLUMNS, aliases=LIEU_ALIASES, empties=LIEU_EMPTIES)
    except FileUnreadable:
        return source
    if frame is None:
        return source
    sc.required(report, frame, ["annee_exercice", "ej", "montant_ventillé"])
    frame = frame.with_columns(_qpv("code_qpv").alias("q1"), _qpv("code_qpv24").alias("q2"))
    _flag_qpv(report, frame, ("code_qpv", "q1"), ("code_qpv24", "q2"))
    sc.flag(report, frame, pl.col("q1").is_null() & pl.col("q2").is_null(), "valeur-manquante", "code_qpv")
    frame = frame.with_columns(
        n.entier("annee_exercice").alias("annee__v"),
        n.montant("montant_ventillé").alias("montant__v"),
        n.siret("siret").alias("siret__v"),
        pl.coalesce(_of(pl.col("q2"), "QN"), _of(pl.col("q1"), "QN")).alias("code_qpv24__v"),
        pl.coalesce(_of(pl.col("q1"), "QP"), _of(pl.col("q2"), "QP")).alias("code_qpv15__v"),
    )
    bad_year = pl.col("annee_exercice").is_not_null() & pl.col("annee__v").is_null()
    sc.flag(report, frame, bad_year, "entier-invalide", "annee_exercice")
    sc.flag_years(report, frame, pl.col("annee__v"), "annee_exercice")
    sc.flag_amount(report, frame, "montant_ventillé", "montant__v")
    bad_siret = pl.col("siret").is_not_null() & pl.col("siret__v").is_null()
    sc.flag(report, frame, bad_siret, "siret-invalide", "siret")
    if not report.valid:
        return source
    out = frame.select(
        pl.col("annee__v").cast(pl.Int32).alias("annee"),
        pl.col("ej").alias("n_ej"),
        pl.coalesce("code_qpv24__v", "code_qpv15__v").alias("code_qpv"),
        pl.col("code_qpv15__v").alias("code_qpv15"),
        pl.col("code_qpv24__v").alias("code_qpv24"),
        pl.col("montant__v").alias("montant"),
        pl.col("ref_action"),
        pl.col("libellé action").alias("libelle_action"),
        pl.col("siret__v").alias("siret"),
        pl.col("ligne").alias("ligne_fichier"),
    )
    sc.duplicates(
        report,
        out.rename({"ligne_fichier": "ligne"}),
        ["annee", "n_ej", "code_qpv", "libelle_action"],
        "année / EJ / QPV / libellé",
    )
    if not report.valid:
        return source
    source.frame = out
    source.annees = sorted(out["annee"].unique().to_list())
    return source


def read_siret_qpv(path: Path) -> sc.SourceFile:
    source = sc.open_source(path, "siret-qpv", "siret-qpv")
    report = source.report
    try:
        frame = sc.read_table(
            path, report, columns=SIRET_QPV_COLUMNS, delimiter=";", empties=SIRET_QPV_NONE, extra_ok=True
        )
    except FileUnreadable:
        return source
    if frame is None:
        return source
    sc.required(report, frame, ["siret"])
    frame = frame.with_columns(
        n.siret("siret").alias("siret__v"), _qpv("plg_qp15").alias("q15"), _qpv("plg_qp24").alias("q24")
    )
    _flag_qpv(report, frame, ("plg_qp15", "q15"), ("plg_qp24", "q24"))
    bad = sc.flag(
        report,
        frame,
        pl.col("siret").is_not_null() & pl.col("siret__v").is_null(),
        "siret-ligne-ignoree",
        "siret",
    )
    frame = frame.filter(~bad & (pl.col("q15").is_not_null() | pl.col("q24").is_not_null()))
    out = frame.select(
        pl.col("ligne"),
        pl.col("siret__v").alias("siret"),
        pl.col("q15").alias("code_qpv15"),
        pl.col("q24").alias("code_qpv24"),
    )
    sc.duplicates(report, out, ["siret"], "SIRET")
    if not report.valid:
        return source
    source.frame = out.drop("ligne")
    return source
