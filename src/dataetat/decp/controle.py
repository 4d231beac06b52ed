"""The checks that refuse a marché, and the de-duplication of what a file repeats.

JSON and XML files go through the DECP validator (`valider`); every file (and the consolidated
CSV/Parquet, too big for a row-by-row check) through the vectorised checks below (`check`).
A row with a problem makes its whole marché (`uid`) invalid: strict imports refuse the file,
`--rejets` leaves the marché out. Problems are reported with the file's line (tabular) or the
marché's rank in the file (JSON, XML) and the column.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dataetat.decp.validation import valider_fichier
from dataetat.ingest.problems import Report

_SIRET = r"^[0-9]{14}$"


def _checks() -> list[tuple[str, str, pl.Expr, str | None]]:
    """(code, column, failing-row expression, detail)."""
    return [
        ("valeur-manquante", "id", pl.col("id").is_null(), None),
        ("valeur-manquante", "acheteur_id", pl.col("acheteur_id").is_null(), None),
        (
            "valeur-invalide",
            "acheteur_id",
            pl.col("acheteur_id").is_not_null() & ~pl.col("acheteur_id").str.contains(_SIRET),
            "le SIRET de l'acheteur a 14 chiffres",
        ),
        ("valeur-manquante", "montant", pl.col("montant").is_null(), None),
        ("montant-invalide", "montant", pl.col("montant").is_not_null() & pl.col("montant_nombre").is_null()
         & ~(pl.col("montant").str.replace(",", ".").cast(pl.Float64, strict=False).is_not_null()), None),
        ("valeur-manquante", "date_notification", pl.col("date_notification").is_null(), None),
        ("date-invalide-format", "date_notification",
         pl.col("date_notification").is_not_null() & pl.col("date_notification_jour").is_null()
         & ~pl.col("date_notification").str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), "aaaa-mm-jj"),
        ("entier-invalide", "duree_mois", pl.col("duree_mois").is_not_null() & pl.col("duree").is_null(), None),
    ]  # fmt: skip


def check(frame: pl.DataFrame, report: Report) -> set[str | None]:
    """Report every problem; return the uids of the invalid marchés."""
    invalid: set[str | None] = set()
    for code, colonne, failing, detail in _checks():
        bad = frame.filter(failing)
        if bad.height == 0:
            continue
        invalid.update(bad["uid"].unique().to_list())
        for row in bad.head(200).iter_rows(named=True):
            value = row.get(colonne)
            report.add(code, ligne=row["ligne_fichier"], colonne=colonne, valeur=value, detail=detail)
        if bad.height > 200:
            report.count(code, bad.height - 200)
    return invalid


def deduplicate(frame: pl.DataFrame, report: Report, records: bool) -> pl.DataFrame:
    """A marché given twice in a JSON/XML file: the later record wins; a row repeated in a tabular
    file (same marché, titulaire, state): the first is kept. Both counted in the report."""
    if records:
        last = pl.col("ligne_fichier").max().over("uid")
        repeated = frame.filter(pl.col("ligne_fichier") != last)
        if repeated.height:
            n = repeated["ligne_fichier"].n_unique()
            report.add("decp-nettoyage", colonne="uid", valeur="marche-en-double",
                       detail=f"marché donné plusieurs fois dans le fichier : le dernier compte ({n} marché(s) écarté(s))")  # fmt: skip
            frame = frame.filter(pl.col("ligne_fichier") == last)
        return frame
    key = ["uid", "titulaire_id", "titulaire_type_identifiant", "modification_id"]
    unique = frame.unique(subset=key, keep="first", maintain_order=True)
    if unique.height != frame.height:
        report.add("decp-nettoyage", colonne="uid", valeur="ligne-en-double",
                   detail=f"ligne répétée (même marché, titulaire et modification) : la première compte "
                          f"({frame.height - unique.height} ligne(s) écartée(s))")  # fmt: skip
    return unique


MAX_WARNINGS = 200  # the validator's warnings detailed in the import report (the others counted)


def valider(path: Path, report: Report) -> set[int] | None:
    """The DECP validator (decp/validation: JSON Schema 2.0.3 or XSD 2.0.2, then the business rules)
    on a JSON or XML file: its findings go to the import report (`ligne` = the marché's rank in the
    file); returns the ranks of the invalid marchés, or None when the validator could not read the
    file. An invalid contrat de concession (not imported) still makes the file invalid."""
    rapport = valider_fichier(path, nom=report.fichier)
    for c in rapport.fichier_constats:
        code = "decp-invalide" if c.niveau == "erreur" else "decp-avertissement"
        report.add(code, colonne=c.champ or None, valeur=_text(c.valeur), detail=c.message.rstrip("."))
    if any(c.niveau == "erreur" for c in rapport.fichier_constats):
        return None
    invalid: set[int] = set()
    shown = 0
    for r in rapport.details:
        rank = r.index + 1 if r.type == "marche" else None
        for c in r.constats:
            where = f"{r.type} {r.id}" if r.type != "marche" else None
            detail = c.message.rstrip(".") + (f" ({where})" if where else "")
            if c.niveau == "erreur":
                report.add(
                    "decp-invalide", ligne=rank, colonne=c.champ, valeur=_text(c.valeur), detail=detail
                )
            elif shown < MAX_WARNINGS:
                shown += 1
                report.add(
                    "decp-avertissement", ligne=rank, colonne=c.champ, valeur=_text(c.valeur), detail=detail
                )
            else:
                report.count("decp-avertissement", 1)
        if not r.valide and rank is not None:
            invalid.add(rank)
    return invalid


def _text(value) -> str | None:
    return None if value is None else str(value)
