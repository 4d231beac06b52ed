"""Export jobs: the lines of a search written to a file in the exports store, with progress.

job_id = submit(conn, "xlsx", {"annee": "2023"}, owner="agent", region="53")
...  # a worker runs it: run(engine, job, folder)
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from dataetat import exports, scratch, stockage
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
    description = ", ".join(where(params, region, conn)[1]) or "toutes les lignes"
    label = f"Lignes ({description}) en {fmt.upper()}"
    return taches.submit(
        conn, TYPE, owner, region, {"format": fmt, "recherche": query, "colonnes": names}, label, total
    )


def key_of(job: Tache) -> str:
    """The export's key in the exports store (one object per job: never a half file visible)."""
    return f"export-{job.id}.{job.parametres['format']}"


def file_of(folder: Path, job: Tache) -> Path:
    return folder / key_of(job)


def run(conn: Connection, job: Tache, folder: Path | stockage.Espaces, progress) -> dict[str, Any]:
    """Write the export file (a scratch file, then put whole in the store); returns the job's result
    (file name, size, lines)."""
    store = stockage.espaces_of(folder).exports
    params = params_from_query(job.parametres["recherche"])
    key = key_of(job)
    local = store.local_path(key)
    work = scratch.make("export") if local is None else None
    target = local if local is not None else work / key
    _remove_partials(target)  # of an earlier try, whose worker died
    # One partial file per try: a stalled worker that lost its lease never writes into the new try's.
    partial = target.with_suffix(f"{target.suffix}.partiel-{job.tentatives}")
    target.parent.mkdir(parents=True, exist_ok=True)
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
        size = target.stat().st_size
        if work is not None:
            store.put(key, target)
    finally:
        partial.unlink(missing_ok=True)
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    name = file_name(params, job.parametres["format"])  # the name it is downloaded under
    return {"fichier": name, "taille": size, "lignes": lines}


def remove_file(folder: Path | stockage.Espaces, job: Tache) -> None:
    store = stockage.espaces_of(folder).exports
    store.delete(key_of(job))
    if (local := store.local_path(key_of(job))) is not None:
        _remove_partials(local)


def _remove_partials(target: Path) -> None:
    for partial in target.parent.glob(f"{target.name}.partiel*"):
        partial.unlink(missing_ok=True)
