"""Shared helpers of the referential readers: load rows from a workbook or a CSV, find the header row
and the columns by meaning, turn cells into clean strings, normalise codes.

Everything here is pure (no database) and raises `ReferentielError` with a French message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from python_calamine import CalamineWorkbook

HEADER_SCAN_ROWS = 40


class ReferentielError(ValueError):
    """A referential file is not in the expected format (message in French, for the user).

    The message names the file itself (« Fichier « x.csv » … »); the spaces inside « » become
    non-breaking so that a guillemet never ends a line on its own."""

    def __init__(self, message: str) -> None:
        super().__init__(message.replace("« ", "«\u00a0").replace(" »", "\u00a0»"))


# --- Text ---------------------------------------------------------------------------------------

_DROPPED = re.compile(r"[,.'’]")
_SEPARATORS = re.compile(r"[^0-9a-z]+")


def normalise_text(value: object) -> str:
    """Header text for matching: lowercase, no accents, no punctuation, single spaces."""
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode().lower()
    return _SEPARATORS.sub(" ", _DROPPED.sub("", text)).strip()


def cell_text(value: object) -> str | None:
    """A cell as a clean string: None for empty, integral floats without '.0', ISO dates."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, dt.date | dt.datetime):
        text = value.isoformat()
    else:
        text = str(value).strip()
    return text or None


# --- Loading ------------------------------------------------------------------------------------


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise ReferentielError(f"Fichier « {path} » introuvable.")
    if path.stat().st_size == 0:
        raise ReferentielError(f"Fichier « {path.name} » vide.")


def open_workbook(path: Path) -> CalamineWorkbook:
    _require_file(path)
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for any non-workbook input
        raise ReferentielError(
            f"Fichier « {path.name} » : ce n'est pas un classeur Excel lisible (xlsx, xls ou ods)."
        ) from exc


def find_sheet(workbook: CalamineWorkbook, path: Path, expected: str, *keywords: str) -> str:
    """The sheet whose normalised name contains every keyword; `expected` names it in errors."""
    for name in workbook.sheet_names:
        norm = normalise_text(name)
        if all(k in norm for k in keywords):
            return name
    present = ", ".join(f"« {n} »" for n in workbook.sheet_names)
    raise ReferentielError(
        f"Fichier « {path.name} » : feuille « {expected} » absente (feuilles présentes : {present})."
    )


def sheet_rows(workbook: CalamineWorkbook, sheet: str) -> list[list[object]]:
    return workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def workbook_rows(path: Path) -> tuple[str, list[list[object]]]:
    """Rows of the first sheet of a single-sheet extract."""
    workbook = open_workbook(path)
    if not workbook.sheet_names:
        raise ReferentielError(f"Fichier « {path.name} » : aucune feuille.")
    sheet = workbook.sheet_names[0]
    return sheet, sheet_rows(workbook, sheet)


def csv_rows(path: Path, separators: str = ",;") -> list[list[str]]:
    """Rows of a CSV file in UTF-8 (with or without BOM) or Windows-1252, separator sniffed."""
    _require_file(path)
    raw = path.read_bytes()
    if b"\x00" in raw[:4096] or raw[:2] == b"PK":
        raise ReferentielError(f"Fichier « {path.name} » : ce n'est pas un fichier CSV (texte).")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    separator = max(separators, key=first_line.count)
    return list(csv.reader(io.StringIO(text), delimiter=separator))


