"""The import history (`import_fichier`): one row per imported file, with its report and totals."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from dataetat import metriques
from dataetat.ingest.problems import Report
from dataetat.store.schema import import_fichier


def record_file(
    conn: Connection,
    import_id: int,
    kind: str,
    filename: str,
    sha256: str | None,
    report: Report,
    **feed: Any,
) -> None:
    """Write a file's row; `feed`: what it replaced (data_source, source_region, annee). Counts its
    lines for /metrics (`dataetat_import_lignes_total`)."""
    metriques.lignes_importees(kind, report.lignes_lues)
    conn.execute(
        import_fichier.insert().values(
            id=import_id,
            kind=kind,
            filename=filename,
            sha256=sha256,
            format=report.format,
            lignes_lues=report.lignes_lues,
            lignes_importees=report.lignes_importees,
            lignes_rejetees=report.lignes_rejetees,
            somme_ae=report.somme_ae,
            somme_cp=report.somme_cp,
            rapport=json.dumps(report.as_dict(), ensure_ascii=False),
            imported_at=datetime.now(),
            **feed,
        )
    )
