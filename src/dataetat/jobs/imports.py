"""Import jobs: Chorus files sent by the upload page, imported by the real importer in the worker.

    job_id = submit(conn, "agent", "53", folder, [Envoi(...), ...], annee=None, region="53",
                    garder_valides=False)
    ...  # a worker runs it: run(engine, job, folder, progress) -> the import report

The importer checks each file whole (format detected by content, every row) and writes nothing
unless everything is valid — or, with `garder_valides`, imports the valid rows and writes the
rejected ones to `lignes-ecartees.csv` in the upload's folder. The job's `resultat` is the report:
totals, and per file its format, type, exercice, lines, Σ AE, Σ CP, sha256, errors and warnings.
The uploaded files are removed once the import is over (the database holds the data; the history
keeps their name and sha256).

Upload page jobs (`confirmer`) ask before replacing: when the files would replace data already
there, nothing is written and the report says what would be replaced (`a_confirmer`, `comparaison`:
per feed and exercice, lines and Σ now and in the files); the files stay in their folder. The user's
confirmation queues a second job on the same files with the state they saw (`avant`) and their
sha256: it imports only if the files are the same bytes and the state is still the one shown.
A refused check keeps the files too, so that the user may try again (another exercice).

The job's files are handled by jobs/import_fichiers.py, its report shaped by jobs/import_rapport.py.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from dataetat import stockage
from dataetat.jobs import decp_rejets
from dataetat.jobs.import_fichiers import (
    Envoi,
    drop_if_empty,
    local_copy,
    parent,
    same_files,
    scratch_folder,
)
from dataetat.jobs.import_rapport import fichier, totaux, wording
from dataetat.query.apres_import import apres_import
from dataetat.query.imports import latest_by_sha256
from dataetat.store import taches
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.remplacement import Confirmation, avant_of
from dataetat.store.sources_import import LABELS, import_source
from dataetat.store.taches import Tache

TYPE = "import"
REJETS = "lignes-ecartees.csv"


def submit(
    conn: Connection,
    owner: str,
    region: str | None,
    folder: str,
    envois: list[Envoi],
    *,
    annee: int | None,
    region_fichiers: str | None,
    garder_valides: bool,
    avant: list | None = None,
) -> int:
    """Queue the import of the files saved in `folder` (asking before any replacement; `avant`: the
    replacement the user confirmed); returns the job id."""
    parametres = {
        "dossier": str(folder),
        "fichiers": [asdict(e) for e in envois],
        "annee": annee,
        "region": region_fichiers,
        "garder_valides": garder_valides,
        "confirmer": True,
        "avant": avant,
    }
    verb = "Import" if avant is not None else "Vérification et import"
    label = f"{verb} de " + " et ".join(f"« {e.nom} »" for e in envois)
    return taches.submit(conn, TYPE, owner, region, parametres, label)


def submit_source(
    conn: Connection,
    owner: str,
    region: str | None,
    folder: str,
    envoi: Envoi,
    source: str,
    decoupage: int | None = None,
    garder_valides: bool = False,
) -> int:
    """Queue the import of one file of another source (a key of sources_import.KINDS).
    `garder_valides` (DECP only): import the valid marchés, report the rejected ones."""
    parametres = {
        "dossier": str(folder),
        "fichiers": [asdict(envoi)],
        "source": source,
        "decoupage": decoupage,
        "annee": None,
        "region": None,
        "garder_valides": garder_valides and source == "decp",
    }
    label = f"Import de « {envoi.nom} » ({LABELS[source]})"
    return taches.submit(conn, TYPE, owner, region, parametres, label)


def _run_source(engine: Engine, job: Tache, store: stockage.Store, progress, record) -> dict[str, Any]:
    p = job.parametres
    envoi = Envoi(**p["fichiers"][0])
    progress(0)
    rejets: dict[str, Any] | None = None
    try:
        with store.materialise(envoi.chemin) as path, ExitStack() as stack:
            report_path = (
                stack.enter_context(scratch_folder()) / "rejets.json" if p.get("garder_valides") else None
            )
            result = import_source(
                engine,
                p["source"],
                path,
                decoupage=p.get("decoupage"),
                apres=apres_import,
                record=record,
                nom=envoi.nom,
                rejets=report_path,
            )
            if report_path is not None and report_path.exists():
                rows, rejected, hidden = decp_rejets.rows_of(report_path)
                rejets = {"lignes": rows, "nombre": rejected, "non_affiches": hidden}
    finally:
        store.delete_prefix(parent(envoi.chemin))
        drop_if_empty(store, p["dossier"])
    progress(result.report.lignes_lues)
    rapport = fichier(result.report, envoi, None, None) | {"type": p["source"], "source": LABELS[p["source"]]}
    return {
        "importe": result.written,
        "source": p["source"],
        "fichiers": [rapport],
        "totaux": totaux([rapport]),
        "rejets": None,
        "durees": {"import": round(result.seconds, 3)},
    } | (
        {"decp": {"marches_importes": result.marches, "marches_rejetes": rejets}}
        if p["source"] == "decp"
        else {}
    )


def run(engine: Engine, job: Tache, folder: Path | stockage.Espaces, progress, record=None) -> dict[str, Any]:
    """Import the job's files (the importer manages its own transaction); returns the report.
    `folder`: the stores (or the exports folder: the uploads are then local files); the files are
    read from the uploads store (a scratch copy when it is S3). `progress(n)` receives the number
    of lines read so far, all files together; `record` writes the audit row of a written import in
    its transaction."""
    store = stockage.espaces_of(folder).televersements
    p = job.parametres
    if p.get("source"):
        return _run_source(engine, job, store, progress, record)
    with ExitStack() as stack:
        local = [stack.enter_context(local_copy(store, Envoi(**e))) for e in p["fichiers"]]
        work = None if store.local_path(p["dossier"]) else stack.enter_context(scratch_folder())
        return _run_chorus(engine, job, store, local, work, progress, record)


def _run_chorus(engine, job: Tache, store, local: list[Path], work: Path | None, progress, record) -> dict:
    p = job.parametres
    envois = [Envoi(**e) for e in p["fichiers"]]
    rejets_local = (work if work is not None else Path(store.local_path(p["dossier"]))) / REJETS
    rejets = rejets_local if p["garder_valides"] else None
    read: dict[str, int] = {}

    def on_progress(name: str, lines: int) -> None:
        read[name] = lines
        progress(sum(read.values()))

    asks = bool(p.get("confirmer"))
    if asks and p.get("avant") is not None:
        same_files(envois, local)
    options = ImportOptions(
        annee=p["annee"],
        region=p["region"],
        rejets=rejets,
        confirmation=Confirmation(avant=p.get("avant")) if asks else None,
        qui=job.proprietaire,
        region_identite=job.region,
        noms={str(path): e.nom for e, path in zip(envois, local, strict=True)},  # shown as given
    )
    result = None
    try:
        result = import_chorus(
            engine,
            local,
            options,
            on_progress,
            apres=apres_import,
            record=record,
        )
    finally:
        if result is None or result.written or not asks:  # else kept: to confirm, or to try again
            for envoi in envois:
                store.delete_prefix(parent(envoi.chemin))
    fichiers, remaining = [], list(envois)
    with engine.connect() as conn:
        for report in result.reports:
            envoi = next((e for e in remaining if e.nom == report.fichier), None)
            if envoi is not None:
                remaining.remove(envoi)
            recorded = latest_by_sha256(conn, envoi.sha256) if envoi and result.written else None
            fichiers.append(fichier(report, envoi, recorded, p["annee"], wording(job.region), p["region"]))
    kept = rejets is not None and result.written and any(r.lignes_rejetees for r in result.reports)
    if rejets is not None and not kept:
        rejets.unlink(missing_ok=True)
    if kept and work is not None:
        store.put(store.key(p["dossier"], REJETS), rejets)
    drop_if_empty(store, p["dossier"])
    return {
        "importe": result.written,
        "a_confirmer": result.a_confirmer,
        "comparaison": [f.as_json() for f in result.flux],
        "avant": avant_of(result.flux),
        "lot": result.lot,
        "fichiers": fichiers,
        "totaux": totaux(fichiers),
        "rejets": REJETS if kept else None,
        "durees": {phase: round(s, 3) for phase, s in result.timings.items()},
    }
