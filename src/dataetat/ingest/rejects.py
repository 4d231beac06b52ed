"""Rejected rows written aside (`--rejets FILE`): `;`-separated UTF-8 with BOM, opens in Excel."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from dataetat.ingest.columns import LABELS, label

_COLUMNS = ["fichier", "ligne", "motif", *LABELS]


class RejectsWriter:
    def __init__(self, path: Path):
        self.path = path
        self._rows: list[list[str]] = []

    def write(self, fichier: str, rejected: pl.DataFrame) -> None:
        for row in rejected.iter_rows(named=True):
            self._rows.append([fichier, str(row["ligne"]), row["motif"], *(row.get(c) or "" for c in LABELS)])

    def forget(self, fichier: str) -> None:
        self._rows = [r for r in self._rows if r[0] != fichier]

    def close(self) -> None:
        with self.path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f, delimiter=";")
            writer.writerow(["Fichier", "Ligne", "Motif", *(label(c) for c in LABELS)])
            writer.writerows(self._rows)
