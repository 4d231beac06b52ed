"""The cleaning rules peers apply to DECP data (decp-processing `clean.py`, decp-rama « FIX »), each
a named rule that says in the report how many rows it changed: nothing is changed or dropped silently.

Each rule is (code, column(s), French description, Polars expression). `clean(frame, report)`
applies them in order, then types the columns (dates, amounts, integers, booleans).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from dataetat.ingest.problems import Report

# Text columns where "" and "NC" (non communiqué) mean nothing.
_TEXTES = (
    "id", "acheteur_id", "acheteur_nom", "titulaire_id", "titulaire_type_identifiant", "titulaire_nom", "objet",
    "nature", "code_cpv", "procedure", "techniques", "forme_prix", "types_prix", "modalites_execution",
    "considerations_sociales", "considerations_environnementales", "ccag", "type_groupement", "lieu_code",
    "lieu_type_code", "id_accord_cadre", "montant", "duree_mois", "date_notification", "date_publication",
    "date_modification", "offres_recues", "taux_avance", "origine_ue", "origine_france",
)  # fmt: skip
SANS_OBJET = {
    "Pas de CCAG": "Sans objet",
    "Pas de considération sociale": "Sans objet",
    "Pas de considération environnementale": "Sans objet",
    "Pas de groupement": "Sans objet",
}
MONTANT_MAX = 99_999_999_999  # 11 integer digits: beyond, a typing error (decp-processing's rule)
DATE_MIN = date(1990, 1, 1)
DATES = ("date_notification", "date_publication", "date_modification")


@dataclass(frozen=True)
class Regle:
    code: str
    colonnes: tuple[str, ...]
    description: str
    expression: Callable[[str], pl.Expr]


def _siret_zeros(name: str) -> pl.Expr:
    col = pl.col(name)
    digits = col.str.contains(r"^[0-9]{9,13}$")
    siret = pl.lit(True) if name == "acheteur_id" else pl.col("titulaire_type_identifiant").is_in(["SIRET"])
    return pl.when(digits & siret.fill_null(False)).then(col.str.zfill(14)).otherwise(col)


def _lieu_zeros(name: str) -> pl.Expr:
    col, kind = pl.col(name), pl.col("lieu_type_code").fill_null("")
    five = kind.is_in(["Code postal", "Code commune"]) & col.str.contains(r"^[0-9]{4}$")
    two = (kind == "Code département") & col.str.contains(r"^[0-9]$")
    return pl.when(five).then(col.str.zfill(5)).when(two).then(col.str.zfill(2)).otherwise(col)


def _cpv(name: str) -> pl.Expr:
    digits = pl.col(name).str.replace(r"-[0-9]$", "").str.replace_all(r"[^0-9]", "")
    return pl.when(digits == "").then(None).otherwise(digits.str.pad_end(8, "0").str.slice(0, 8))


def _date(name: str) -> pl.Expr:
    return pl.col(name).str.replace(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[T +Z].*$", "$1")


def _type_siret(name: str) -> pl.Expr:
    col = pl.col(name)
    return (
        pl.when(col.is_null() & pl.col("titulaire_id").str.contains(r"^[0-9]{14}$"))
        .then(pl.lit("SIRET"))
        .otherwise(col)
    )


REGLES: tuple[Regle, ...] = (
    Regle("nc-vide", _TEXTES, "valeur vide ou « NC » (non communiqué) lue comme absente",
          lambda n: pl.when(pl.col(n).is_in(["", " ", "NC", "nc", "N/C"])).then(None).otherwise(pl.col(n))),
    Regle("espaces-identifiant", ("titulaire_id", "acheteur_id"), "espaces retirés de l'identifiant",
          lambda n: pl.col(n).str.replace_all(r"\s", "")),
    Regle("siret-zeros", ("acheteur_id", "titulaire_id"),
          "SIRET de moins de 14 chiffres (lu comme un nombre) complété par des zéros à gauche", _siret_zeros),
    Regle("id-caracteres", ("id",), "caractères espace , . / de l'identifiant remplacés par _",
          lambda n: pl.col(n).str.replace_all(r"[ ,./]", "_")),
    Regle("type-identifiant-siret", ("titulaire_type_identifiant",),
          "type d'identifiant absent et identifiant de 14 chiffres : SIRET", _type_siret),
    Regle("cpv-normalise", ("code_cpv",), "code CPV ramené à 8 chiffres (chiffre de contrôle retiré)", _cpv),
    Regle("sans-objet", ("ccag", "considerations_sociales", "considerations_environnementales", "type_groupement"),
          "« Pas de … » remplacé par « Sans objet »", lambda n: pl.col(n).replace(SANS_OBJET)),
    Regle("date-suffixe", DATES, "heure ou fuseau horaire retiré de la date", _date),
    Regle("lieu-zeros", ("lieu_code",), "code postal, de commune ou de département complété par un zéro à gauche",
          _lieu_zeros),
)  # fmt: skip


def clean(frame: pl.DataFrame, report: Report) -> pl.DataFrame:
    """Apply every rule (counted in the report), build `uid`, then type the columns. A rule's
    columns are computed together (Polars runs them in parallel)."""
    for regle in REGLES:
        after = frame.select(regle.expression(name).alias(name) for name in regle.colonnes)
        changed = []
        for name in regle.colonnes:
            n = int(frame[name].ne_missing(after[name]).sum())
            if n:
                changed.append(name)
                _warn(report, regle.code, name, n, regle.description)
        if changed:
            frame = frame.with_columns(after.select(changed))
    frame = frame.with_columns((pl.col("acheteur_id") + pl.col("id")).alias("uid"))
    return _typed(frame, report)


def _warn(report: Report, code: str, colonne: str, n: int, description: str) -> None:
    report.add("decp-nettoyage", colonne=colonne, valeur=code, detail=f"{description} ({n} ligne(s))")


def _typed(frame: pl.DataFrame, report: Report) -> pl.DataFrame:
    """Amounts, numbers, dates and booleans typed; a value that cannot be read stays as text in
    `<column>_brut` for `controle` to report."""
    montant = pl.col("montant").str.replace(",", ".").cast(pl.Float64, strict=False)
    frame = frame.with_columns(
        montant.alias("montant_nombre"),
        pl.col("duree_mois").cast(pl.Float64, strict=False).round(0).cast(pl.Int32, strict=False).alias("duree"),
        pl.col("offres_recues").cast(pl.Float64, strict=False).cast(pl.Int32, strict=False),
        *(pl.col(n).str.replace(",", ".").cast(pl.Float64, strict=False) for n in ("taux_avance", "origine_ue", "origine_france")),
        *(pl.col(n).str.to_date("%Y-%m-%d", strict=False).alias(f"{n}_jour") for n in DATES),
        *(_bool(n) for n in ("attribution_avance", "marche_innovant", "sous_traitance_declaree", "donnees_actuelles")),
        pl.col("modification_id").cast(pl.Float64, strict=False).cast(pl.Int32, strict=False).fill_null(0),
    )  # fmt: skip
    too_big = frame["montant_nombre"].abs() > MONTANT_MAX
    n = int(too_big.fill_null(False).sum())
    if n:
        _warn(
            report,
            "montant-aberrant",
            "montant",
            n,
            f"montant de plus de 11 chiffres avant la virgule (au-delà de {MONTANT_MAX:_} €) gardé sans montant".replace(
                "_", " "
            ),
        )
        frame = frame.with_columns(
            pl.when(too_big).then(None).otherwise(pl.col("montant_nombre")).alias("montant_nombre")
        )
    today = date.today()
    for name in DATES:
        day = pl.col(f"{name}_jour")
        wrong = (day < DATE_MIN) | (day > today)
        n = int(frame.select(wrong.fill_null(False).sum()).item())
        if n:
            _warn(
                report,
                "date-aberrante",
                name,
                n,
                f"date avant {DATE_MIN:%Y} ou dans le futur gardée sans date",
            )
            frame = frame.with_columns(pl.when(wrong).then(None).otherwise(day).alias(f"{name}_jour"))
    return frame


_VRAI = ["oui", "true", "1", "vrai", "True", "Oui", "OUI"]
_FAUX = ["non", "false", "0", "faux", "False", "Non", "NON"]


def _bool(name: str) -> pl.Expr:
    col = pl.col(name)
    return pl.when(col.is_in(_VRAI)).then(True).when(col.is_in(_FAUX)).then(False).otherwise(None).alias(name)
