"""ADEME « aides attribuées » (data.gouv.fr): CSV `,` UTF-8 with BOM, checked against the SCDL
« Subventions » Table Schema with frictionless, then turned into rows of table `aide`.

    source = read_ademe(path)      # SourceFile: report, frame in the `aide` layout, annees

The schema's field names are the file's column names except `nomAttribuant`, which ADEME writes
« Nom de l attribuant ». Columns of the schema absent from ADEME files (`rnaBeneficiaire`,
`dispositifAide`) are optional. ADEME writes a payment period `aaaa-mm-jj_aaaa-mm-jj` and
`OUI`/`NON` for `notificationUE`: both are accepted (ADEME_ADAPTATIONS).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import polars as pl

from dataetat.ingest import source_csv as sc
from dataetat.ingest.problems import FileUnreadable, Report
from dataetat.model import normalise as n

SOURCE = "ADEME"
OPERATEUR = "ADEME"
COLUMNS = [
    "Nom de l attribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
]
OPTIONAL = ["rnaBeneficiaire", "dispositifAide"]
# schema field name -> ADEME column name
SCHEMA_TO_FILE = {"nomAttribuant": "Nom de l attribuant"}
ALIASES = {"nomAttribuant": "Nom de l attribuant", "Nom de l'attribuant": "Nom de l attribuant"}
ATTRIBUTS = [
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "idAttribuant",
]
ADEME_ADAPTATIONS = {
    "datesPeriodeVersement": {"pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([_/][0-9]{4}-[0-9]{2}-[0-9]{2})?$"},
    "notificationUE": {
        "trueValues": ["OUI", "Oui", "oui", "true", "True", "TRUE", "1"],
        "falseValues": ["NON", "Non", "non", "false", "False", "FALSE", "0"],
    },
}
_TYPES = {"number": "un nombre (point décimal)", "boolean": "OUI ou NON", "integer": "un nombre entier"}


def schema_descriptor() -> dict:
    """The bundled SCDL schema (ingest/schemas, see PROVENANCE.md)."""
    text = (
        resources.files("dataetat.ingest").joinpath("schemas/scdl-subventions.schema.json").read_text("utf-8")
    )
    return json.loads(text)


def _fields_for(header: list[str]) -> list[dict]:
    """The schema's fields in the file's column order, named as the file names them."""
    by_name = {SCHEMA_TO_FILE.get(f["name"], f["name"]): f for f in schema_descriptor()["fields"]}
    fields = []
    for raw in header:
        name = sc.fold(raw)
        canonical = next((c for c in by_name if sc.fold(c) == name), None)
        if canonical is None:
            canonical = ALIASES.get(raw.strip(), raw)
        field = dict(by_name.get(canonical, {"name": raw, "type": "string"}))
        field["constraints"] = dict(field.get("constraints", {}))
        if (extra := ADEME_ADAPTATIONS.get(canonical)) is not None:
            if "pattern" in extra:
                field["constraints"]["pattern"] = extra["pattern"]
            field.update({k: v for k, v in extra.items() if k != "pattern"})
        field["name"] = raw
        field["__canonical"] = canonical
        fields.append(field)
    return fields


def _frictionless(path: Path, report: Report) -> None:
    """Every cell checked against the schema; frictionless errors become our problems."""
    from frictionless import Resource, Schema, formats

    with open(path, encoding="utf-8-sig", newline="") as f:
        header = next(__import__("csv").reader(f))
    fields = _fields_for(header)
    canonical = {f["name"]: f.pop("__canonical") for f in fields}
    kinds = {f["name"]: f for f in fields}
    resource = Resource(
        path=path.name,
        basepath=str(path.parent.resolve()),
        schema=Schema.from_descriptor({"fields": fields}),
        control=formats.CsvControl(delimiter=","),
        encoding="utf-8-sig",
        format="csv",
    )
    result = resource.validate(limit_errors=sc.MAX_PROBLEMS * 10)
    for task in result.tasks:
        for error in task.errors:
            kind = error.type
            line = getattr(error, "row_number", None)
            field = getattr(error, "field_name", None)
            column = canonical.get(field, field)
            cell = getattr(error, "cell", None)
            if kind == "type-error":
                ftype = kinds[field]["type"]
                if column == "montant":
                    report.add("montant-invalide", ligne=line, colonne=column, valeur=cell)
                elif ftype == "date":
                    report.add(
                        "date-invalide-format", ligne=line, colonne=column, valeur=cell, detail="aaaa-mm-jj"
                    )
                else:
                    report.add(
                        "valeur-invalide",
                        ligne=line,
                        colonne=column,
                        valeur=cell,
                        detail="attendu " + _TYPES.get(ftype, ftype),
                    )
            elif kind == "constraint-error":
                constraints = kinds[field].get("constraints", {})
                note = getattr(error, "note", "")
                if '"required"' in note:
                    report.add("valeur-manquante", ligne=line, colonne=column)
                else:
                    report.add(
                        "valeur-invalide",
                        ligne=line,
                        colonne=column,
                        valeur=cell,
                        detail=_constraint(note, constraints, column),
                    )
            elif kind in (
                "extra-cell",
                "missing-cell",
                "blank-row",
                "blank-label",
                "duplicate-label",
                "incorrect-label",
                "missing-label",
                "extra-label",
            ):
                continue  # structure: already reported by our reader (the file stopped there)
            else:
                report.add("valeur-invalide", ligne=line, colonne=column, valeur=cell, detail=error.message)


def _constraint(note: str, constraints: dict, column: str) -> str:
    if column in ("idAttribuant", "idBeneficiaire"):
        return "attendu un SIRET de 14 chiffres"
    if '"enum"' in note:
        return "valeurs possibles : " + ", ".join(f"« {v} »" for v in constraints.get("enum", []))
    if '"maxLength"' in note:
        return f"au plus {constraints.get('maxLength')} caractères"
    if '"minimum"' in note or '"maximum"' in note:
        return f"attendu entre {constraints.get('minimum')} et {constraints.get('maximum')}"
    if '"pattern"' in note:
        if column == "datesPeriodeVersement":
            return "attendu aaaa-mm-jj ou aaaa-mm-jj_aaaa-mm-jj"
        return "format attendu " + str(constraints.get("pattern"))
    return note


def read_ademe(path: Path) -> sc.SourceFile:
    source = sc.open_source(path, "ademe", "ademe")
    report = source.report
    try:
        frame = sc.read_table(path, report, columns=COLUMNS, optional=OPTIONAL, aliases=ALIASES)
    except FileUnreadable:
        return source
    if frame is None:
        return source
    _frictionless(path, report)
    if not report.valid:
        return source
    frame = frame.with_columns(
        pl.col("dateConvention").str.strptime(pl.Date, "%Y-%m-%d", strict=False).alias("date_decision"),
        n.montant("montant").alias("montant__v"),
        pl.col("idBeneficiaire").str.replace_all(r"\s", "").alias("siret__raw"),
    )
    sc.flag_amount(report, frame, "montant", "montant__v")
    sc.flag_years(report, frame, pl.col("date_decision").dt.year(), "dateConvention")
    if not report.valid:
        return source
    bad_siret = pl.col("siret__raw").is_not_null() & ~pl.col("siret__raw").str.contains(r"^\d{14}$")
    sc.flag(report, frame, bad_siret, "siret-invalide", "idBeneficiaire")
    attributs = pl.struct([pl.col(c) for c in ATTRIBUTS]).struct.json_encode()
    out = frame.select(
        pl.lit(SOURCE).alias("source"),
        pl.col("date_decision").dt.year().cast(pl.Int32).alias("annee"),
        pl.col("date_decision"),
        pl.col("referenceDecision").alias("reference"),
        pl.when(bad_siret).then(None).otherwise(pl.col("siret__raw")).alias("siret"),
        pl.col("nomBeneficiaire").alias("beneficiaire_nom"),
        pl.col("objet"),
        pl.col("montant__v").alias("montant"),
        pl.coalesce(pl.col("Nom de l attribuant"), pl.lit(OPERATEUR)).alias("operateur"),
        pl.lit(None, pl.String).alias("code_region"),
        pl.lit(None, pl.String).alias("code_departement"),
        attributs.alias("attributs"),
        pl.col("ligne").alias("ligne_fichier"),
    )
    source.frame = out
    source.annees = sorted(out["annee"].unique().to_list())
    return source
