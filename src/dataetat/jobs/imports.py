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
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from dataetat import scratch, stockage
from dataetat.ingest.empreinte import sha256_of
from dataetat.ingest.problems import Problem, Report
from dataetat.jobs import decp_rejets
from dataetat.query.apres_import import apres_import
from dataetat.query.imports import latest_by_sha256
from dataetat.query.params import QueryError
from dataetat.store import taches
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.remplacement import Confirmation, avant_of
from dataetat.store.sources_import import LABELS, import_source
from dataetat.store.taches import Tache

TYPE = "import"
REJETS = "lignes-ecartees.csv"
MAX_PROBLEMES = 500  # errors (and warnings) kept per file in the job's result

# The importer speaks to the command line; on the page the same advice names the form's fields,
# as the identity's form shows them (a regional identity has no « Région des fichiers » choice).
_WEB_WORDING = {
    "(--region 53)": "(champ « Région des fichiers »)",
    "(--annee 2024)": "(champ « Exercice »)",
    "n'indiquez pas --region": "choisissez « Fichier national » dans le champ « Région des fichiers »",
}
_REGIONAL_WORDING = _WEB_WORDING | {
    "n'indiquez pas --region": "seul un compte national peut le charger ; votre compte charge les "
    "exports régionaux de sa région",
}


def wording(region: str | None) -> dict[str, str]:
    return _REGIONAL_WORDING if region else _WEB_WORDING


