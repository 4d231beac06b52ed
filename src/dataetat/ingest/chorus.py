"""A Chorus file, opened: detection, context checks, then validated batches.

chorus = open_chorus(path, options)          # raises FileUnreadable on a structural problem
for valid, rejected in chorus.batches():     # the report fills up as batches go
    ...
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa

from dataetat.ingest.detect import Detected, detect
from dataetat.ingest.empreinte import sha256_of
from dataetat.ingest.problems import FileUnreadable, Report
from dataetat.ingest.read import iter_batches
from dataetat.ingest.validate import Context, validate
from dataetat.model.enums import Kind


@dataclass(frozen=True)
class ChorusOptions:
    annee: int | None = None
    region: str | None = None
    expected_kind: Kind | None = None
    societes: dict[str, str] = field(default_factory=dict)
    annees: tuple[int, int] | None = None  # accepted years (settings annee_min, annee_max)
    regions: frozenset[str] | None = None  # accepted --region codes (the référentiel)
    noms: dict[str, str] = field(default_factory=dict)  # path → the name the user gave (uploads)


@dataclass
class ChorusFile:
    path: Path
    detected: Detected
    context: Context
    report: Report
    sha256: str = ""
    import_id: int | None = None  # given by the store when the import starts

    @property
    def kind(self) -> Kind:
        return self.detected.kind

    def batches(self, exact: bool = False) -> Iterator[tuple[pa.Table, pl.DataFrame]]:
        """Valid rows (staging schema) and rejected raw rows, batch by batch; counts go to the report."""
        for raw in iter_batches(self.path, self.detected, self.report, exact=exact):
            valid, rejected = validate(raw, self.context, self.report)
            self.report.lignes_lues += raw.num_rows
            self.report.lignes_rejetees += rejected.height
            yield valid, rejected
        if self.report.lignes_lues == 0 and self.report.valid:  # a file of nothing replaces nothing
            self.report.add("aucune-ligne", ligne=self.detected.header_line)


def open_chorus(path: Path, options: ChorusOptions) -> ChorusFile:
    report = Report(options.noms.get(str(path), path.name))
    det = detect(path, report, options.expected_kind)
    annee = options.annee if options.annee is not None else det.exercice
    if det.format == "regional":
        if options.region is None:
            report.add(
                "region-manquante",
                detail="Un export Chorus régional (INF-BUD-53) ne dit pas sa région : précisez-la (--region 53).",
            )
        if annee is None:
            report.add(
                "exercice-manquant",
                detail="L'exercice comptable n'est pas dans l'en-tête du fichier : précisez-le (--annee 2024).",
            )
    elif options.region is not None:
        report.add(
            "region-manquante",
            detail="Un fichier national porte la région de chaque ligne (colonne Société) : "
            "n'indiquez pas --region.",
        )
    elif det.kind == Kind.AE and annee is None and "date_extraction" not in det.names:
        report.add(
            "exercice-manquant",
            detail="Un fichier national d'engagements ne dit pas son exercice : précisez-le (--annee 2024).",
        )
    region = _region(options, report)
    if annee is not None:
        check_year(annee, options.annees, report, "--annee" if options.annee is not None else "préambule")
    if not report.valid:
        raise FileUnreadable(report)
    context = Context(det.format, det.kind, annee, region, options.societes, det.names, options.annees)
    return ChorusFile(path, det, context, report, sha256=sha256_of(path))


def check_year(annee: int, annees: tuple[int, int] | None, report: Report, where: str) -> bool:
    """An exercice outside the accepted years (settings annee_min, annee_max) is an error."""
    if annees is None or annees[0] <= annee <= annees[1]:
        return True
    report.add(
        "annee-hors-limites",
        valeur=str(annee),
        colonne=where,
        detail=f"les années acceptées vont de {annees[0]} à {annees[1]} (réglages annee_min et annee_max)",
    )
    return False


def _region(options: ChorusOptions, report: Report) -> str | None:
    """`--region` as a code of the référentiel ('053' → '53'); anything else is refused."""
    if options.region is None:
        return None
    raw = options.region.strip()
    code = raw.lstrip("0").zfill(2) if raw.isascii() and raw.isdigit() else raw
    if options.regions is not None and code not in options.regions:
        report.add(
            "region-invalide",
            valeur=raw,
            detail="attendu le code INSEE d'une région du référentiel (par exemple 53 pour la Bretagne)",
        )
    return code
