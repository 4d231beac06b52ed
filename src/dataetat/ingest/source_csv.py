"""Read the CSV files of the other sources (ADEME, France 2030, QPV lieu d'action, PVD/ACV, SIRET→QPV,
manual tags) into a frame of raw text, checking structure first, then flag bad cells by line.

    frame = read_table(path, report, columns=COLUMNS, delimiter=",")   # None: the file is refused
    flag(report, frame, mask, "montant-invalide", "montant")           # one problem per failing row

Every file is read whole before anything is written: the report lists every problem with its
line (1 = header), column and value. Cells are stripped; `empties` become null.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from dataetat.ingest.empreinte import sha256_of
from dataetat.ingest.problems import MAX_PROBLEMS, FileUnreadable, Report
from dataetat.model import normalise as n
from dataetat.settings import annees_acceptees

_MAGIC = {b"%PDF": "c'est un PDF", b"PK\x03\x04": "c'est un classeur Excel ou une archive ZIP"}
EMPTY = ("",)


@dataclass
class SourceFile:
    """A file of one source read and checked: its report, its valid rows (None when refused)."""

    path: Path
    report: Report
    sha256: str
    frame: pl.DataFrame | None = None
    annees: list[int] = field(default_factory=list)  # the years it replaces, when it replaces by year
    extra: dict = field(default_factory=dict)  # what the writer needs besides the rows

    @property
    def valid(self) -> bool:
        return self.report.valid and self.frame is not None


def open_source(path: Path, fmt: str, kind: str) -> SourceFile:
    """A file of a source about to be read: an empty report and its SHA-256."""
    return SourceFile(path, Report(path.name, format=fmt, kind=kind), sha256_of(path))


def fold(text: str) -> str:
    """Lowercase without accents nor surrounding spaces: « Île-de-France » → « ile-de-france »."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def check_binary(path: Path, report: Report) -> None:
    with open(path, "rb") as f:
        head = f.read(4096)
    if not head.strip(b"\xef\xbb\xbf \r\n\t"):
        report.add("fichier-vide")
        raise FileUnreadable(report)
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            report.add("fichier-non-texte", detail=what)
            raise FileUnreadable(report)
    if b"\x00" in head:
        report.add("fichier-non-texte", detail="il contient des octets nuls")
        raise FileUnreadable(report)


def read_table(
    path: Path,
    report: Report,
    *,
    columns: Iterable[str],
    optional: Iterable[str] = (),
    aliases: dict[str, str] | None = None,
    delimiter: str = ",",
    empties: Iterable[str] = EMPTY,
    extra_ok: bool = False,
) -> pl.DataFrame | None:
    """The data rows as strings (canonical column names, plus `ligne`), or None when the structure is
    wrong (problems in the report). Header names are compared without case nor surrounding spaces;
    `aliases` maps other accepted names (folded) to canonical ones."""
    check_binary(path, report)
    wanted = list(columns)
    optional = set(optional)
    accepted = {fold(c): c for c in [*wanted, *optional]} | {fold(k): v for k, v in (aliases or {}).items()}
    empties = {fold(e) for e in empties}
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, delimiter=delimiter, strict=True)
            header = next(reader, None)
            if header is None:
                report.add("fichier-vide")
                return None
            names = [accepted.get(fold(h)) for h in header]
            if len(header) == 1 and delimiter not in header[0] and len(wanted) > 1:
                other = ";" if delimiter == "," else ","
                if other in header[0]:
                    report.add(
                        "separateur-invalide", ligne=1, detail=f"attendu « {delimiter} », trouvé « {other} »"
                    )
                    return None
            for raw, name in zip(header, names, strict=True):
                if name is None and not extra_ok:
                    report.add("colonne-inattendue", ligne=1, valeur=raw.strip())
            for name in wanted:
                if name not in names:
                    report.add("colonne-manquante", ligne=1, colonne=name)
            seen: set[str] = set()
            for raw, name in zip(header, names, strict=True):
                if name is not None and name in seen:
                    report.add("colonne-inattendue", ligne=1, valeur=raw.strip(), detail="colonne en double")
                seen.add(name or "")
            if not report.valid:
                return None
            width = len(header)
            cells: list[list[str]] = [[] for _ in header]
            lines: list[int] = []
            previous = reader.line_num
            for row in reader:
                line = previous + 1
                previous = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != width:
                    report.add(
                        "nombre-colonnes",
                        ligne=line,
                        valeur=delimiter.join(row),
                        detail=f"{len(row)} colonnes au lieu de {width}",
                    )
                    continue
                for column, cell in zip(cells, row, strict=True):
                    column.append(cell)
                lines.append(line)
    except UnicodeDecodeError as e:
        report.add("encodage-invalide", detail=f"octet 0x{e.object[e.start : e.start + 1].hex()}")
        raise FileUnreadable(report) from e
    except csv.Error as e:
        report.add("fichier-tronque", ligne=previous + 1, detail=f"ligne {previous + 1} : {e}")
        return None
    report.lignes_lues = len(lines) + sum(1 for p in report.problems if p.code == "nombre-colonnes")
    if not lines and report.valid:
        report.add("aucune-ligne")
    if not report.valid:
        return None
    kept = {name: col for name, col in zip(names, cells, strict=True) if name is not None}
    frame = pl.DataFrame(kept, schema=dict.fromkeys(kept, pl.String))
    frame = frame.with_columns(pl.Series("ligne", lines, pl.Int64))
    return frame.with_columns(_clean(c, empties) for c in kept)


