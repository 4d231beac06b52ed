"""Readers of the Chorus referentials: the "calculette" workbook, the SAP centre de coûts extract,
programme themes, localisations interministérielles, catégories juridiques and sociétés."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ._tabular import (
    Col,
    csv_rows,
    departement_code,
    departement_from_postal,
    extract_table,
    find_sheet,
    normalise_text,
    open_workbook,
    postal_code,
    programme_code,
    require_rows,
    sheet_rows,
    unique_codes,
    workbook_rows,
)

Frames = dict[str, pl.DataFrame]

CODE = ("code",)
INTITULE = ("intitule", "libelle")

# table -> (sheet name shown in errors, keywords of its normalised name, columns)
CALCULETTE_SHEETS: dict[str, tuple[str, tuple[str, ...], dict[str, Col]]] = {
    "ministere": (
        "02 - Ministères",
        ("ministeres",),
        {
            "code": Col(("code ministere",)),
            "sigle": Col(("sigle ministere", "sigle"), required=False),
            "label": Col(("libelle ministere", "intitule")),
        },
    ),
    "programme": (
        "03 - Programmes",
        ("programmes",),
        {
            "code": Col(("code programme", "code"), group="programme"),
            "label": Col(INTITULE, group="programme"),
            "code_ministere": Col(CODE, group="ministere", required=False),
        },
    ),
    "domaine_fonctionnel": (
        "07 - Domaines Fonct. (DF)",
        ("domaines", "fonct"),
        {
            "code": Col(CODE, group="domaine fonctionnel"),
            "label": Col(INTITULE, group="domaine fonctionnel"),
            "programme": Col(CODE, group="programme", required=False),
            "code_ministere": Col(CODE, group="ministere", required=False),
        },
    ),
    "referentiel_programmation": (
        "08 - Activités (OS,OP,OB,ACT)",
        ("activites",),
        {
            "code": Col(CODE, group="activite"),
            "label": Col(INTITULE, group="activite"),
            "programme": Col(CODE, group="programme", required=False),
            "code_ministere": Col(CODE, group="ministere", required=False),
        },
    ),
    "centre_couts": (
        "09 - Centres de coûts",
        ("centres de couts",),
        {
            "code": Col(CODE, group="centre de couts"),
            "label": Col(INTITULE, group="centre de couts"),
            "code_departement": Col(("code departement",), required=False),
        },
    ),
    "groupe_marchandise": (
        "19 - Groupe Marchandise",
        ("groupe", "marchandise"),
        {
            "code": Col(("sous segment gm", "groupe de marchandises", "code gm")),
            "label_long": Col(("libelle long gm chorus", "libelle long gm"), required=False),
            "label": Col(("libelle court gm chorus", "libelle court gm", "libelle gm")),
            "segment": Col(("libelle segment",), required=False),
            "domaine": Col(("libelle domaine",), required=False),
        },
    ),
}


def _calculette_sheets(path: Path) -> Frames:
    workbook = open_workbook(path)
    raw: Frames = {}
    for table, (expected, keywords, spec) in CALCULETTE_SHEETS.items():
        sheet = find_sheet(workbook, path, expected, *keywords)
        where = f"Fichier « {path.name} », feuille « {sheet} »"
        raw[table] = require_rows(extract_table(sheet_rows(workbook, sheet), spec, where), where)
    return raw


def _programmes_seen_elsewhere(raw: Frames) -> pl.DataFrame:
    """(programme, ministère) pairs of the DF and activités sheets, for programmes missing from sheet 03."""
    pairs = [
        raw[t].select(code=pl.col("programme"), code_ministere=pl.col("code_ministere"))
        for t in ("domaine_fonctionnel", "referentiel_programmation")
    ]
    no_label = pl.lit(None, pl.Utf8).alias("label")
    return pl.concat(pairs).select("code", no_label, "code_ministere")


def read_calculette(path: Path) -> Frames:
    raw = _calculette_sheets(path)
    programme = pl.concat([raw["programme"], _programmes_seen_elsewhere(raw)])
    programme = programme.with_columns(code=programme_code(pl.col("code"))).filter(
        pl.col("code").is_not_null()
    )
    # Prefer a row carrying a label (sheet 03) over pairs seen in the other sheets.
    programme = programme.sort(pl.col("label").is_null(), maintain_order=True)
    gm = raw["groupe_marchandise"]
    return {
        "ministere": unique_codes(raw["ministere"]),
        "programme": unique_codes(programme),
        "domaine_fonctionnel": unique_codes(raw["domaine_fonctionnel"].select("code", "label")),
        "referentiel_programmation": unique_codes(raw["referentiel_programmation"].select("code", "label")),
        "centre_couts": unique_codes(
            raw["centre_couts"].with_columns(code_departement=departement_code(pl.col("code_departement")))
        ),
        "groupe_marchandise": unique_codes(
            gm.with_columns(label=pl.coalesce("label_long", "label")).drop("label_long")
        ),
    }


def read_centre_couts(path: Path) -> Frames:
    sheet, rows = workbook_rows(path)
    where = f"Fichier « {path.name} », feuille « {sheet} »"
    spec = {
        "code": Col(("ctre couts", "centre de couts", "centre couts")),
        "label": Col(("designation",)),
        "description": Col(("description",), required=False),
        "code_postal": Col(("cde postal", "code postal"), required=False),
        "ville": Col(("ville",), required=False),
    }
    frame = require_rows(extract_table(rows, spec, where), where)
    frame = frame.with_columns(code_postal=postal_code(pl.col("code_postal")))
    frame = frame.with_columns(code_departement=departement_from_postal(pl.col("code_postal")))
    return {"centre_couts": unique_codes(frame)}


def _csv_table(path: Path, spec: dict[str, Col]) -> pl.DataFrame:
    where = f"Fichier « {path.name} »"
    return require_rows(extract_table(csv_rows(path), spec, where), where)


def read_programme_theme(path: Path) -> Frames:
    spec = {
        "code": Col(("code programme", "programme", "code")),
        "label": Col(("titre programme", "libelle programme", "label"), required=False),
        "theme": Col(("theme",)),
    }
    frame = _csv_table(path, spec)
    return {"programme": unique_codes(frame.with_columns(code=programme_code(pl.col("code"))))}


def _code_commune_from_localisation(code: pl.Expr) -> pl.Expr:
    """Commune-level codes are N + région (2) + commune (5): N5335238 -> 35238."""
    return pl.when(code.str.contains(r"^N\d{2}(\d{2}|2A|2B)\d{3}$")).then(code.str.slice(3, 5))


def _communes_by_name(communes: pl.DataFrame) -> pl.DataFrame:
    """(département, normalised name) -> commune code, only for unambiguous names."""
    frame = communes.select(
        "code",
        code_departement=pl.col("code_departement"),
        _name=pl.col("label").map_elements(normalise_text, return_dtype=pl.Utf8),
    )
    return frame.filter(pl.len().over("code_departement", "_name") == 1).rename({"code": "_by_name"})


def read_localisation_interministerielle(path: Path, communes: pl.DataFrame | None = None) -> Frames:
    """`communes` (code, label, code_departement) resolves the commune by name; defaults to the
    bundled commune referential when it exists."""
    spec = {
        "code": Col(("loc int", "localisation interministerielle", "code")),
        "label": Col(("libelle",)),
        "niveau": Col(("niveau",), required=False),
        "code_departement": Col(("n dep", "no dep", "code departement"), required=False),
        "commune": Col(("commune",), required=False),
        "code_parent": Col(("code pere", "code parent"), required=False),
    }
    frame = _csv_table(path, spec).with_columns(
        code_departement=departement_code(pl.col("code_departement")),
        code_commune=_code_commune_from_localisation(pl.col("code")),
        _name=pl.col("commune").map_elements(normalise_text, return_dtype=pl.Utf8),
    )
    if communes is None:
        from .bundled import load_bundled_table

        communes = load_bundled_table("commune")
    if communes is not None and not communes.is_empty():
        frame = frame.join(_communes_by_name(communes), on=["code_departement", "_name"], how="left")
        frame = frame.with_columns(code_commune=pl.coalesce("code_commune", "_by_name"))
    columns = ["code", "label", "niveau", "code_departement", "code_commune", "code_parent"]
    return {"localisation_interministerielle": unique_codes(frame.select(columns))}


def read_categorie_juridique(path: Path) -> Frames:
    spec = {
        "code": Col(("code categorie juridique", "categorie juridique", "code")),
        "label": Col(("libelle", "label", "intitule"), required=False),
        "type": Col(("type beneficiaire", "type")),
    }
    frame = _csv_table(path, spec)
    code = pl.col("code").str.strip_chars()
    code = pl.when(code.str.contains(r"^\d{1,3}$")).then(code.str.zfill(4)).otherwise(code)
    return {"categorie_juridique": unique_codes(frame.with_columns(code=code))}


def read_societe(path: Path) -> Frames:
    spec = {
        "code": Col(("code", "societe", "societe cle")),
        "code_region": Col(("code region", "region")),
        "label": Col(("label", "libelle"), required=False),
    }
    frame = _csv_table(path, spec).with_columns(code_region=departement_code(pl.col("code_region")))
    return {"societe": unique_codes(frame)}
