"""XLSX export: openpyxl in write-only mode (rows go to a temporary file, constant memory), amounts
and counts as numeric cells, dates as date cells; texts that Excel would run as formulas get a `'`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from dataetat.exports.cells import neutralise

SHEET_TITLE = "Lignes"


def write_xlsx(header: list[str], rows: Iterable[list], target: str | Path | IO[bytes]) -> None:
    """Write the workbook to a path or a binary file (seekable: an XLSX is a zip)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    bold = Font(bold=True)
    cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=neutralise(label))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    workbook.save(target)
