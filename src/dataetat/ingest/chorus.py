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


def open_chorus(path: Path, options: ChorusOptions) -> ChorusFile:
    report = Report(path.name)
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
    if not report.valid:
        raise FileUnreadable(report)
    region = options.region.zfill(2) if options.region else None
    context = Context(det.format, det.kind, annee, region, options.societes, det.names)
    return ChorusFile(path, det, context, report, sha256=sha256_of(path))
