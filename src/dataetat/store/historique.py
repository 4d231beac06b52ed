"""The import history (`import_fichier`): one row per imported file, with its report and totals."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

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
    """Write a file's row; `feed`: what it replaced (data_source, source_region, annee). /metrics
    sums these rows (`totals`: `dataetat_import_lignes_total`)."""
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


def totals(conn: Connection) -> list[tuple[str, int, int]]:
    """(kind, files, lines read) of every import written, by kind: /metrics's import counters, the
    same whichever process or host asks (rows are never deleted: the totals only grow)."""
    rows = conn.execute(
        sa.select(
            import_fichier.c.kind,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(import_fichier.c.lignes_lues), 0),
        )
        .group_by(import_fichier.c.kind)
        .order_by(import_fichier.c.kind)
    ).all()
    return [(kind, int(files), int(lines)) for kind, files, lines in rows]