@dataclass(frozen=True)
class Envoi:
    """One file saved by the upload: where it is, what the user called it, its digest and size."""

    chemin: str  # its key in the uploads store, under a name safe for the disk (web/pages/envoi.safe_name)
    nom: str  # the name the user gave, as shown
    champ: str  # "ae" or "cp": the form field it came from
    sha256: str
    taille: int


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
            report_path = stack.enter_context(_scratch()) / "rejets.json" if p.get("garder_valides") else None
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
        store.delete_prefix(_parent(envoi.chemin))
        _drop_if_empty(store, p["dossier"])
    progress(result.report.lignes_lues)
    fichier = _file(result.report, envoi, None, None) | {"type": p["source"], "source": LABELS[p["source"]]}
    return {
        "importe": result.written,
        "source": p["source"],
        "fichiers": [fichier],
        "totaux": {
            key: fichier[key]
            for key in ("lignes_lues", "lignes_importees", "lignes_rejetees", "somme_ae", "somme_cp")
        }
        | {"erreurs": fichier["nb_erreurs"]},
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
        local = [stack.enter_context(_local_copy(store, Envoi(**e))) for e in p["fichiers"]]
        work = None if store.local_path(p["dossier"]) else stack.enter_context(_scratch())
        return _run_chorus(engine, job, store, local, work, progress, record)


@contextmanager
def _local_copy(store: stockage.Store, envoi: Envoi) -> Iterator[Path]:
    """The uploaded file as a local file (the file itself, or a scratch copy of the object)."""
    try:
        with store.materialise(envoi.chemin) as path:
            yield path
    except stockage.Introuvable:
        raise QueryError(
            f"Le fichier « {envoi.nom} » n'est plus disponible : chargez-le de nouveau."
        ) from None


@contextmanager
def _scratch() -> Iterator[Path]:
    made = scratch.make("import")
    try:
        yield made
    finally:
        shutil.rmtree(made, ignore_errors=True)


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
        _same_files(envois, local)
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
                store.delete_prefix(_parent(envoi.chemin))
    fichiers, remaining = [], list(envois)
    with engine.connect() as conn:
        for report in result.reports:
            envoi = next((e for e in remaining if e.nom == report.fichier), None)
            if envoi is not None:
                remaining.remove(envoi)
            recorded = latest_by_sha256(conn, envoi.sha256) if envoi and result.written else None
            fichiers.append(_file(report, envoi, recorded, p["annee"], wording(job.region), p["region"]))
    kept = rejets is not None and result.written and any(r.lignes_rejetees for r in result.reports)
    if rejets is not None and not kept:
        rejets.unlink(missing_ok=True)
    if kept and work is not None:
        store.put(store.key(p["dossier"], REJETS), rejets)
    _drop_if_empty(store, p["dossier"])
    return {
        "importe": result.written,
        "a_confirmer": result.a_confirmer,
        "comparaison": [f.as_json() for f in result.flux],
        "avant": avant_of(result.flux),
        "lot": result.lot,
        "fichiers": fichiers,
        "totaux": {
            key: sum(f[key] for f in fichiers)
            for key in ("lignes_lues", "lignes_importees", "lignes_rejetees", "somme_ae", "somme_cp")
        }
        | {"erreurs": sum(f["nb_erreurs"] for f in fichiers)},
        "rejets": REJETS if kept else None,
        "durees": {phase: round(s, 3) for phase, s in result.timings.items()},
    }


def result_of_written(details: dict[str, Any]) -> dict[str, Any]:
    """The result of a job whose import an earlier try wrote, then died before ending the job (its
    report is lost; the record written with the import gives the files, lines and sums)."""
    fichiers = [
        {
            "fichier": f["nom"],
            "champ": None,
            "format": None,
            "type": None,
            "exercice": None,
            "regions": None,
            "valide": True,
            "lignes_lues": f["lignes"],
            "lignes_importees": imported,
            "lignes_rejetees": 0,
            "somme_ae": f["somme_ae"],
            "somme_cp": f["somme_cp"],
            "sha256": f["sha256"],
            "taille": None,
            "nb_erreurs": 0,
            "nb_avertissements": 0,
            "erreurs": [],
            "avertissements": [],
            "erreurs_non_affichees": 0,
            "avertissements_non_affiches": 0,
            "codes_inconnus": {},
        }
        for f, imported in zip(details["fichiers"], details["lignes_importees"], strict=True)
    ]
    totaux = {
        key: sum(f[key] for f in fichiers)
        for key in ("lignes_lues", "lignes_importees", "lignes_rejetees", "somme_ae", "somme_cp")
    }
    return {
        "importe": True,
        "a_confirmer": False,
        "comparaison": [],
        "avant": None,
        "lot": None,
        "fichiers": fichiers,
        "totaux": totaux | {"erreurs": 0},
        "rejets": None,
        "durees": {},
        "repris": True,  # ended from the record of an earlier try
    }


def _parent(key: str) -> str:
    return key.rsplit("/", 1)[0]


def _drop_if_empty(store: stockage.Store, dossier: str) -> None:
    """A local upload folder is removed once empty (an object store has no folders)."""
    path = store.local_path(dossier)
    if path is not None and path.is_dir() and not any(path.iterdir()):
        path.rmdir()


def remove_upload(job: Tache, folder: Path | stockage.Espaces | None = None) -> None:
    """Remove the files a job was given (it failed or will never run): each file's folder, then the
    upload's folder when nothing else (a rejects file) is left in it."""
    store = stockage.espaces_of(folder or Path(job.parametres["dossier"])).televersements
    for envoi in job.parametres.get("fichiers", []):
        store.delete_prefix(_parent(envoi["chemin"]))
    _drop_if_empty(store, job.parametres["dossier"])


def _same_files(envois: list[Envoi], local: list[Path]) -> None:
    """The confirmed files are still there, byte for byte (what was checked is what is imported)."""
    for envoi, path in zip(envois, local, strict=True):
        if not path.is_file() or sha256_of(path) != envoi.sha256:
            raise QueryError(
                f"Le fichier « {envoi.nom} » vérifié n'est plus disponible ou a changé : chargez-le de nouveau."
            )


def files_kept(job: Tache, store: stockage.Store) -> bool:
    """The files of a finished check are still stored (to confirm, or to try again)."""
    return all(store.exists(e["chemin"]) for e in job.parametres.get("fichiers", []))


def rejects_of(job: Tache, store: stockage.Store) -> str | None:
    """The key of the rejected lines of a finished job, when it kept them."""
    if not job.resultat or not job.resultat.get("rejets"):
        return None
    return store.key(job.parametres["dossier"], job.resultat["rejets"])


def _file(
    report: Report,
    envoi: Envoi | None,
    recorded,
    annee: int | None,
    words: dict[str, str] = _WEB_WORDING,
    region: str | None = None,
) -> dict[str, Any]:
    by_place = lambda p: (p.ligne or 0, p.colonne or "")  # noqa: E731
    errors, warnings = sorted(report.errors, key=by_place), sorted(report.warnings, key=by_place)
    return {
        "fichier": envoi.nom if envoi else report.fichier,  # the name the user gave (saved under a safe one)
        "champ": envoi.champ if envoi else None,
        "format": report.format,
        "type": report.kind,
        "exercice": recorded.annee if recorded else annee,
        "regions": recorded.regions if recorded else region,
        "valide": report.valid,
        "lignes_lues": report.lignes_lues,
        "lignes_importees": report.lignes_importees,
        "lignes_rejetees": report.lignes_rejetees,
        "somme_ae": float(report.somme_ae),
        "somme_cp": float(report.somme_cp),
        "sha256": envoi.sha256 if envoi else None,
        "taille": envoi.taille if envoi else None,
        "nb_erreurs": report.error_count,
        "nb_avertissements": report.warning_count,
        "erreurs": [_problem(x, words) for x in errors[:MAX_PROBLEMES]],
        "avertissements": [_problem(x, words) for x in warnings[:MAX_PROBLEMES]],
        "erreurs_non_affichees": report.error_count - min(len(errors), MAX_PROBLEMES),
        "avertissements_non_affiches": report.warning_count - min(len(warnings), MAX_PROBLEMES),
        "codes_inconnus": report.codes_inconnus,
    }


def _problem(problem: Problem, words: dict[str, str]) -> dict[str, Any]:
    message = problem.message
    for cli, web in words.items():
        message = message.replace(cli, web)
    return {
        "ligne": problem.ligne,
        "colonne": problem.colonne,
        "valeur": problem.valeur,
        "code": problem.code,
        "message": message,
    }
