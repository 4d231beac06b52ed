"""Parquet export: pyarrow's ParquetWriter, one row group per batch of lines (constant memory);
amounts decimal(18,2), dates date32, counts int64, texts string. Column names are the French labels.
No formula neutralisation: Parquet is read by programs, not spreadsheets, and keeps values as they are."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

BATCH_ROWS = 10_000
ARROW_TYPES = {"decimal": pa.decimal128(18, 2), "date": pa.date32(), "int": pa.int64(), "text": pa.string()}


def write_parquet(
    header: list[str], rows: Iterable[list], target: str | Path | IO[bytes], kinds: list[str]
) -> None:
    """Write the lines to a path or a binary file; `kinds` gives each column's type (see lines.kinds)."""
    schema = pa.schema(
        [pa.field(label, ARROW_TYPES[kind]) for label, kind in zip(header, kinds, strict=True)]
    )
    with pq.ParquetWriter(target, schema) as writer:
        batch: list[list] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                writer.write_batch(_batch(batch, schema))
                batch = []
        if batch:
            writer.write_batch(_batch(batch, schema))


def _batch(batch: list[list], schema: pa.Schema) -> pa.RecordBatch:
    columns = [pa.array([row[i] for row in batch], type=field.type) for i, field in enumerate(schema)]
    return pa.RecordBatch.from_arrays(columns, schema=schema)
