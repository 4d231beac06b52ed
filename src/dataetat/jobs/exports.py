"""Export jobs: the lines of a search written to a file in the exports folder, with progress.

job_id = submit(conn, "xlsx", {"annee": "2023"}, owner="agent", region="53")
...  # a worker runs it: run(engine, job, folder)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from dataetat import exports
from dataetat.exports.nom import file_name
from dataetat.query.params import QueryError, params_from_query
from dataetat.query.search import count, where
from dataetat.store import taches
from dataetat.store.taches import Tache

TYPE = "export"
# Beyond this many lines, XLSX and ODS exports run as jobs (they are built in a file, not streamed).
DIRECT_MAX_LINES = 50_000


def submit(conn: Connection, fmt: str, query: dict[str, str], owner: str, region: str | None) -> int:
    """Check the search and queue its export; returns the job id. Refuses what would fail later."""
    if fmt not in exports.FORMATS:
        raise QueryError(f"Format « {fmt} » inconnu : formats possibles {', '.join(exports.FORMATS)}.")
    params = params_from_query(query)
    names = exports.chosen_columns(params)
    total = count(conn, params, region)
    description = ", ".join(where(params, region)[1]) or "toutes les lignes"
    label = f"Lignes ({description}) en {fmt.upper()}"
    return taches.submit(
        conn, TYPE, owner, region, {"format": fmt, "recherche": query, "colonnes": names}, label, total
    )


def file_of(folder: Path, job: Tache) -> Path:
    return folder / f"export-{job.id}.{job.parametres['format']}"


def run(conn: Connection, job: Tache, folder: Path, progress) -> dict[str, Any]:
    """Write the export file; returns the job's result (file name, size, lines)."""
    params = params_from_query(job.parametres["recherche"])
    target = file_of(folder, job)
    partial = target.with_suffix(target.suffix + ".partiel")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        lines = exports.export(
            conn,
            job.parametres["format"],
            partial,
            params,
            job.region,
            job.parametres["colonnes"],
            progress=progress,
        )
        partial.replace(target)  # the file appears whole or not at all
    finally:
        partial.unlink(missing_ok=True)
    name = file_name(params, job.parametres["format"])  # the name it is downloaded under
    return {"fichier": name, "taille": target.stat().st_size, "lignes": lines}


def remove_file(folder: Path, job: Tache) -> None:
    file_of(folder, job).unlink(missing_ok=True)