# --- Header and columns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """A column found by meaning: its normalised header is one of `names`; for two-level headers,
    the (forward-filled) group header above it starts with `group`."""

    names: tuple[str, ...]
    group: str | None = None
    required: bool = True

    @property
    def label(self) -> str:
        return self.names[0] if self.group is None else f"{self.group} / {self.names[0]}"


def _forward_fill(row: list[object]) -> list[str]:
    filled, last = [], ""
    for cell in row:
        last = normalise_text(cell) or last
        filled.append(last)
    return filled


def find_header_row(rows: list[list[object]], cols: list[Col], where: str) -> int:
    """Index of the first row (among the first HEADER_SCAN_ROWS) holding every required column."""
    required = [c for c in cols if c.required]
    best_missing: list[Col] | None = None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        headers = {normalise_text(cell) for cell in row}
        missing = [c for c in required if not headers.intersection(c.names)]
        if not missing:
            return index
        if len(missing) < len(best_missing if best_missing is not None else required):
            best_missing = missing
    if not rows:
        raise ReferentielError(f"{where} : aucune ligne.")
    if best_missing:  # a row holds some of the expected headers: name the absent ones
        names = ", ".join(f"« {c.label} »" for c in best_missing)
        raise ReferentielError(f"{where} : colonne(s) {names} introuvable(s) dans la ligne d'en-tête.")
    names = ", ".join(f"« {c.label} »" for c in required)
    raise ReferentielError(
        f"{where} : ligne d'en-tête introuvable (colonnes attendues : {names} "
        f"dans les {HEADER_SCAN_ROWS} premières lignes)."
    )


def _column_index(headers: list[str], groups: list[str], col: Col) -> int | None:
    """Position of the first of `col.names` (in the order of preference) present in the header."""
    for name in col.names:
        for index, header in enumerate(headers):
            if header == name and (col.group is None or groups[index].startswith(col.group)):
                return index
    return None


def extract_table(rows: list[list[object]], spec: dict[str, Col], where: str) -> pl.DataFrame:
    """Columns of `spec` (output name -> Col) below the header row, as Utf8 strings, empty rows
    dropped. `where` names the file (and sheet) in error messages."""
    header_index = find_header_row(rows, list(spec.values()), where)
    headers = [normalise_text(cell) for cell in rows[header_index]]
    groups = _forward_fill(rows[header_index - 1]) if header_index else [""] * len(headers)
    groups += [""] * (len(headers) - len(groups))
    positions: dict[str, int | None] = {}
    for name, col in spec.items():
        positions[name] = _column_index(headers, groups, col)
        if positions[name] is None and col.required:
            raise ReferentielError(f"{where} : colonne « {col.label} » introuvable.")
    located = list(positions.items())
    data: dict[str, list[str | None]] = {name: [] for name in spec}
    for row in rows[header_index + 1 :]:
        values = {n: cell_text(row[i]) if i is not None and i < len(row) else None for n, i in located}
        if any(v is not None for v in values.values()):
            for name, value in values.items():
                data[name].append(value)
    return pl.DataFrame(data, schema={name: pl.Utf8 for name in spec})


def unique_codes(frame: pl.DataFrame, key: str = "code") -> pl.DataFrame:
    """Rows with a code, first occurrence of each code kept, every column Utf8."""
    frame = frame.with_columns(pl.all().cast(pl.Utf8))
    return frame.filter(pl.col(key).is_not_null()).unique(subset=key, keep="first", maintain_order=True)


def require_rows(frame: pl.DataFrame, where: str) -> pl.DataFrame:
    if frame.is_empty():
        raise ReferentielError(f"{where} : aucune ligne de données.")
    return frame


# --- Codes --------------------------------------------------------------------------------------


def departement_code(expr: pl.Expr) -> pl.Expr:
    """'075' -> '75', '02A' -> '2A', '1' -> '01', '971' unchanged."""
    text = expr.str.strip_chars().str.to_uppercase()
    text = pl.when(text.str.len_chars() == 3).then(text.str.strip_prefix("0")).otherwise(text)
    return pl.when(text.str.contains(r"^\d$")).then(text.str.zfill(2)).otherwise(text)


def postal_code(expr: pl.Expr) -> pl.Expr:
    """Digits of a postal code, zero-padded to 5 ('1000' -> '01000'); other text kept."""
    text = expr.str.strip_chars()
    return pl.when(text.str.contains(r"^\d{4}$")).then(text.str.zfill(5)).otherwise(text)


def departement_from_postal(expr: pl.Expr) -> pl.Expr:
    """Département of a 5-digit postal code: 97x/98x on 3 digits, Corsica 200-201 -> 2A, 202-206 -> 2B."""
    return (
        pl.when(~expr.str.contains(r"^\d{5}$"))
        .then(None)
        .when(expr.str.starts_with("97") | expr.str.starts_with("98"))
        .then(expr.str.slice(0, 3))
        .when(expr.str.starts_with("200") | expr.str.starts_with("201"))
        .then(pl.lit("2A"))
        .when(expr.str.starts_with("20"))
        .then(pl.lit("2B"))
        .otherwise(expr.str.slice(0, 2))
    )


def programme_code(expr: pl.Expr) -> pl.Expr:
    """LOLF programme on 3 digits: '0103' -> '103'."""
    text = expr.str.strip_chars()
    short = text.str.strip_chars_start("0").str.zfill(3)
    return pl.when(text.str.contains(r"^\d+$")).then(short).otherwise(text)
