"""The open aggregates as files: CSV (comma, dot decimals, UTF-8, the open-data habit, not the
French-Excel CSV of the internal exports) and Parquet, with the columns of the Table Schema
`schemas/agregats-ouverts.json` in its order. Only cells of query/ouvert.py (the secrecy rule)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

from dataetat.catalog.tableschema import schema
from dataetat.query.ouvert import Cellule

SCHEMA_AGREGATS = "agregats-ouverts"
BATCH = 10_000
_FIELDS = schema(SCHEMA_AGREGATS)["fields"]
COLUMNS = [f["name"] for f in _FIELDS]
_ARROW = {"string": pa.string(), "integer": pa.int64(), "number": pa.decimal128(18, 2)}
ARROW_SCHEMA = pa.schema([pa.field(f["name"], _ARROW[f["type"]]) for f in _FIELDS])


def row(cell: Cellule) -> list:
    return [
        cell.jeu,
        cell.famille,
        cell.region or None,
        cell.niveau,
        cell.zone_code,
        cell.zone_libelle,
        cell.annee,
        cell.programme_code,
        cell.programme_libelle,
        cell.theme,
        cell.lignes,
        cell.montant_ae,
        cell.montant_cp,
    ]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def csv_chunks(cells: Iterable[Cellule]) -> Iterator[bytes]:
    """The CSV file, in chunks of BATCH rows (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for n, cell in enumerate(cells, 1):
        writer.writerow([_text(v) for v in row(cell)])
        if n % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_parquet(cells: Iterable[Cellule], target: str | Path | IO[bytes]) -> int:
    """Write the Parquet file; returns the number of rows."""
    count = 0
    with pq.ParquetWriter(target, ARROW_SCHEMA) as writer:
        batch: list[list] = []
        for cell in cells:
            batch.append(row(cell))
            if len(batch) >= BATCH:
                count += _flush(writer, batch)
        count += _flush(writer, batch)
    return count


def _flush(writer: pq.ParquetWriter, batch: list[list]) -> int:
    n = len(batch)
    if n:
        columns = list(zip(*batch, strict=True))
        writer.write_batch(pa.record_batch([list(c) for c in columns], schema=ARROW_SCHEMA))
        batch.clear()
    return n


def parquet_bytes(cells: Iterable[Cellule]) -> bytes:
    buffer = io.BytesIO()
    write_parquet(cells, buffer)
    return buffer.getvalue()
