"""INSEE SIRENE stock files (public CSV): StockEtablissement and StockUniteLegale.

Read lazily and filtered on the SIRETs we hold, so the national stock (tens of millions of rows)
streams through in bounded memory. The établissement gives the commune; the unité légale gives the
dénomination and the catégorie juridique.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dataetat.ingest.problems import FileUnreadable, Report

ETABLISSEMENT = ("siret", "codeCommuneEtablissement")
UNITE_LEGALE = ("siren", "categorieJuridiqueUniteLegale")


def _header(path: Path, report: Report) -> list[str]:
    with path.open("rb") as f:
        first = f.readline(64 * 1024).decode("utf-8-sig", errors="replace").strip()
    if not first:
        report.add("fichier-vide")
        raise FileUnreadable(report)
    return [h.strip('"') for h in first.split(",")]


def read_sirene(paths: list[Path], sirets: set[str]) -> tuple[pl.DataFrame, list[Report]]:
    """Beneficiaries (siret, denomination, categorie_juridique, code_commune) of the given SIRETs."""
    etablissements, unites, reports = [], [], []
    wanted = pl.Series(sorted(sirets), dtype=pl.String)
    for path in paths:
        report = Report(path.name)
        reports.append(report)
        try:
            header = _header(path, report)
        except FileUnreadable:  # empty file: the report says so, the import is refused
            continue
        scan = pl.scan_csv(path, infer_schema=False, encoding="utf8-lossy")
        if set(ETABLISSEMENT) <= set(header):
            report.format = "SIRENE StockEtablissement"
            names = [c for c in ("denominationUsuelleEtablissement", "enseigne1Etablissement") if c in header]
            frame = (
                scan.select(*ETABLISSEMENT, *names)
                .join(pl.LazyFrame({"siret": wanted}), on="siret", how="semi")
                .collect()
            )
            etablissements.append(frame.with_columns(pl.col("siret").str.slice(0, 9).alias("siren")))
        elif set(UNITE_LEGALE) <= set(header):
            report.format = "SIRENE StockUniteLegale"
            names = [
                c for c in ("denominationUniteLegale", "nomUniteLegale", "prenom1UniteLegale") if c in header
            ]
            sirens = pl.LazyFrame({"siren": wanted.str.slice(0, 9).unique()})
            unites.append(scan.select(*UNITE_LEGALE, *names).join(sirens, on="siren", how="semi").collect())
        else:
            report.add(
                "format-inconnu",
                detail="ni StockEtablissement (siret, codeCommuneEtablissement) "
                "ni StockUniteLegale (siren, categorieJuridiqueUniteLegale).",
            )
            continue
        kept = etablissements if report.format.endswith("Etablissement") else unites
        report.lignes_lues = report.lignes_importees = kept[-1].height
    if not etablissements:
        return pl.DataFrame(schema={"siret": pl.String}), reports
    etab = pl.concat(etablissements, how="diagonal_relaxed")
    if unites:
        etab = etab.join(pl.concat(unites, how="diagonal_relaxed"), on="siren", how="left")
    name_columns = [
        c
        for c in ("denominationUniteLegale", "denominationUsuelleEtablissement", "enseigne1Etablissement")
        if c in etab.columns
    ]
    person = (
        (
            pl.col("prenom1UniteLegale").fill_null("") + " " + pl.col("nomUniteLegale").fill_null("")
        ).str.strip_chars()
        if "nomUniteLegale" in etab.columns
        else pl.lit(None, pl.String)
    )
    denomination = pl.coalesce(*[pl.col(c) for c in name_columns], pl.when(person != "").then(person))
    categorie = (
        pl.col("categorieJuridiqueUniteLegale")
        if "categorieJuridiqueUniteLegale" in etab.columns
        else pl.lit(None, pl.String)
    )
    frame = etab.select(
        "siret",
        denomination.alias("denomination"),
        categorie.alias("categorie_juridique"),
        pl.col("codeCommuneEtablissement").alias("code_commune"),
    ).unique(subset=["siret"], keep="first")
    return frame, reports
