"""The Table Schemas of what the instance publishes, served under /schemas/NAME.json:
- `agregats-ouverts` (schemas/agregats-ouverts.json): the open aggregates' CSV and Parquet;
- `lignes`: the internal lines export with every column (/api/v1/exports/lignes.csv, French-Excel
  CSV: `;`, decimal comma, UTF-8 with BOM), built from the column registry so it never drifts."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from dataetat.exports import lines
from dataetat.query.columns import COLONNES

FOLDER = Path(__file__).resolve().parent / "schemas"
LIGNES = "lignes"
_TYPES = {"decimal": {"type": "number", "decimalChar": ","}, "date": {"type": "date"},
          "int": {"type": "integer"}, "text": {"type": "string"}}  # fmt: skip


@cache
def _lignes() -> dict:
    columns = [c.code for c in COLONNES]
    fields = [
        {"name": label, **_TYPES[kind], "description": f"Colonne « {name} » de la recherche."}
        for (name, label), kind in zip(lines.fields(columns), lines.kinds(columns), strict=True)
    ]
    return {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "name": LIGNES,
        "title": "Lignes financières de Data-État (export CSV, toutes les colonnes)",
        "description": "Une ligne financière par ligne du fichier (un poste d'engagement et ses paiements, "
        "un paiement sans engagement, une aide d'opérateur). Fichier CSV pour Excel : séparateur « ; », "
        "virgule décimale, UTF-8 avec BOM, dates AAAA-MM-JJ. Accès réservé aux agents habilités.",
        "version": "1.0.0",
        "fields": fields,
        "missingValues": [""],
    }


def names() -> list[str]:
    return sorted([LIGNES, *(p.stem for p in FOLDER.glob("*.json"))])


def schema(name: str) -> dict:
    """A Table Schema by name (KeyError when unknown)."""
    if name == LIGNES:
        return _lignes()
    path = FOLDER / f"{name}.json"
    if name not in names() or not path.is_file():
        raise KeyError(name)
    return json.loads(path.read_text("utf-8"))
