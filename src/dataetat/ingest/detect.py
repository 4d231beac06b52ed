"""Recognise a Chorus file from its first bytes: text or not, encoding, separator, header, kind.

The user never names the format: the header says it. Every structural problem found here is
reported (and makes the file unreadable), so that nothing is parsed from a file we misunderstood.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from dataetat.ingest.columns import LAYOUTS, PIPE_NAMES, Layout, label, match_header
from dataetat.ingest.problems import FileUnreadable, Report
from dataetat.model.enums import Kind

HEAD_BYTES = 256 * 1024
MAX_LINE_BYTES = 1024 * 1024  # no Chorus line comes anywhere near 1 MB
_MAGIC = {b"%PDF": "c'est un PDF", b"PK\x03\x04": "c'est un classeur Excel ou une archive ZIP"}


@dataclass(frozen=True)
class Detected:
    format: str  # regional | aife | pipe
    layout: Layout
    header_line: int  # 1-based line number of the header
    names: tuple[str, ...]  # canonical name of each file column, in file order
    exercice: int | None  # from the preamble of regional files
    bom: bool

    @property
    def kind(self) -> Kind:
        return self.layout.kind

    @property
    def delimiter(self) -> str:
        return {"regional": ",", "aife": '";"', "pipe": "|"}[self.format]


def detect(path: Path, report: Report, expected_kind: Kind | None = None) -> Detected:
    head, truncated = _read_head(path, report)
    lines = physical_lines(head)
    found = _find_header(lines, report)
    if found is None:
        raise FileUnreadable(report)
    fmt, index, labels, names = found
    kind = Kind.CP if "n_dp" in names else Kind.AE
    layout = LAYOUTS[(fmt, kind)]
    report.format, report.kind = layout.name, kind.value
    _check_columns(layout, labels, names, index + 1, report)
    if expected_kind is not None and kind != expected_kind:
        what = {Kind.AE: "d'engagements (AE)", Kind.CP: "de paiements (CP)"}
        report.add(
            "type-fichier-inattendu",
            detail=f"Ce fichier est un fichier {what[kind]} ; un fichier {what[expected_kind]} est attendu.",
        )
    if not truncated and not any(line.strip().strip(",;|") for line in lines[index + 1 :]):
        # (when the first 256 KB end before the first data line ends, that line is read, and
        # measured, by the reader)
        report.add("aucune-ligne", ligne=index + 1)
    if not report.valid:
        raise FileUnreadable(report)
    return Detected(fmt, layout, index + 1, tuple(names), _exercice(lines[:index]), head.startswith("\ufeff"))


def physical_lines(text: str) -> list[str]:
    """The lines of `text` as the readers count them: only `\\n` (or `\\r\\n`) ends a line.

    `str.splitlines()` also breaks on U+2028, `\\x0c`, `\\x85`…: a preamble holding one of them would
    shift the header, and the first data rows would be skipped unseen (issue 15, item 4)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _read_head(path: Path, report: Report) -> tuple[str, bool]:
    """The first 256 KB as text, cut after their last complete line; and whether the file is longer."""
    with path.open("rb") as f:
        raw = f.read(HEAD_BYTES)
    if not raw.strip():
        report.add("fichier-vide")
        raise FileUnreadable(report)
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            report.add("fichier-non-texte", detail=what)
            raise FileUnreadable(report)
    if b"\x00" in raw:
        report.add("fichier-non-texte", detail="il contient des octets binaires")
        raise FileUnreadable(report)
    truncated = len(raw) == HEAD_BYTES
    if truncated:
        cut = raw.rfind(b"\n")
        if cut < 0:
            report.add(
                "ligne-trop-longue", ligne=1, detail=f"plus de {HEAD_BYTES // 1024} Ko sans fin de ligne"
            )
            raise FileUnreadable(report)
        raw = raw[: cut + 1]
    try:
        return raw.decode("utf-8"), truncated
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        byte = raw[e.start : e.start + 1].hex()
        report.add(
            "encodage-invalide",
            ligne=line,
            detail=f"octet 0x{byte} en ligne {line} ; il semble encodé en Latin-1/Windows-1252",
        )
        raise FileUnreadable(report) from None


def _split(line: str, fmt: str) -> list[str]:
    if fmt == "aife":
        return split_aife(line)
    if fmt == "pipe":
        return line.split("|")
    return _csv_cells(line)


def _csv_cells(line: str) -> list[str]:
    """The cells of one line (a lone `\\r` or an open quote: split on commas, it is no header)."""
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return line.split(",")


def split_aife(line: str) -> list[str]:
    """National extracts quote every field and separate with ";" but never escape quotes inside
    labels (`"AGENCE; NATIONALE "DES TITRES""`): split on the `";"` sequence only."""
    line = line.rstrip("\r\n")
    if line.startswith('"'):
        line = line[1:]
    if line.endswith('"'):
        line = line[:-1]
    return line.split('";"')


def _find_header(lines: list[str], report: Report) -> tuple[str, int, list[str], list[str | None]] | None:
    for index, line in enumerate(lines[:15]):
        text = line.lstrip("\ufeff")
        if "|" in text:
            labels = text.split("|")
            names = [PIPE_NAMES.get(x.strip().lower()) for x in labels]
            if sum(n is not None for n in names) >= 8:
                return "pipe", index, labels, names
        fmt = "aife" if text.startswith('"') and '";"' in text else "regional"
        labels = _split(text, fmt)
        names = match_header(labels)
        if _looks_like_header(names):
            return fmt, index, labels, names
        for sep, sep_name in ((";", "point-virgule"), ("\t", "tabulation")):
            if _looks_like_header(match_header([x.strip('"') for x in text.split(sep)])):
                report.add(
                    "separateur-invalide",
                    ligne=index + 1,
                    detail=f"les colonnes sont séparées par des {sep_name}s ; un export Chorus régional "
                    "utilise la virgule (« , »).",
                )
                return None
    report.add(
        "format-inconnu",
        detail="aucune ligne d'en-tête d'export Chorus (INF-BUD-53, AIFE ou extraction quotidienne) "
        "dans les 15 premières lignes.",
    )
    return None


def _looks_like_header(names: list[str | None]) -> bool:
    known = {n for n in names if n}
    return len(known) >= 8 and "montant" in known and ("n_ej" in known or "n_dp" in known)


def _check_columns(
    layout: Layout, labels: list[str], names: list[str | None], line: int, report: Report
) -> None:
    expected = set(layout.columns) | set(layout.ignored)
    seen: set[str] = set()
    for raw, name in zip(labels, names, strict=True):
        if name is None or name not in expected or name in seen:
            report.add("colonne-inattendue", ligne=line, valeur=raw.strip())
        else:
            seen.add(name)
    for name in layout.columns:
        if name not in seen:
            report.add("colonne-manquante", ligne=line, colonne=label(name))


_EXERCICE = re.compile(r"exercice comptable\W+(\d{4})", re.IGNORECASE)


def _exercice(preamble: list[str]) -> int | None:
    for line in preamble:
        cells = ",".join(c.strip() for c in _csv_cells(line) if c.strip())
        match = _EXERCICE.search(cells)
        if match:
            return int(match.group(1))
    return None
