"""Exports of the summary views: a level of groups, or a pivot table, in every format.

They are small (one row per group or per pivot row), so they are built whole, then written by the
same writers as the lines."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import polars as pl

from dataetat.exports.csv_format import save, write_csv
from dataetat.exports.ods_format import write_ods
from dataetat.exports.parquet_format import write_parquet
from dataetat.exports.xlsx_format import write_xlsx
from dataetat.query.columns import BY_CODE
from dataetat.query.pivot import PivotResult

Table = tuple[list[str], list[list[Any]], list[str]]  # header, rows, kinds


def groups_table(groups: list[dict[str, Any]]) -> Table:
    name = BY_CODE[groups[0]["colonne"]].label if groups else "Groupe"
    header = [name, "Nombre de lignes", "Montant engagé (AE)", "Montant payé (CP)"]
    rows = [
        [g["label"], g["count"], Decimal(str(g["montant_ae"])), Decimal(str(g["montant_cp"]))] for g in groups
    ]
    return header, rows, ["text", "int", "decimal", "decimal"]


def pivot_table(result: PivotResult) -> Table:
    amount = "int" if isinstance(result.total, int) else "decimal"
    header = [
        f"{result.libelle_lignes or BY_CODE[result.lignes].label} \\ "
        f"{result.libelle_colonnes or BY_CODE[result.colonnes].label}",
        *(e.label for e in result.entetes),
        "Total",
    ]
    rows = [[r.entete.label, *r.cellules, r.total] for r in result.rangs]
    rows.append(["Total", *result.totaux_colonnes, result.total])
    return header, rows, ["text", *([amount] * (len(result.entetes) + 1))]


def write_table(fmt: str, table: Table, target: str | Path | IO[bytes]) -> None:
    header, rows, kinds = table
    if fmt == "csv":
        frame = pl.DataFrame(
            rows, schema=[f"c{i}" for i in range(len(header))], orient="row", infer_schema_length=None
        )
        save(write_csv(header, [frame]), target)
    elif fmt == "xlsx":
        write_xlsx(header, rows, target)
    elif fmt == "ods":
        write_ods(header, rows, target)
    else:
        write_parquet(header, rows, target, kinds)