def sniff_delimiter(path: Path, candidates: str = ",;") -> str:
    """The candidate found most often in the header line (`,` when none)."""
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        header = f.readline()
    return max(candidates, key=header.count) if any(c in header for c in candidates) else candidates[0]


def _clean(col: str, empties: set[str]) -> pl.Expr:
    text = pl.col(col).str.strip_chars()
    if empties == {""}:
        return pl.when(text == "").then(None).otherwise(text).alias(col)
    return pl.when(text.str.to_lowercase().is_in(list(empties))).then(None).otherwise(text).alias(col)


def flag(
    report: Report,
    frame: pl.DataFrame,
    mask: pl.Series | pl.Expr,
    code: str,
    column: str,
    *,
    value: str | None = None,
    detail: str | None = None,
) -> pl.Series:
    """Report `code` for every row where `mask` holds (the first MAX_PROBLEMS detailed, all counted);
    the value shown is the cell of `value` (default: `column`). Returns the mask as a Series."""
    if isinstance(mask, pl.Expr):
        mask = frame.select(mask.fill_null(False).alias("m")).to_series()
    else:
        mask = mask.fill_null(False)
    if not mask.any():
        return mask
    failing = frame.filter(mask)
    shown = failing.head(MAX_PROBLEMS)
    source = value or column
    values = shown[source].cast(pl.String) if source in shown.columns else [None] * shown.height
    for line, cell in zip(shown["ligne"], values, strict=True):
        report.add(code, ligne=line, colonne=column, valeur=cell, detail=detail)
    report.count(code, failing.height - shown.height)
    return mask


def required(report: Report, frame: pl.DataFrame, columns: Iterable[str]) -> None:
    for col in columns:
        flag(report, frame, pl.col(col).is_null(), "valeur-manquante", col)


def parsed(report: Report, frame: pl.DataFrame, col: str, expr: pl.Expr, code: str, **kw) -> pl.DataFrame:
    """Replace `col` by `expr` (its parsed value); a present raw value that does not parse is `code`."""
    out = frame.with_columns(expr.alias(f"{col}__v"))
    flag(report, out, pl.col(col).is_not_null() & pl.col(f"{col}__v").is_null(), code, col, **kw)
    return out.drop(col).rename({f"{col}__v": col})


def duplicates(report: Report, frame: pl.DataFrame, keys: list[str], label: str) -> None:
    """A key given twice in one file is an error on its later lines (which one would win?)."""
    first = frame.group_by(keys).agg(pl.col("ligne").min().alias("__premiere"))
    later = frame.join(first, on=keys, nulls_equal=True).filter(pl.col("ligne") > pl.col("__premiere"))
    if later.height == 0:
        return
    shown = later.sort("ligne").head(MAX_PROBLEMS)
    for row in shown.iter_rows(named=True):
        value = " / ".join(str(row[k]) for k in keys)
        report.add(
            "ligne-en-double", ligne=row["ligne"], colonne=label, valeur=value, detail=str(row["__premiere"])
        )
    report.count("ligne-en-double", later.height - shown.height)


_AMOUNT_LIMITS = ("montant-trop-grand", "montant-decimales")


def flag_amount(report: Report, frame: pl.DataFrame, col: str, parsed: str) -> None:
    """A present amount `col` whose parsed value (`parsed`) is null: too big for the base (17 digits
    or more before the point), below the cent, or unreadable — each its own problem."""
    problem = n.montant_probleme(col)
    for code in _AMOUNT_LIMITS:
        flag(report, frame, problem == code, code, col)
    unreadable = pl.col(col).is_not_null() & pl.col(parsed).is_null() & ~problem.is_in(_AMOUNT_LIMITS)
    flag(report, frame, unreadable.fill_null(True), "montant-invalide", col)


def flag_years(report: Report, frame: pl.DataFrame, year: pl.Expr, col: str) -> None:
    """Years outside the accepted range (settings annee_min, annee_max) are errors on their line."""
    low, high = annees_acceptees()
    flag(
        report,
        frame,
        year.is_not_null() & ~year.is_between(low, high),
        "annee-hors-limites",
        col,
        detail=f"les années acceptées vont de {low} à {high} (réglages annee_min et annee_max)",
    )
