"""Exports of any search: one query (`rows`, keyset-paged), many renderers (CSV, XLSX, ODS, Parquet).

    with engine.connect() as conn:
        export(conn, "xlsx", "lignes.xlsx", SearchParams(annee=[2023]), region="53")

A web route streams `write_csv(header(cols), rows(...))` as it comes; the zip-based formats are
written to a file (or a spooled temporary file) first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import polars as pl
from sqlalchemy.engine import Connection

from dataetat.exports.cells import neutralise
from dataetat.exports.csv_format import save, write_csv
from dataetat.exports.lines import PAGE_SIZE, chosen_columns, fields, frames, header, kinds, rows
from dataetat.exports.ods_format import write_ods
from dataetat.exports.parquet_format import write_parquet
from dataetat.exports.xlsx_format import write_xlsx
from dataetat.query.params import QueryError, SearchParams


@dataclass(frozen=True)
class Format:
    code: str
    extension: str
    media_type: str
    label: str


FORMATS: dict[str, Format] = {
    f.code: f
    for f in (
        Format("csv", "csv", "text/csv; charset=utf-8", "CSV (Excel, séparateur point-virgule)"),
        Format(
            "xlsx",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Classeur Excel (XLSX)",
        ),
        Format("ods", "ods", "application/vnd.oasis.opendocument.spreadsheet", "Classeur OpenDocument (ODS)"),
        Format("parquet", "parquet", "application/vnd.apache.parquet", "Parquet"),
    )
}


def export(
    conn: Connection,
    fmt: str,
    target: str | Path | IO[bytes],
    params: SearchParams,
    region: str | None = None,
    columns: list[str] | None = None,
    *,
    page_size: int = PAGE_SIZE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every line of the search in format `fmt` to a path or a binary file; returns the number
    of lines written. `progress(lines_done)` is called after each page."""
    if fmt not in FORMATS:
        raise QueryError(f"Format « {fmt} » inconnu : formats possibles {', '.join(FORMATS)}.")
    names = chosen_columns(params, columns)
    labels = header(names)
    counter = _Counter(progress, page_size)
    if fmt == "csv":
        pages = frames(conn, params, region, names, page_size=page_size)
        save(write_csv(labels, counter.frames(pages)), target)
        return counter.done
    lines = counter.rows(rows(conn, params, region, names, page_size=page_size))
    if fmt == "xlsx":
        write_xlsx(labels, lines, target)
    elif fmt == "ods":
        write_ods(labels, lines, target)
    else:
        write_parquet(labels, lines, target, kinds(names))
    return counter.done


class _Counter:
    """Counts the lines going through an export and reports every page."""

    def __init__(self, report: Callable[[int], None] | None, page_size: int) -> None:
        self.report, self.page_size, self.done = report, page_size, 0

    def frames(self, pages: Iterable[pl.DataFrame]) -> Iterator[pl.DataFrame]:
        for page in pages:
            yield page
            self.done += page.height
            if self.report:
                self.report(self.done)

    def rows(self, lines: Iterable[list]) -> Iterator[list]:
        for line in lines:
            yield line
            self.done += 1
            if self.report and self.done % self.page_size == 0:
                self.report(self.done)
        if self.report:
            self.report(self.done)


__all__ = [
    "FORMATS",
    "PAGE_SIZE",
    "Format",
    "chosen_columns",
    "export",
    "fields",
    "frames",
    "header",
    "kinds",
    "neutralise",
    "rows",
    "write_csv",
    "write_ods",
    "write_parquet",
    "write_xlsx",
]
