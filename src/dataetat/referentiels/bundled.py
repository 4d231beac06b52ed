"""The referential files bundled with the package (`data/<table>.csv.gz`, built by
scripts/build_referentiels.py from openly licensed sources, see data/PROVENANCE.md)."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl

BUNDLED_DIR = Path(__file__).resolve().parent / "data"
# Tables built by their own script (scripts/build_codes_postaux.py) keep the file name it writes.
FILE_NAMES = {"code_postal": "codes_postaux"}


def bundled_path(table: str) -> Path:
    return BUNDLED_DIR / f"{FILE_NAMES.get(table, table)}.csv.gz"


def load_bundled_table(table: str) -> pl.DataFrame | None:
    """One bundled table, every column Utf8; None when the file is absent."""
    path = bundled_path(table)
    if not path.is_file():
        return None
    with gzip.open(path, "rb") as handle:
        return pl.read_csv(handle.read(), infer_schema=False)


def load_bundled() -> dict[str, pl.DataFrame]:
    """Every bundled table, keyed like `store.schema.REFERENTIAL_TABLES`."""
    from dataetat.store.schema import REFERENTIAL_TABLES

    frames = {}
    for table in REFERENTIAL_TABLES:
        frame = load_bundled_table(table)
        if frame is None:
            raise FileNotFoundError(f"Référentiel embarqué absent : {bundled_path(table)}")
        frames[table] = frame
    return frames
