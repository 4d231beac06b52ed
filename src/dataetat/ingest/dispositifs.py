"""Communes of a programme (data.gouv.fr CSV), and manual tags of AE lines.

source = read_dispositif(path, "pvd")   # insee_com, lib_com, id_pvd, date_signature (jj/mm/aaaa)
source = read_dispositif(path, "acv")   # insee_com, lib_com, id_acv, lib_acv, date_signature (jj-mm-aaaa)
source = read_tags(path)                # n_ej, n_poste_ej (or poste_ej), tags
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dataetat.ingest import source_csv as sc
from dataetat.ingest.problems import FileUnreadable
from dataetat.model import normalise as n
from dataetat.model.tags import valid_tag

DISPOSITIFS = {
    "pvd": ["insee_com", "lib_com", "id_pvd", "date_signature"],
    "acv": ["insee_com", "lib_com", "id_acv", "lib_acv", "date_signature"],
}
DATE_FORMATS = {"pvd": "jj/mm/aaaa", "acv": "jj-mm-aaaa"}
COMMUNE = r"^(\d{5}|2[AB]\d{3})$"
TAG_COLUMNS = ["n_ej", "n_poste_ej", "tags"]


def read_dispositif(path: Path, dispositif: str) -> sc.SourceFile:
    source = sc.open_source(path, dispositif, dispositif)
    report = source.report
    try:
        frame = sc.read_table(path, report, columns=DISPOSITIFS[dispositif])
    except FileUnreadable:
        return source
    if frame is None:
        return source
    sc.required(report, frame, ["insee_com"])
    commune = pl.col("insee_com").str.to_uppercase().str.zfill(5)
    date = pl.coalesce(
        pl.col("date_signature").str.strptime(pl.Date, "%d/%m/%Y", strict=False),
        pl.col("date_signature").str.strptime(pl.Date, "%d-%m-%Y", strict=False),
    )
    frame = frame.with_columns(commune.alias("commune__v"), date.alias("date__v"))
    sc.flag(
        report,
        frame,
        pl.col("insee_com").is_not_null() & ~pl.col("commune__v").str.contains(COMMUNE),
        "valeur-invalide",
        "insee_com",
        detail="attendu un code commune INSEE de 5 caractères",
    )
    sc.flag(
        report,
        frame,
        pl.col("date_signature").is_not_null() & pl.col("date__v").is_null(),
        "date-invalide-format",
        "date_signature",
        detail=DATE_FORMATS[dispositif],
    )
    if not report.valid:
        return source
    libelle = "lib_acv" if dispositif == "acv" else "lib_com"
    out = frame.select(
        pl.col("ligne"),
        pl.lit(dispositif).alias("dispositif"),
        pl.col("commune__v").alias("code_commune"),
        pl.col(f"id_{dispositif}").alias("identifiant"),
        pl.col(libelle).alias("libelle"),
        pl.col("date__v").alias("date_signature"),
    )
    sc.duplicates(report, out, ["code_commune"], "insee_com")
    if report.valid:
        source.frame = out.drop("ligne")
    return source


def read_tags(path: Path) -> sc.SourceFile:
    source = sc.open_source(path, "tags", "tags")
    report = source.report
    try:
        frame = sc.read_table(
            path,
            report,
            columns=TAG_COLUMNS,
            aliases={"poste_ej": "n_poste_ej"},
            delimiter=sc.sniff_delimiter(path),
        )
    except FileUnreadable:
        return source
    if frame is None:
        return source
    sc.required(report, frame, ["n_ej", "n_poste_ej"])
    frame = frame.with_columns(n.entier("n_poste_ej").alias("poste__v"))
    sc.flag(
        report,
        frame,
        pl.col("n_poste_ej").is_not_null() & pl.col("poste__v").is_null(),
        "entier-invalide",
        "n_poste_ej",
    )
    names = frame.select(
        "ligne",
        pl.col("tags")
        .fill_null("")
        .str.replace_all(r"[|\s]+", " ")
        .str.strip_chars()
        .str.split(" ")
        .alias("nom"),
    ).explode("nom")
    names = names.filter(pl.col("nom") != "")
    bad = names.filter(~pl.col("nom").map_elements(valid_tag, return_dtype=pl.Boolean))
    for line, name in bad.head(sc.MAX_PROBLEMS).iter_rows():
        report.add("tag-invalide", ligne=line, colonne="tags", valeur=name)
    report.count("tag-invalide", max(0, bad.height - sc.MAX_PROBLEMS))
    joined = names.group_by("ligne", maintain_order=True).agg(
        pl.col("nom").unique(maintain_order=True).str.join(" ").alias("t")
    )
    out = (
        frame.join(joined, on="ligne", how="left")
        .select(
            pl.col("ligne"),
            pl.col("n_ej"),
            pl.col("poste__v").alias("n_poste_ej"),
            pl.col("t").fill_null("").alias("tags"),
        )
        .sort("ligne")
    )
    sc.duplicates(report, out, ["n_ej", "n_poste_ej"], "EJ / poste")
    if report.valid:
        source.frame = out.drop("ligne")
    return source
